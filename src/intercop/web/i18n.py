"""UI text in several languages, from gettext catalogues (``locales/<lang>/LC_MESSAGES``).

A catalogue is a plain ``messages.po`` file: adding a language means adding a folder,
no code. The ``.po`` is compiled in memory on first use, so no build step and no
binary ``.mo`` file is kept in the repository. English is the source language.
"""

from __future__ import annotations

import gettext
import io
import logging
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

LOCALES = Path(__file__).parent / "locales"
SOURCE = "en"


def available() -> list[str]:
    """The UI languages: English plus every folder with a catalogue."""
    found = sorted(
        p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file()
    )
    return [SOURCE, *[code for code in found if code != SOURCE]]


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English and unknown languages: the source text)."""
    po = LOCALES / lang / "LC_MESSAGES" / "messages.po"
    if lang == SOURCE or not po.is_file():
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    log.debug("UI catalogue %s: %d messages", lang, len(catalog))
    return gettext.GNUTranslations(buffer)


def negotiate(accept_language: str | None, cookie: str | None) -> str:
    """The UI language: the ``lang`` cookie if offered, else the browser's first match."""
    offered = available()
    if cookie in offered:
        return str(cookie)
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()
        for candidate in (code, code.split("-")[0]):
            if candidate in offered:
                return candidate
    return SOURCE
