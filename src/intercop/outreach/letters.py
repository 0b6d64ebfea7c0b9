"""Letters as PDF (A4): the agency's letterhead, an address block, the date, the body.

Latin scripts use the standard Helvetica fonts (WinAnsi covers ä, å, ç, ã, é, ß, ñ);
Japanese uses reportlab's built-in CID font ``HeiseiKakuGo-W5``, which needs no font
file. ``letters_document`` draws many letters into one print file with reportlab
alone; ``merge_letters`` joins already rendered PDFs (pypdf).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from xml.sax.saxutils import escape

from babel.dates import format_date
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer

from intercop.outreach.locales import babel_locale
from intercop.outreach.render import AgencyInfo, Rendered, paragraphs

CJK_FONT = "HeiseiKakuGo-W5"
CJK_LOCALES = ("ja",)


@dataclass(frozen=True)
class Letter:
    """One letter to print: the rendered message and where it goes."""

    rendered: Rendered
    address_lines: tuple[str, ...]
    agency: AgencyInfo
    reference: str = ""
    sent_on: date | None = None


@cache
def _cjk_font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def _styles(locale: str) -> dict[str, ParagraphStyle]:
    cjk = locale.partition("-")[0] in CJK_LOCALES
    regular = _cjk_font() if cjk else "Helvetica"
    bold = regular if cjk else "Helvetica-Bold"
    wrap = "CJK" if cjk else None
    base = ParagraphStyle("body", fontName=regular, fontSize=10.5, leading=14.5,
                          spaceAfter=7, wordWrap=wrap)  # fmt: skip
    return {
        "body": base,
        "head": ParagraphStyle(
            "head", parent=base, fontName=bold, fontSize=13, leading=16, spaceAfter=1
        ),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11, spaceAfter=0),
        "address": ParagraphStyle("address", parent=base, spaceAfter=0),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT, spaceAfter=0),
        "subject": ParagraphStyle(
            "subject", parent=base, fontName=bold, spaceBefore=6, spaceAfter=10
        ),
    }


def _lines(lines: Sequence[str]) -> str:
    return "<br/>".join(escape(line) for line in lines)


def _story(letter: Letter) -> list[Flowable]:
    """The flowables of one letter."""
    r, agency = letter.rendered, letter.agency
    s = _styles(r.locale)
    when = format_date(letter.sent_on or date.today(), "long", locale=babel_locale(r.locale))
    story: list[Flowable] = [
        Paragraph(escape(agency.name), s["head"]),
        Paragraph(_lines([agency.website, f"{agency.phone} · {agency.reply_to}"]), s["small"]),
        Spacer(1, 22 * mm),
        Paragraph(_lines(letter.address_lines), s["address"]),
        Spacer(1, 14 * mm),
        Paragraph(_lines([when, letter.reference] if letter.reference else [when]), s["right"]),
        Spacer(1, 6 * mm),
        Paragraph(escape(r.subject), s["subject"]),
    ]
    story += [Paragraph(_lines(p), s["body"]) for p in paragraphs(r.text)]
    return story


def _build(stories: Sequence[list[Flowable]], title: str) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=22 * mm,
                            topMargin=18 * mm, bottomMargin=20 * mm, title=title,
                            author="InterCOP", creator="InterCOP")  # fmt: skip
    flow: list[Flowable] = []
    for i, story in enumerate(stories):
        if i:
            flow.append(PageBreak())
        flow += story
    doc.build(flow)
    return buffer.getvalue()


def render_letter(
    rendered: Rendered,
    *,
    address_lines: Sequence[str],
    agency: AgencyInfo,
    reference: str = "",
    sent_on: date | None = None,
) -> bytes:
    """One letter as a PDF document.

    Args:
        rendered: the message (``Templates.render``); its locale picks font and date format.
        address_lines: the recipient's postal address, one line each.
        agency: the sender, printed as the letterhead.
        reference: printed under the date.
        sent_on: the date of the letter (default: today).
    """
    letter = Letter(rendered, tuple(address_lines), agency, reference, sent_on)
    return _build([_story(letter)], rendered.subject)


def letters_document(letters: Sequence[Letter], title: str = "letters") -> bytes:
    """Many letters in one print file, each starting on a new page (reportlab only)."""
    return _build([_story(letter) for letter in letters], title)


def merge_letters(pdfs: Sequence[bytes]) -> bytes:
    """Concatenate PDF documents into one print file, in order."""
    from pypdf import PdfReader, PdfWriter  # a runtime dependency only of merging

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
