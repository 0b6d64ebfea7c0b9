"""The Jinja2 environments of the web UI: autoescaped, strict, one per UI language."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from intercop.web import charts
from intercop.web.i18n import translations

TEMPLATES = Path(__file__).parent / "templates"


def _when(value: datetime | date | str | None) -> str:
    """A timestamp as ``2026-11-29 14:03`` (UTC), a date as ISO; empty for none."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("T", " ")[:16]
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _number(value: int | float | None, digits: int = 0) -> str:
    if value is None:
        return ""
    return f"{value:,.{digits}f}"


@cache
def environment(lang: str) -> Environment:
    """The environment for UI language ``lang`` (cached: templates compile once)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["when"] = _when
    env.filters["number"] = _number
    env.globals["bar_chart"] = charts.bar_chart
    env.globals["timeline_chart"] = charts.timeline_chart
    env.globals["lang"] = lang
    return env


def render(lang: str, template: str, context: dict[str, Any]) -> str:
    """Render ``template`` in ``lang`` with ``context``."""
    return environment(lang).get_template(template).render(context)
