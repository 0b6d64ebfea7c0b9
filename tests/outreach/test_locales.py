"""Choosing the locale of a person and falling back when a template is missing."""

from __future__ import annotations

import pytest

from intercop.outreach.locales import SUPPORTED, babel_locale, fallback_chain, locale_for


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        ("NL", "nl"), ("BE", "nl"), ("SR", "nl"), ("FI", "fi"), ("SE", "sv"), ("PT", "pt"),
        ("AO", "pt"), ("MZ", "pt"), ("BR", "pt-BR"), ("DE", "de"), ("AT", "de"), ("CH", "de"),
        ("LI", "de"), ("FR", "fr"), ("LU", "fr"), ("MC", "fr"), ("ES", "es"), ("MX", "es"),
        ("AR", "es"), ("CO", "es"), ("CL", "es"), ("PE", "es"), ("JP", "ja"), ("GB", "en"),
        ("US", "en"), ("PL", "en"), (None, "en"), ("nl", "nl"),
    ],
)  # fmt: skip
def test_locale_from_country(country: str | None, expected: str) -> None:
    assert locale_for(country) == expected


def test_a_supported_language_of_the_persons_texts_wins_over_the_country() -> None:
    assert locale_for("BE", ["fr"]) == "fr"
    assert locale_for("BE", ["nl"]) == "nl"
    assert locale_for("NL", ["de"]) == "de"
    assert locale_for("GB", ["ja"]) == "ja"
    # Portuguese written in Brazil is Brazilian Portuguese
    assert locale_for("BR", ["pt"]) == "pt-BR"
    assert locale_for("PT", ["pt"]) == "pt"


def test_unsupported_languages_are_ignored() -> None:
    assert locale_for("NL", ["ru"]) == "nl"
    assert locale_for("US", ["ru", "ar"]) == "en"
    assert locale_for(None, ["pl", "sv"]) == "sv"


def test_in_a_multilingual_country_its_own_language_is_preferred() -> None:
    assert locale_for("BE", ["de", "fr"]) == "fr"
    assert locale_for("CH", ["en", "fr"]) == "fr"


def test_default_is_used_when_nothing_else_says_anything() -> None:
    assert locale_for(None, default="fi") == "fi"
    assert locale_for("ZZ", default="xx") == "en"


def test_fallback_chain() -> None:
    assert fallback_chain("pt-BR") == ("pt-BR", "pt", "en")
    assert fallback_chain("pt_br") == ("pt-BR", "pt", "en")
    assert fallback_chain("xx") == ("xx", "en")
    assert fallback_chain("en") == ("en",)
    assert fallback_chain("de-AT") == ("de-AT", "de", "en")


def test_babel_locales() -> None:
    assert str(babel_locale("pt-BR")) == "pt_BR"
    assert all(babel_locale(loc) is not None for loc in SUPPORTED)


def test_a_known_country_without_our_language_gets_english_not_the_agency_default() -> None:
    assert locale_for("GB", default="nl") == "en"
    assert locale_for("PL", default="nl") == "en"
    assert locale_for(None, default="nl") == "nl"
