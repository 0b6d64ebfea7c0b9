"""Charts of the evaluations, drawn with matplotlib (Agg) as inline SVG and as PNG for PDF.

The SVG is cleaned for embedding in HTML: no XML prologue, no DOCTYPE, no metadata and
no namespace URLs, so that a report holds no address at all (nothing is fetched).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from intercop.evaluation.survival import KMCurve
from intercop.evaluation.timeseries import ITSResult

_STYLE: Any = {
    "svg.hashsalt": "intercop",  # stable element ids: the same data, the same SVG
    "svg.fonttype": "none",  # text stays text
    "font.size": 9,
}
_DROP = (
    re.compile(r"<\?xml[^>]*\?>\s*"),
    re.compile(r"<!DOCTYPE[^>]*>\s*", re.S),
    re.compile(r"<metadata>.*?</metadata>\s*", re.S),
    re.compile(r'\s+xmlns(:\w+)?="[^"]*"'),
)


@dataclass(frozen=True)
class Chart:
    """One chart as inline SVG (for HTML) and PNG (for PDF)."""

    title: str
    svg: str
    png: bytes


def _render(title: str, figure: Figure, prefix: str) -> Chart:
    svg_buffer, png_buffer = io.StringIO(), io.BytesIO()
    figure.savefig(svg_buffer, format="svg", metadata={"Date": None, "Creator": None})
    figure.savefig(png_buffer, format="png", dpi=150)
    plt.close(figure)
    svg = svg_buffer.getvalue()
    for pattern in _DROP:
        svg = pattern.sub("", svg)
    # several charts share one HTML page: their element ids must not collide
    svg = re.sub(r'id="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    return Chart(title, svg.strip(), png_buffer.getvalue())


def km_chart(curves: Sequence[KMCurve], *, unit: str = "days") -> Chart:
    """Kaplan-Meier curves with their confidence bands, one per arm."""
    with plt.rc_context(_STYLE):
        figure, axes = plt.subplots(figsize=(6.4, 3.6))
        for curve in curves:
            line = axes.step(
                curve.times, curve.survival, where="post", label=f"{curve.arm} (n={curve.n})"
            )
            axes.fill_between(
                curve.times,
                curve.ci_low,
                curve.ci_high,
                step="post",
                alpha=0.15,
                color=line[0].get_color(),
            )
        axes.set_ylim(0, 1.02)
        axes.set_xlabel(f"{unit} since the start of follow-up")
        axes.set_ylabel("not seen reoffending")
        axes.legend(loc="lower left", frameon=False)
        axes.grid(alpha=0.3)
        figure.tight_layout()
        return _render("Kaplan-Meier: share not seen reoffending", figure, "km")


def its_chart(result: ITSResult) -> Chart:
    """Observed weekly counts, the fitted model and the counterfactual without interventions."""
    with plt.rc_context(_STYLE):
        figure, axes = plt.subplots(figsize=(7.2, 3.6))
        weeks = np.array(result.weeks, dtype="datetime64[D]")
        axes.plot(weeks, result.observed, color="0.55", lw=0.9, marker=".", ms=3, label="observed")
        axes.plot(weeks, result.fitted, color="C0", lw=1.6, label="model")
        axes.plot(
            weeks,
            result.counterfactual,
            color="C3",
            lw=1.4,
            ls="--",
            label="without the intervention(s)",
        )
        for item in result.interventions:
            on = np.datetime64(item.on, "D")
            axes.axvline(on, color="0.3", lw=0.8, ls=":")  # type: ignore[arg-type]
            axes.annotate(
                item.name,
                (on, 1.0),
                xycoords=("data", "axes fraction"),
                fontsize=8,
                rotation=90,
                va="top",
                ha="right",
            )
        axes.set_ylabel("count per week")
        axes.set_ylim(bottom=0)
        axes.legend(loc="upper left", frameon=False)
        axes.grid(alpha=0.3)
        figure.autofmt_xdate()
        figure.tight_layout()
        return _render("Weekly counts: observed and counterfactual", figure, "its")
