"""Rendering a ``Document``: self-contained HTML, PDF (reportlab) or JSON, chosen by suffix.

The HTML embeds its charts as inline SVG and its style inline; it references no
address, so it opens the same offline, in a mail attachment or years later.
"""

from __future__ import annotations

import io
import json
import logging
import os
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from jinja2 import Environment, PackageLoader, select_autoescape
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from intercop.errors import IntercopError
from intercop.evaluation.document import Document, Table

log = logging.getLogger(__name__)

SUFFIXES = (".html", ".pdf", ".json")

_env = Environment(
    loader=PackageLoader("intercop.evaluation", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


class ReportError(IntercopError):
    """The report cannot be written where asked."""

    hint = "Name a file ending in .html, .pdf or .json in a folder you can write to"


def render_html(doc: Document) -> str:
    """The document as one self-contained HTML page."""
    return _env.get_template("report.html").render(doc=doc)


def render_json(doc: Document) -> str:
    """The document's data as indented JSON."""
    return json.dumps(doc.data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_pdf(doc: Document) -> bytes:
    """The document as a PDF (A4), charts as images."""
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    story: list[object] = [
        Paragraph(escape(doc.title), styles["Title"]),
        Paragraph(escape(doc.subtitle), styles["Italic"]),
        Spacer(1, 0.3 * cm),
    ]
    story += [Paragraph(escape(line), styles["BodyText"]) for line in doc.summary]
    for section in doc.sections:
        story.append(Paragraph(escape(section.heading), styles["Heading2"]))
        story += [Paragraph(escape(p), styles["BodyText"]) for p in section.paragraphs]
        for chart in section.charts:
            image = Image(io.BytesIO(chart.png))
            scale = min(1.0, 16 * cm / image.drawWidth)
            image.drawWidth, image.drawHeight = image.drawWidth * scale, image.drawHeight * scale
            story.append(image)
        for table in section.tables:
            story += _pdf_table(table, styles)
    story.append(Paragraph("How to read these numbers", styles["Heading2"]))
    story += [Paragraph(escape(c), styles["BodyText"]) for c in doc.caveats]
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=doc.title,
        author="InterCOP",
        leftMargin=2 * cm,
        rightMargin=2 * cm,
    )
    pdf.build(story)
    return buffer.getvalue()


def _pdf_table(table: Table, styles: Any) -> list[object]:
    small = styles["BodyText"].clone("cell", fontSize=7.5, leading=9)
    cells = [[Paragraph(escape(c), small) for c in row] for row in (table.headers, *table.rows)]
    flow = PdfTable(cells, repeatRows=1, hAlign="LEFT")
    flow.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    parts: list[object] = [flow]
    if table.caption:
        parts.append(Paragraph(escape(table.caption), styles["Italic"]))
    parts.append(Spacer(1, 0.3 * cm))
    return parts


def write_report(doc: Document, path: Path) -> Path:
    """Write ``doc`` to ``path`` as HTML, PDF or JSON by its suffix (atomically)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ReportError(f"{path.name}: unknown report type {suffix or '(none)'!r}")
    if suffix == ".html":
        payload = render_html(doc).encode("utf-8")
    elif suffix == ".json":
        payload = render_json(doc).encode("utf-8")
    else:
        payload = render_pdf(doc)
    temporary = path.with_name(f".{path.name}.part")
    try:
        temporary.write_bytes(payload)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ReportError(f"{path}: cannot write the report ({exc.strerror})") from exc
    log.info("report written to %s (%d bytes)", path, len(payload))
    return path
