"""Every packaged template: checks clean, renders in every locale, uses the evidence."""

from __future__ import annotations

import re
from datetime import date

import pytest

from intercop.casework.agencies import load_agencies
from intercop.outreach.facts import sample_facts
from intercop.outreach.locales import SUPPORTED
from intercop.outreach.render import PACKAGED, RECIPIENTS, Templates

TEMPLATES = Templates()
ALL_LOCALES = ("warning_email", "warning_letter", "cease_and_desist", "reboot_camp_invite",
               "knock_and_talk")  # fmt: skip
#: the evidence every message must be able to quote
EVIDENCE = ("platform", "username", "registered|month", "masked_ip", "attacks|number")
CASES = [(i, loc) for i in TEMPLATES.interventions() for loc in TEMPLATES.locales(i)]


def test_catalogue_of_templates() -> None:
    for intervention in ALL_LOCALES:
        assert TEMPLATES.locales(intervention) == SUPPORTED, intervention
    assert {"nl", "en"} <= set(TEMPLATES.locales("hack_right_referral"))


@pytest.mark.parametrize("intervention", TEMPLATES.interventions())
def test_every_template_checks_clean(intervention: str) -> None:
    TEMPLATES.check(intervention)


@pytest.mark.parametrize(("intervention", "locale"), CASES)
def test_every_template_uses_the_evidence(intervention: str, locale: str) -> None:
    source = (PACKAGED / intervention / f"{locale}.txt").read_text("utf-8")
    for name in EVIDENCE:
        assert re.search(r"\b" + re.escape(name).replace(r"\|", r"\s*\|\s*"), source), name
    assert 'recipient == "parents"' in source


@pytest.mark.parametrize(("intervention", "locale"), CASES)
@pytest.mark.parametrize("recipient", RECIPIENTS)
def test_renders_with_the_facts_in_the_locale(
    intervention: str, locale: str, recipient: str
) -> None:
    agency = load_agencies()["NL"]
    r = TEMPLATES.render(
        intervention,
        locale,
        facts=sample_facts(),
        agency=agency,
        recipient=recipient,
        reference="REF-7",
        sent_on=date(2026, 2, 1),
    )
    assert r.locale == locale
    for leftover in ("{{", "}}", "{%", "%}", "{#"):
        assert leftover not in r.subject + r.text + r.html
    assert r.subject and "\n" not in r.subject
    assert "examplestresser" in r.text and "sample_user" in r.text and "203.0.x.x" in r.text
    # the attack count is formatted in the locale (1,234 / 1.234 / 1 234)
    assert re.search(r"1[.,\u00a0\u202f]234", r.text)
    assert "2024" in r.text and "REF-7" in r.text and agency.phone in r.text
    assert f'lang="{locale}"' in r.html
    assert "\n\n\n" not in r.text
    parents = {"parents", "ouder", "Eltern", "parent", "huoltaja", "förälder", "encarregado",
               "responsável", "Madame", "madre", "保護者"}  # fmt: skip
    addressed = any(p in r.text.split("\n\n")[0] for p in parents)
    assert addressed == (recipient == "parents"), r.text.split("\n\n")[0]
