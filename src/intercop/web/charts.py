"""Charts drawn on the server as inline SVG: readable without JavaScript, no library.

The SVG is built from numbers and escaped labels only, then marked safe for the
template; nothing from seized data reaches it unescaped.
"""

from __future__ import annotations

from collections.abc import Sequence
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
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 12}" text-anchor="end">{escape(label[:24])}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar:.1f}" height="{ROW - 4}"/>'
            f'<text x="{LABEL_WIDTH + bar + 4:.1f}" y="{y + 12}">{escape(shown + unit)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
