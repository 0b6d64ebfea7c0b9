"""Rendering: sandbox, strict placeholders, errors naming file and line, Babel, HTML."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from intercop.casework.agencies import load_agencies
from intercop.errors import ConfigError
from intercop.outreach.facts import sample_facts
from intercop.outreach.render import SampleAgency, TemplateError, Templates

AGENCY = SampleAgency()


def _override(tmp_path: Path, body: str, locale: str = "en", name: str = "probe") -> Templates:
    folder = tmp_path / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{locale}.txt").write_text(body, encoding="utf-8")
    return Templates(tmp_path)


def _render(t: Templates, locale: str = "en", name: str = "probe", **facts: object) -> str:
    f = dataclasses.replace(sample_facts(), **facts)  # type: ignore[arg-type]
    return t.render(name, locale, facts=f, agency=AGENCY, sent_on=date(2026, 1, 15)).text


@pytest.mark.parametrize(
    ("locale", "month", "number"),
    [
        ("nl", "maart 2024", "1.234"),
        ("en", "March 2024", "1,234"),
        ("ja", "2024年3月", "1,234"),
        ("de", "März 2024", "1.234"),
        ("fi", "maaliskuu 2024", "1\u00a0234"),
        ("sv", "mars 2024", "1\u00a0234"),
        ("fr", "mars 2024", "1\u202f234"),
        ("pt-BR", "março de 2024", "1.234"),
    ],
)
def test_babel_formats_in_the_recipients_locale(
    tmp_path: Path, locale: str, month: str, number: str
) -> None:
    t = _override(tmp_path, "Subject: x\n\n{{ registered|month }}|{{ attacks|number }}\n", locale)
    assert _render(t, locale).strip() == f"{month}|{number}"


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    t = _override(tmp_path, "Subject: x\n\nHello\n{% if username %}\nno end\n")
    with pytest.raises(TemplateError) as err:
        _render(t)
    assert isinstance(err.value, ConfigError)
    assert f"{tmp_path / 'probe' / 'en.txt'}:" in str(err.value)
    assert err.value.line is not None and err.value.line >= 4
    assert "syntax error" in str(err.value)


def test_unknown_placeholder_is_named_with_its_line(tmp_path: Path) -> None:
    t = _override(tmp_path, "Subject: x\n\nHello {{ username }}\n\nYour {{ victim_ip }}\n")
    with pytest.raises(TemplateError, match=r"en\.txt:5: unknown placeholder 'victim_ip'"):
        t.check("probe")


def test_unknown_attribute_fails_at_render_with_its_line(tmp_path: Path) -> None:
    t = _override(tmp_path, "Subject: x\n\nHello\n{{ agency.secret }}\n")
    with pytest.raises(TemplateError, match=r"en\.txt:4: cannot render: .*secret"):
        t.check("probe")


def test_sandbox_blocks_dunder_access(tmp_path: Path) -> None:
    t = _override(tmp_path, "Subject: x\n\n{{ facts.__class__.__mro__ }}\n")
    with pytest.raises(TemplateError, match="unsafe"):
        _render(t)


def test_subject_line_is_required(tmp_path: Path) -> None:
    t = _override(tmp_path, "Hello\n\nbody\n")
    with pytest.raises(TemplateError, match=r"en\.txt:1: the first line must be 'Subject:"):
        _render(t)
    t = _override(tmp_path, "Subject: x\nbody\n")
    with pytest.raises(TemplateError, match=r"en\.txt:2: the second line must be blank"):
        _render(t)


def test_html_is_escaped_and_self_contained() -> None:
    t = Templates()
    evil = "<script>alert(1)</script>"
    f = dataclasses.replace(sample_facts(), username=evil, platform="<b>x</b>")
    r = t.render("warning_email", "nl", facts=f, agency=load_agencies()["NL"], reference="R-1")
    assert evil in r.text  # plain text stays as written
    assert evil not in r.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.html
    assert "<b>x</b>" not in r.html
    assert '<html lang="nl">' in r.html
    assert "Politie" in r.html and "R-1" in r.html  # agency footer and reference
    assert "src=" not in r.html and "<link" not in r.html and "url(" not in r.html


def test_agency_override_wins_and_falls_back_per_file(tmp_path: Path) -> None:
    t = _override(tmp_path, "Subject: Eigen tekst\n\nVan het bureau: {{ platform }}\n", "nl",
                  "warning_email")  # fmt: skip
    nl = t.render("warning_email", "nl", facts=sample_facts(), agency=AGENCY)
    assert nl.subject == "Eigen tekst" and "Van het bureau: examplestresser" in nl.text
    de = t.render("warning_email", "de", facts=sample_facts(), agency=AGENCY)
    assert de.locale == "de" and "Konto" in de.subject  # the packaged file still serves de


def test_fallback_chain_is_followed() -> None:
    t = Templates()
    r = t.render("hack_right_referral", "pt-BR", facts=sample_facts(), agency=AGENCY)
    assert r.locale == "en"
    r = t.render("warning_email", "xx", facts=sample_facts(), agency=AGENCY)
    assert r.locale == "en"
    with pytest.raises(TemplateError, match="no template for 'nothing'"):
        t.render("nothing", "nl", facts=sample_facts(), agency=AGENCY)


def test_recipient_must_be_person_or_parents() -> None:
    with pytest.raises(TemplateError, match="recipient"):
        Templates().render("warning_email", "en", facts=sample_facts(), agency=AGENCY,
                           recipient="neighbour")  # fmt: skip


def test_optional_facts_leave_no_gap(tmp_path: Path) -> None:
    t = Templates()
    f = dataclasses.replace(sample_facts(), masked_ip=None, payments=0, registered=None)
    text = t.render("knock_and_talk", "en", facts=f, agency=AGENCY).text
    assert "IP address" not in text and "payments" not in text and "registered:" not in text
    assert "\n\n\n" not in text
