"""Geometry of the dashboard's charts, drawn by the template as inline SVG (the trend) and HTML bars (the units):
nothing to fetch, works offline and prints like the rest of the page."""

from dataclasses import dataclass

from .choices import Interval
from .selectors import Row, TrendLine


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    # The filled share of the bar, in percent (the template draws it as an HTML bar).
    width: float
    percent: str
    detail: str
    colour: str | None
    url: str | None = None


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_width: int
    bar_height: int


def unit_bars(rows: list[Row], *, bar_width: int = 520, label_width: int = 230) -> BarChart:
    """One horizontal bar per unit: its completion rate, coloured by its status."""
    bar_height, gap = 22, 10
    bars = []
    for index, row in enumerate(rows):
        rate = row.figures.completion_rate
        bars.append(
            Bar(
                label=row.subject["name"],
                y=index * (bar_height + gap),
                width=round(float(rate or 0) * 100, 1),
                percent="—" if rate is None else f"{float(rate):.0%}",
                detail=f"{row.figures.done}/{row.figures.applicable}",
                colour=row.status.colour if row.status else None,
            )
        )
    return BarChart(
        bars=bars,
        width=label_width + bar_width + 140,
        height=max(len(bars) * (bar_height + gap), bar_height),
        label_width=label_width,
        bar_width=bar_width,
        bar_height=bar_height,
    )


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    line: str
    dots: list[dict]
    columns: list[dict]
    x_labels: list[dict]
    # Left axis: the completion rate, 0–100 %. Right axis: completions per period, on a scale of their own.
    y_ticks: list[dict]
    count_ticks: list[dict]


def count_axis_top(value: int) -> int:
    """The top of a count axis with four whole, round steps (1, 2 or 5 × 10^k each) reaching `value`."""
    needed = max(1, -(-value // 4))
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= needed:
                return 4 * step * scale
        scale *= 10


def trend_chart(line: TrendLine, *, width: int = 900, height: int = 300, labels: int = 12) -> TrendChart:
    """The running completion rate as a line against a percentage axis (left), over bars of the completions of each
    week or month against a count axis of their own (right): a count is never read off the percentage scale."""
    left, top, right, bottom = 52, 16, 48, 40
    plot_width, plot_height = width - left - right, height - top - bottom
    points = line.points
    step = plot_width / max(len(points), 1)
    most = count_axis_top(max((p.completed for p in points), default=0))
    dots, columns, x_labels = [], [], []
    # Label at most `labels` points so the dates never overlap.
    every = max(1, -(-len(points) // labels))
    for index, point in enumerate(points):
        x = left + step * index + step / 2
        rate = float(point.cumulative_rate or 0)
        y = top + plot_height * (1 - rate)
        dots.append({"x": round(x, 1), "y": round(y, 1), "point": point, "percent": f"{rate:.1%}"})
        column_height = plot_height * point.completed / most
        columns.append(
            {
                "x": round(x - step * 0.3, 1),
                "y": round(top + plot_height - column_height, 1),
                "width": round(step * 0.6, 1),
                "height": round(column_height, 1),
                "point": point,
            }
        )
        if index % every == 0:
            text = point.start.strftime("%Y-%m" if line.interval == Interval.MONTH else "%m-%d")
            x_labels.append({"x": round(x, 1), "text": text})
    shares = (0, 0.25, 0.5, 0.75, 1)
    y_ticks = [{"y": round(top + plot_height * (1 - share), 1), "text": f"{share:.0%}"} for share in shares]
    count_ticks = [
        {"y": tick["y"], "text": str(round(most * share))} for tick, share in zip(y_ticks, shares, strict=True)
    ]
    return TrendChart(
        width=width,
        height=height,
        left=left,
        top=top,
        plot_width=plot_width,
        plot_height=plot_height,
        line=" ".join(f"{d['x']},{d['y']}" for d in dots),
        dots=dots,
        columns=columns,
        x_labels=x_labels,
        y_ticks=y_ticks,
        count_ticks=count_ticks,
    )
