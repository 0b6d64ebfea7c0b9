"""Reports: self-contained HTML with inline SVG, PDF and JSON; plain words included."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from lifelines.datasets import load_rossi
from pypdf import PdfReader

from intercop.evaluation import wording
from intercop.evaluation.imported import survival_from_table
from intercop.evaluation.narratives import power_document, survival_document
from intercop.evaluation.power import sample_size
from intercop.evaluation.reports import ReportError, render_html, write_report


@pytest.fixture
def rossi(tmp_path: Path) -> Path:
    path = tmp_path / "rossi.csv"
    load_rossi().to_csv(path, index=False)
    return path


def test_html_is_self_contained_with_an_svg(rossi: Path) -> None:
    doc = survival_document(
        survival_from_table(rossi, "week", "arrest", ["age", "prio"], treatment="fin")
    )
    html = render_html(doc)
    assert "<svg" in html and "</svg>" in html
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"<(script|link|img)\b", html)
    assert wording.NOT_CAUSAL in html
    assert "Log-rank test" in html


def test_html_escapes_names(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("t,e,<b>x</b>\n" + "".join(f"{i},{i % 2},{i % 3}\n" for i in range(1, 30)))
    html = render_html(survival_document(survival_from_table(path, "t", "e", ["<b>x</b>"])))
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_pdf_and_json(tmp_path: Path) -> None:
    doc = power_document(sample_size(0.3, 0.7))
    pdf = write_report(doc, tmp_path / "power.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "367" in text and "lower bound" in text
    data = json.loads(write_report(doc, tmp_path / "power.json").read_text())
    assert data["n_per_arm"] == 367


def test_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"power\.docx"):
        write_report(power_document(sample_size(0.3, 0.7)), tmp_path / "power.docx")
