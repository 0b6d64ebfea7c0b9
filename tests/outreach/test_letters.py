"""Letters as PDF: the text round-trips through pypdf, accents and Japanese included."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from intercop.casework.agencies import load_agencies
from intercop.outreach.facts import sample_facts
from intercop.outreach.letters import Letter, letters_document, merge_letters, render_letter
from intercop.outreach.render import Rendered, Templates

AGENCY = load_agencies()["NL"]


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _flat(text: str) -> str:
    return "".join(text.split())


def test_latin_accents_survive() -> None:
    body = "Hej Åsa, ä ö å ç ã é ß ñ — Zürich, São Paulo, Málaga.\n\nTweede alinea.\n"
    pdf = render_letter(Rendered("sv", "Ärende: varning", body, ""),
                        address_lines=["Åsa Öberg", "Storgatan 1", "111 22 Stockholm"],
                        agency=AGENCY, reference="R-9", sent_on=date(2026, 3, 1))  # fmt: skip
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    for word in ("Åsa", "ä ö å ç ã é ß ñ", "Zürich", "São Paulo", "Málaga", "Ärende", "Öberg",
                 "1 mars 2026", "R-9", "Politie"):  # fmt: skip
        assert word in text, word


@pytest.mark.parametrize("locale", ["ja", "fr", "pt-BR", "fi"])
def test_rendered_template_round_trips(locale: str) -> None:
    r = Templates().render("warning_letter", locale, facts=sample_facts(), agency=AGENCY,
                           recipient="parents", sent_on=date(2026, 3, 1))  # fmt: skip
    pdf = render_letter(r, address_lines=["Addressee", "Street 1"], agency=AGENCY,
                        sent_on=date(2026, 3, 1))  # fmt: skip
    text = _flat(_text(pdf))
    # every paragraph of the message is in the PDF (line breaks may differ)
    for para in r.text.split("\n\n"):
        assert _flat(para)[:40] in text, para[:40]
    assert _flat(r.subject) in text


def test_japanese_uses_the_cid_font() -> None:
    r = Rendered("ja", "警告", "こんにちは。DDoS攻撃は犯罪です。\n", "")
    pdf = render_letter(r, address_lines=["東京都千代田区1-1", "山田 太郎 様"], agency=AGENCY,
                        sent_on=date(2026, 3, 1))  # fmt: skip
    assert b"HeiseiKakuGo-W5" in pdf
    text = _text(pdf)
    assert "DDoS攻撃は犯罪です" in text and "山田 太郎 様" in text and "2026年3月1日" in text


def test_merge_and_document_keep_every_letter_in_order() -> None:
    letters = [
        Letter(Rendered(loc, f"Subject {i}", f"Body {i}\n", ""), (f"Person {i}",), AGENCY)
        for i, loc in enumerate(["nl", "ja", "en"])
    ]
    singles = [render_letter(x.rendered, address_lines=x.address_lines, agency=AGENCY)
               for x in letters]  # fmt: skip
    for combined in (merge_letters(singles), letters_document(letters)):
        reader = PdfReader(io.BytesIO(combined))
        assert len(reader.pages) == 3
        texts = [p.extract_text() for p in reader.pages]
        assert all(f"Person {i}" in t and f"Body {i}" in t for i, t in enumerate(texts))
