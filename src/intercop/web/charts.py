"""Charts drawn on the server as inline SVG: readable without JavaScript, no library.

The SVG is built from numbers and escaped labels only, then marked safe for the
template; nothing from seized data reaches it unescaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

ROW = 18
LABEL_WIDTH = 150
BAR_WIDTH = 260


def bar_chart(rows: Sequence[Sequence[object]], *, title: str = "", unit: str = "") -> Markup:
    """A horizontal bar chart of ``(label, value)`` rows, largest bar full width."""
    pairs = [(str(label), float(value)) for label, value, *_ in rows if value is not None]  # type: ignore[arg-type]
    if not pairs:
        return Markup("")
    top = max(value for _, value in pairs) or 1.0
    height = ROW * len(pairs) + 4
    width = LABEL_WIDTH + BAR_WIDTH + 70
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for i, (label, value) in enumerate(pairs):
        y = i * ROW + 2
        bar = max(1.0, BAR_WIDTH * value / top)
        shown = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
        name = escape(label[:24])
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 12}" text-anchor="end">{name}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar:.1f}" height="{ROW - 4}"/>'
            f'<text x="{LABEL_WIDTH + bar + 4:.1f}" y="{y + 12}">{escape(shown + unit)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


TIMELINE_WIDTH = 560
LANE = 26
DOT_STYLE = 'fill="#1f5fa8" fill-opacity="0.7"'


def _months(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last`` inclusive."""
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def timeline_chart(rows: Sequence[Mapping[str, object]], *, title: str = "") -> Markup:
    """Activity per platform and month: one lane per platform, a dot per active month.

    ``rows`` are ``{"month": "YYYY-MM", "platform": ..., "kind": ..., "events": n}``; a
    dot's area grows with the month's events and its tooltip names them by kind.
    """
    cells: dict[tuple[str, str], dict[str, int]] = {}
    for row in rows:
        month, platform = str(row.get("month") or ""), str(row.get("platform") or "?")
        if len(month) < 7:
            continue
        kinds = cells.setdefault((platform, month[:7]), {})
        kind = str(row.get("kind") or "event")
        kinds[kind] = kinds.get(kind, 0) + int(str(row.get("events") or 0))
    if not cells:
        return Markup("")
    platforms = sorted({p for p, _ in cells})
    months = _months(min(m for _, m in cells), max(m for _, m in cells))
    step = max(4.0, min(28.0, TIMELINE_WIDTH / len(months)))
    width = LABEL_WIDTH + step * len(months) + 20
    height = LANE * len(platforms) + 30
    top = max(sum(k.values()) for k in cells.values()) or 1
    parts = [
        f'<svg class="chart timeline" role="img" viewBox="0 0 {width:.0f} {height}" '
        f'width="{width:.0f}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    every = max(1, round(60 / step))  # a month label at most every ~60 px
    for i, month in enumerate(months):
        if i % every == 0:
            x = LABEL_WIDTH + step * (i + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle">{escape(month)}</text>'
            )
    column = {m: i for i, m in enumerate(months)}
    for lane, platform in enumerate(platforms):
        y = lane * LANE + LANE / 2 + 2
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(platform[:24])}</text>"
            f'<line x1="{LABEL_WIDTH}" x2="{width - 20:.0f}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#d6dde5"/>'
        )
        for (p, month), kinds in sorted(cells.items()):
            if p != platform:
                continue
            total = sum(kinds.values())
            radius = 2.0 + (LANE / 2 - 3) * (total / top) ** 0.5
            x = LABEL_WIDTH + step * (column[month] + 0.5)
            tip = f"{platform} {month}: " + ", ".join(
                f"{n:,} {k}" for k, n in sorted(kinds.items())
            )
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" {DOT_STYLE}>'
                f"<title>{escape(tip)}</title></circle>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
