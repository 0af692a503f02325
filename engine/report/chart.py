"""The completion chart: per clause, done / awaiting acceptance / open / overdue, as stacked bars.

matplotlib's object API only (``Figure`` + ``FigureCanvasAgg``): pyplot keeps every figure in a
global registry, which leaks in a long-running service. DejaVu Sans ships with matplotlib and
has Cyrillic glyphs; SVG text is drawn as paths, so the HTML needs no font at all.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from engine.report.model import ClauseRow

FONT = "DejaVu Sans"
SERIES = (  # (attribute, legend, colour)
    ("done", "выполнено", "#2e7d32"),
    ("reported", "на проверке", "#f9a825"),
    ("open", "в работе", "#90a4ae"),
    ("overdue", "просрочено", "#c62828"),
)
MAX_BARS = 60  # a chart taller than a page helps nobody: the rest is in the table


def chart_clauses(clauses: Sequence[ClauseRow]) -> list[ClauseRow]:
    """The clauses the chart shows: those with tasks, in the decree's order."""
    return [c for c in clauses if not c.informational and c.done + c.reported + c.open + c.overdue]


def figure(clauses: Sequence[ClauseRow]) -> Figure:
    shown = chart_clauses(clauses)[:MAX_BARS]
    height = 1.4 + 0.38 * max(len(shown), 1)
    fig = Figure(figsize=(7.0, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    labels = [f"п. {c.id}" for c in shown]
    left = [0] * len(shown)
    for attr, legend, colour in SERIES:
        values = [getattr(c, attr) for c in shown]
        ax.barh(labels, values, left=left, color=colour, label=legend, height=0.6)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.invert_yaxis()  # the first clause on top, as in the table
    ax.set_xlabel("задач", fontfamily=FONT)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    for label in (*ax.get_xticklabels(), *ax.get_yticklabels()):
        label.set_fontfamily(FONT)
    if not shown:
        ax.text(0.5, 0.5, "задач нет", transform=ax.transAxes, ha="center", fontfamily=FONT)
    fig.legend(loc="outside upper center", ncols=4, frameon=False, prop={"family": FONT, "size": 9})
    return fig


def png(clauses: Sequence[ClauseRow], dpi: int = 150) -> bytes:
    buffer = io.BytesIO()
    figure(clauses).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def svg(clauses: Sequence[ClauseRow]) -> str:
    """An ``<svg>`` element to inline in HTML (no XML prologue, no DOCTYPE)."""
    buffer = io.StringIO()
    figure(clauses).savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]
