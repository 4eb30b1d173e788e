"""A monitoring point's trend: one small chart per parameter, its readings over time as a line,
the target grade's limit as a dashed line (a floor for dissolved oxygen). Inline SVG written on
the server, as the reports' chart is (``reports.charts``): no JavaScript, no library, and the
same picture can go into a PDF later (the river file).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr  # nosec B406 (writing SVG, not parsing XML)

from django.utils.translation import gettext as _

from . import water_quality as wq

WIDTH, HEIGHT = 320, 160
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 22, 26
STEPS = 5  # the value axis's intervals
LINE = "#2b6cb0"
LIMIT = "#c0392b"
GRID = "#d9d9d9"
INK = "#333333"
FONT = "'Noto Sans CJK SC', sans-serif"


@dataclass(frozen=True)
class TrendChart:
    parameter: str
    label: str
    limit: Decimal | None  # the target grade's limit; None where the item is not graded
    lower_bound: bool
    points: list[tuple[datetime.date, Decimal]]
    svg: str


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _axis_max(values: Sequence[float]) -> float:
    """The axis's top: 1, 2, 5 or 10 times a power of ten, 10% or more above the values (five
    steps of it are round numbers too)."""
    top = max(values, default=0.0) * 1.1
    if top <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(top))
    return next(f * magnitude for f in (1, 2, 5, 10) if f * magnitude >= top)


def _fmt_tick(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def trend_svg(
    *,
    label: str,
    points: Sequence[tuple[datetime.date, Decimal]],
    limit: Decimal | None,
    lower_bound: bool,
    target_label: str,
) -> str:
    """One parameter's chart: the readings (oldest left) and the target's limit."""
    values = [float(v) for _d, v in points]
    axis = _axis_max([*values, float(limit)] if limit is not None else values)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + plot_h - value / axis * plot_h

    # Spaced by date, so an irregular sampling shows as it happened.
    first = points[0][0] if points else None
    span = (points[-1][0] - first).days if points else 0

    def x(index: int) -> float:
        if span == 0:
            return LEFT + plot_w / 2
        return LEFT + (points[index][0] - first).days * plot_w / span

    title = _("%(label)s趋势（mg/L）") % {"label": label}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label={quoteattr(title)} class="trend-chart" '
        f'font-family="{FONT}" font-size="10">',
        f"<title>{escape(title)}</title>",
    ]
    for step in range(STEPS + 1):
        value = axis * step / STEPS
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_n(y(value))}" y2="{_n(y(value))}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 4}" y="{_n(y(value) + 3)}" text-anchor="end" fill="{INK}">'
            f"{_fmt_tick(value)}</text>"
        )
    if limit is not None:
        ly = _n(y(float(limit)))
        mark = "≥" if lower_bound else "≤"
        caption = _("%(target)s限值 %(mark)s%(limit)s") % {
            "target": target_label,
            "mark": mark,
            "limit": _fmt_tick(float(limit)),
        }
        parts.append(
            f'<line class="limit" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ly}" y2="{ly}" '
            f'stroke="{LIMIT}" stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
        # The caption above the plot, where no reading can cover it.
        parts.append(
            f'<text x="{WIDTH - RIGHT}" y="{TOP - 8}" text-anchor="end" '
            f'fill="{LIMIT}">- - {escape(caption)}</text>'
        )
    if points:
        coords = " ".join(f"{_n(x(i))},{_n(y(v))}" for i, v in enumerate(values))
        if len(points) > 1:
            parts.append(
                f'<polyline class="readings" points="{coords}" fill="none" stroke="{LINE}" '
                f'stroke-width="2"/>'
            )
        for i, ((day, value), v) in enumerate(zip(points, values, strict=True)):
            parts.append(
                f'<circle cx="{_n(x(i))}" cy="{_n(y(v))}" r="2.5" fill="{LINE}">'
                f"<title>{day:%Y-%m-%d} {escape(_fmt_tick(float(value)))}</title></circle>"
            )
        first, last = points[0][0], points[-1][0]
        parts.append(f'<text x="{LEFT}" y="{HEIGHT - 8}" fill="{INK}">{first:%Y-%m-%d}</text>')
        if len(points) > 1:
            parts.append(
                f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end" fill="{INK}">'
                f"{last:%Y-%m-%d}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def point_trends(point, readings: Sequence) -> list[TrendChart]:
    """A chart for each parameter the point has readings of, in the standard's order."""
    target_label = str(wq.TargetGrade(point.target_grade).label)
    charts = []
    for parameter in wq.PARAMETERS:
        points = [
            (r.sampled_on, getattr(r, parameter))
            for r in readings
            if getattr(r, parameter) is not None
        ]
        if not points:
            continue
        label = str(wq.PARAMETER_LABELS[parameter])
        limit = wq.limit(parameter, point.target_grade, point.water_body)
        lower = parameter in wq.LOWER_BOUNDED
        charts.append(
            TrendChart(
                parameter=parameter,
                label=label,
                limit=limit,
                lower_bound=lower,
                points=points,
                svg=trend_svg(
                    label=label,
                    points=points,
                    limit=limit,
                    lower_bound=lower,
                    target_label=target_label,
                ),
            )
        )
    return charts
