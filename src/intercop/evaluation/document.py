"""A report as data: sections of plain-word paragraphs, tables and charts.

Every evaluation becomes a ``Document`` (see ``narratives``); ``reports`` renders the
same document as HTML or PDF, and its ``data`` (the JSON result) as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from intercop.evaluation.charts import Chart


@dataclass(frozen=True)
class Table:
    """A table of text cells."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class Section:
    """A heading with its paragraphs, charts and tables, in that order."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True)
class Document:
    """A whole report: what was measured, the findings and how (not) to read them."""

    title: str
    subtitle: str
    summary: tuple[str, ...]
    sections: tuple[Section, ...]
    caveats: tuple[str, ...]
    data: dict[str, Any] = field(default_factory=dict)  # the JSON result


def number(value: float | None, digits: int = 3) -> str:
    """A figure for a table: ``digits`` decimals, or an em dash when there is none."""
    return "—" if value is None else f"{value:.{digits}f}"


def p_value(value: float) -> str:
    """A p-value as people read it: three decimals, or below 0.001."""
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def interval(low: float, high: float, digits: int = 2) -> str:
    """A confidence interval as ``low to high``."""
    return f"{low:.{digits}f} to {high:.{digits}f}"
