"""Message locales: which one a person gets, what replaces a missing one, and Babel's view.

A person's locale comes from a language clue in their own texts when we write in that
language, else from their country, else the default. A locale we have no template for
falls back along ``fallback_chain`` (``pt-BR`` -> ``pt`` -> ``en``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from babel import Locale

SUPPORTED: tuple[str, ...] = ("nl", "en", "fi", "sv", "pt", "pt-BR", "de", "fr", "es", "ja")
DEFAULT = "en"

#: the locale of a country (ISO 3166 alpha-2); countries not named here get the default
COUNTRY_LOCALE: Mapping[str, str] = {
    "NL": "nl", "BE": "nl", "SR": "nl",
    "FI": "fi",
    "SE": "sv",
    "PT": "pt", "AO": "pt", "MZ": "pt",
    "BR": "pt-BR",
    "DE": "de", "AT": "de", "CH": "de", "LI": "de",
    "FR": "fr", "LU": "fr", "MC": "fr",
    "ES": "es", "MX": "es", "AR": "es", "CO": "es", "CL": "es", "PE": "es",
    "JP": "ja",
}  # fmt: skip

#: countries where the person's language decides between locales (Belgium: nl or fr)
MULTILINGUAL: Mapping[str, tuple[str, ...]] = {
    "BE": ("nl", "fr"),
    "CH": ("de", "fr"),
    "LU": ("fr", "de"),
    "FI": ("fi", "sv"),
}


def normalise(code: str) -> str:
    """``pt_br`` / ``PT-br`` -> ``pt-BR``; ``NL`` -> ``nl``."""
    lang, _, region = code.strip().replace("_", "-").partition("-")
    return f"{lang.lower()}-{region.upper()}" if region else lang.lower()


def _language_locale(language: str, country: str | None) -> str | None:
    """The supported locale of a detected language (``pt`` in Brazil is ``pt-BR``)."""
    code = normalise(language)
    if code == "pt" and country == "BR":
        return "pt-BR"
    return code if code in SUPPORTED else None


def locale_for(country: str | None, languages: Sequence[str] = (), default: str = DEFAULT) -> str:
    """The locale to write to a person in.

    Args:
        country: the person's country (ISO alpha-2), or None when unknown.
        languages: languages found in the person's own texts, strongest first.
        default: the locale when the country is unknown and no language was found (an
            agency's own); a known country without a supported language gets English.
    """
    cc = country.upper() if country else None
    spoken = [loc for lang in languages if (loc := _language_locale(lang, cc)) is not None]
    if cc is not None and cc in MULTILINGUAL:
        for loc in spoken:
            if loc in MULTILINGUAL[cc]:
                return loc
    if spoken:
        return spoken[0]
    if cc is not None:
        # a known country we have no language of: English, not the agency's own language
        return COUNTRY_LOCALE.get(cc, DEFAULT)
    return normalise(default) if normalise(default) in SUPPORTED else DEFAULT


def fallback_chain(locale: str) -> tuple[str, ...]:
    """The locales to try in order: ``pt-BR`` -> ``(pt-BR, pt, en)``, ``xx`` -> ``(xx, en)``."""
    code = normalise(locale)
    chain = [code]
    lang = code.partition("-")[0]
    if lang != code:
        chain.append(lang)
    if DEFAULT not in chain:
        chain.append(DEFAULT)
    return tuple(chain)


def babel_locale(locale: str) -> Locale:
    """The Babel ``Locale`` that formats dates and numbers (``pt-BR`` -> ``pt_BR``)."""
    return Locale.parse(normalise(locale), sep="-")
