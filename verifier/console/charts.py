"""Server-side SVG charts: geometry computed here, drawn by the `bars` template macro."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: its label, value text, and geometry in SVG units."""

    label: str
    full: str
    value: str
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart of labelled values."""

    bars: list[Bar]
    height: int
    label_w: int = 220
    plot_w: int = 320
    row_h: int = 22


def bar_chart(items: list[tuple[str, float]], fmt: str = "{:g}", limit: int = 15) -> BarChart:
    """The biggest `limit` items as bars scaled to the largest value."""
    shown = sorted(items, key=lambda kv: -kv[1])[:limit]
    top = max((v for _, v in shown), default=0.0) or 1.0
    chart = BarChart([], 0)
    bars = [Bar(_short(label), label, fmt.format(value), i * chart.row_h,
                round(max(value, 0.0) / top * chart.plot_w, 1))
            for i, (label, value) in enumerate(shown)]
    return BarChart(bars, max(len(bars), 1) * chart.row_h + 4)


def _short(label: str, room: int = 34) -> str:
    return label if len(label) <= room else label[: room - 1] + "…"
