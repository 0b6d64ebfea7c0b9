"""The splash page of a seized domain: what happened, the law, and legal alternatives.

``write_splash`` writes ``index.<locale>.html`` for each locale and an ``index.html``
that sends a visitor to their browser's language with a tiny inline script and, without
JavaScript, lists a link per language. Everything is inline (CSS, an SVG seal); a page
loads nothing from anywhere, so it can be served as is from the seized domain.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from intercop.errors import ConfigError
from intercop.outreach.locales import SUPPORTED, normalise
from intercop.outreach.render import PACKAGED, AgencyInfo

log = logging.getLogger(__name__)

TEXTS = PACKAGED / "splash" / "texts.yaml"
KEYS = ("language", "title", "seized", "law", "users", "alternatives", "contact")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


class SplashError(ConfigError):
    """The splash page cannot be made as asked."""

    hint = "Pass a domain name such as booter.example and locales from: " + ", ".join(SUPPORTED)


@dataclass(frozen=True)
class SplashResult:
    """What ``write_splash`` wrote."""

    domain: str
    out: Path
    files: tuple[Path, ...]
    locales: tuple[str, ...]


def load_texts(path: Path = TEXTS) -> dict[str, dict[str, str]]:
    """The splash texts per locale, checked for every key."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: expected a mapping of locales")
    texts: dict[str, dict[str, str]] = {}
    for loc, entry in doc.items():
        missing = [k for k in KEYS if not isinstance(entry, dict) or not entry.get(k)]
        if missing:
            raise ConfigError(f"{path}: locale {loc}: missing {', '.join(missing)}")
        texts[normalise(str(loc))] = {k: str(entry[k]) for k in KEYS}
    return texts


def _site(website: str) -> str:
    """The agency's site without its scheme: shown as text, never fetched or linked."""
    return re.sub(r"^[a-z]+://", "", website.strip()).rstrip("/")


def write_splash(
    domain: str,
    out: Path,
    *,
    agency: AgencyInfo | None = None,
    locales: Sequence[str] = SUPPORTED,
    agency_name: str = "the police",
) -> SplashResult:
    """Write the splash pages of ``domain`` into ``out``.

    Args:
        domain: the seized domain, e.g. ``booter.example``.
        out: the folder to write into (created if missing).
        agency: the seizing agency (its name, phone and site are shown); optional.
        locales: the languages to write; the first is the page shown by default.
        agency_name: the name shown when no agency is given.
    """
    name = domain.strip().lower().rstrip(".")
    if not _DOMAIN.match(name):
        raise SplashError(f"{domain!r} is not a domain name")
    texts = load_texts()
    wanted = [normalise(loc) for loc in locales]
    unknown = [loc for loc in wanted if loc not in texts]
    if unknown or not wanted:
        raise SplashError(f"no splash texts for {', '.join(unknown) or 'an empty locale list'}")
    env = SandboxedEnvironment(loader=FileSystemLoader(str(PACKAGED)), undefined=StrictUndefined,
                               autoescape=True, trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    who = agency.name if agency is not None else agency_name
    common: dict[str, Any] = {
        "domain": name,
        "agency_name": who,
        "agency_phone": agency.phone if agency is not None else "",
        "agency_site": _site(agency.website) if agency is not None else "",
        "languages": [(loc, texts[loc]["language"]) for loc in wanted],
    }
    out.mkdir(parents=True, exist_ok=True)
    files = []
    page = env.get_template("splash/page.html")
    for loc in wanted:
        t = {k: v.format(domain=name, agency=who) for k, v in texts[loc].items()}
        files.append(_write(out / f"index.{loc}.html", page.render(lang=loc, t=t, **common)))
    first = texts[wanted[0]]
    index = env.get_template("splash/index.html").render(
        lang=wanted[0],
        domain=name,
        title=first["title"],
        available=wanted,
        entries=[(loc, texts[loc]["language"], texts[loc]["title"]) for loc in wanted],
    )
    files.append(_write(out / "index.html", index))
    log.info("splash pages of %s in %s (%s)", name, out, ", ".join(wanted))
    return SplashResult(name, out, tuple(files), tuple(wanted))


def _write(path: Path, html: str) -> Path:
    """Write atomically: a half-written page is never served."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(html, encoding="utf-8")
    os.replace(partial, path)
    return path
