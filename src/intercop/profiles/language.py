"""Language hints in free text (tickets, posts, messages), as SQL patterns.

A deliberately small detector: a script test for languages with their own script and
a few frequent function words for the others. English is not detected: it is
written everywhere and says nothing about where someone lives. A language is only a
hint for jurisdiction, and only *supports* countries found by other evidence.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    """One language: the RE2 pattern of its texts and the countries that speak it."""

    code: str
    pattern: str
    countries: tuple[str, ...]


def _words(*words: str) -> str:
    return r"(?i)(^|[^\pL])(" + "|".join(words) + r")([^\pL]|$)"


LANGUAGES: tuple[Language, ...] = (
    Language(
        "nl",
        _words(
            "het",
            "niet",
            "niks",
            "mijn",
            "jullie",
            "ik",
            "een",
            "maar",
            "wel",
            "kunnen",
            "heb",
            "nog",
            "werkt",
        ),
        ("NL", "BE", "SR"),
    ),
    Language(
        "de",
        _words(
            "nicht",
            "ich",
            "mein",
            "bitte",
            "und",
            "geht",
            "nichts",
            "auf",
            "der",
            "die",
            "das",
            "prüfen",
        ),
        ("DE", "AT", "CH", "LI"),
    ),
    Language(
        "pt",
        _words(
            "não",
            "meu",
            "mas",
            "ajuda",
            "obrigado",
            "você",
            "plano",
            "em",
            "ataque",
            "nada",
            "paguei",
        ),
        ("BR", "PT", "AO", "MZ"),
    ),
    Language(
        "es",
        _words("pero", "gracias", "ayuda", "funciona", "mi", "ataque", "nada", "pagué", "está"),
        ("ES", "MX", "AR", "CO", "CL", "PE"),
    ),
    Language(
        "fr",
        _words("je", "mais", "merci", "marche", "pas", "mon", "une", "avec"),
        ("FR", "BE", "CH", "CA", "LU"),
    ),
    Language(
        "sv",
        _words("inte", "jag", "min", "mot", "gör", "ingenting", "funkar", "och", "att"),
        ("SE", "FI"),
    ),
    Language("fi", _words("ei", "toimi", "mitään", "kiitos", "minun", "hyökkäys", "tee"), ("FI",)),
    Language("pl", _words("nie", "działa", "dzięki", "mój", "jest", "proszę"), ("PL",)),
    Language("it", _words("non", "grazie", "funziona", "il", "mio", "aiuto"), ("IT", "CH")),
    Language("ja", r"[\p{Hiragana}\p{Katakana}]", ("JP",)),
    Language("ru", r"\p{Cyrillic}", ("RU", "BY", "KZ", "UA")),
    Language("ar", r"\p{Arabic}", ("SA", "EG", "AE", "MA", "DZ", "IQ", "JO")),
)

BY_CODE: dict[str, Language] = {lang.code: lang for lang in LANGUAGES}
