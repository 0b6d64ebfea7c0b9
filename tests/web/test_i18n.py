"""Every UI string of the templates has a Dutch translation, and the UI switches language."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from intercop.web.i18n import LOCALES, available, negotiate, translations
from intercop.web.templating import TEMPLATES
from tests.web.conftest import Web


def template_messages() -> dict[str, str]:
    """msgid -> the template that uses it (literal ``_('...')`` calls only)."""
    found: dict[str, str] = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        with path.open("rb") as handle:
            for _line, _func, message, _comments in babel_extract(
                handle, ("_", "gettext", "ngettext"), [], {"newstyle_gettext": "true"}
            ):
                for text in message if isinstance(message, tuple) else (message,):
                    if text:
                        found.setdefault(text, path.name)
    return found


def test_every_template_string_has_a_dutch_translation() -> None:
    with (LOCALES / "nl" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="nl")
    translated = {m.id for m in catalog if m.id and m.string}
    missing = {text: where for text, where in template_messages().items() if text not in translated}
    assert not missing, f"add these to locales/nl/LC_MESSAGES/messages.po: {missing}"
    assert len(template_messages()) > 20


def test_languages_are_the_catalogue_folders() -> None:
    assert available()[0] == "en" and "nl" in available()
    assert translations("nl").gettext("Sign in") == "Aanmelden"
    assert translations("xx").gettext("Sign in") == "Sign in"


def test_language_negotiation_prefers_the_cookie_then_the_browser() -> None:
    assert negotiate("nl-NL,nl;q=0.9,en;q=0.8", None) == "nl"
    assert negotiate("fi-FI,fi;q=0.9", None) == "en"
    assert negotiate("nl", "en") == "en"
    assert negotiate(None, "xx") == "en"


def test_the_login_page_speaks_dutch_when_asked(web: Web) -> None:
    page = web.client.get("/login", headers={"accept-language": "nl"})
    assert "Wachtwoord" in page.text and "Password" not in page.text
    switched = web.client.get(
        "/lang/en?next=/login", follow_redirects=True, headers={"accept-language": "nl"}
    )
    assert "Password" in switched.text


def test_a_new_language_needs_only_a_catalogue_folder(tmp_path: Path) -> None:
    assert all(
        (LOCALES / code / "LC_MESSAGES" / "messages.po").is_file() for code in available()[1:]
    )


def test_every_fixed_page_title_has_a_dutch_translation() -> None:
    routes = Path(TEMPLATES).parent / "routes"
    titles = set()
    for module in routes.glob("*.py"):
        titles |= set(re.findall(r'title="([^"{}]+)"', module.read_text()))
    with (LOCALES / "nl" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="nl")
    translated = {m.id for m in catalog if m.id and m.string}
    assert len(titles) > 10
    assert not titles - translated, f"translate these page titles: {titles - translated}"
