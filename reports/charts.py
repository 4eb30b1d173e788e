"""The report's chart: patrols (bars, left axis) and issues found and closed (lines, right axis)
by month, drawn once as shapes and written out as inline SVG (for the PDF) or as a PNG (for Word).

No JavaScript and no charting library: WeasyPrint draws inline ``<svg>`` itself, and Pillow,
already a dependency, draws the PNG with the same CJK font fontconfig gives Pango.
"""

from __future__ import annotations

import io
import logging
import math
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Any

# Escaping text we write into SVG, not parsing XML: nothing for defusedxml to defuse.
from xml.sax.saxutils import escape, quoteattr  # nosec B406

from django.utils.translation import gettext as _

from core.pdf import cjk_font_families

logger = logging.getLogger(__name__)

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 40, 56, 52  # the plot area's margins
FONT_FAMILY = "'Noto Sans CJK SC', 'Noto Serif CJK SC', sans-serif"
BAR = "#4a78a8"
FOUND = "#c0392b"
CLOSED = "#2e8b57"
GRID = "#d9d9d9"
INK = "#333333"
TICKS = 5


@dataclass
class Shape:
    kind: str  # rect, line, polyline, circle, text
    attrs: dict[str, Any] = field(default_factory=dict)


def nice_ceiling(value: float, ticks: int = TICKS) -> int:
    """The axis maximum: the least round step (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 x 10^k) times
    ``ticks`` that holds ``value``."""
    if value <= 0:
        return ticks
    raw = value / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        step = factor * magnitude
        if step >= raw:
            break
    step = max(1, math.ceil(step))
    return step * ticks


def _month_axis_label(row: dict[str, Any]) -> str:
    """ "3月"; the month the period had reached on its as_of day: "12月(至5日)"."""
    label = _("%(month)s月") % {"month": int(row["month"].split("-")[1])}
    if row.get("partial_to"):
        label += _("(至%(day)s日)") % {"day": row["partial_to"]}
    return label


def chart_shapes(monthly: list[dict[str, Any]]) -> list[Shape]:
    """The chart as shapes in a WIDTH x HEIGHT box, whatever it is written out as."""
    shapes: list[Shape] = []
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bottom = TOP + plot_h
    left_max = nice_ceiling(max((row["patrols"] for row in monthly), default=0))
    right_max = nice_ceiling(
        max((max(row["issues_found"], row["issues_closed"]) for row in monthly), default=0)
    )

    def y(value: float, top: int) -> float:
        return bottom - plot_h * value / top

    for tick in range(TICKS + 1):
        level = bottom - plot_h * tick / TICKS
        shapes.append(
            Shape(
                "line",
                {"x1": LEFT, "y1": level, "x2": LEFT + plot_w, "y2": level, "stroke": GRID},
            )
        )
        shapes.append(
            Shape(
                "text",
                {
                    "x": LEFT - 6,
                    "y": level,
                    "text": str(left_max * tick // TICKS),
                    "anchor": "end",
                    "size": 11,
                    "fill": INK,
                },
            )
        )
        shapes.append(
            Shape(
                "text",
                {
                    "x": LEFT + plot_w + 6,
                    "y": level,
                    "text": str(right_max * tick // TICKS),
                    "anchor": "start",
                    "size": 11,
                    "fill": INK,
                },
            )
        )
    shapes.append(
        Shape(
            "text",
            {
                "x": 4,
                "y": TOP - 30,
                "text": _("巡河（次）"),
                "anchor": "start",
                "size": 11,
                "fill": INK,
            },
        )
    )
    shapes.append(
        Shape(
            "text",
            {
                "x": WIDTH - 4,
                "y": TOP - 30,
                "text": _("问题（个）"),
                "anchor": "end",
                "size": 11,
                "fill": INK,
            },
        )
    )

    count = max(1, len(monthly))
    slot = plot_w / count
    found_points, closed_points = [], []
    labels: list[Shape] = []
    for index, row in enumerate(monthly):
        centre = LEFT + slot * (index + 0.5)
        bar_w = slot * 0.55
        top = y(row["patrols"], left_max)
        if row["patrols"]:
            shapes.append(
                Shape(
                    "rect",
                    {
                        "x": centre - bar_w / 2,
                        "y": top,
                        "width": bar_w,
                        "height": bottom - top,
                        "fill": BAR,
                    },
                )
            )
            # Drawn after the lines (below), on a white halo, so a line never hides a figure.
            labels.append(
                Shape(
                    "text",
                    {
                        "x": centre,
                        "y": top - 7,
                        "text": str(row["patrols"]),
                        "anchor": "middle",
                        "size": 10,
                        "fill": INK,
                        "halo": True,
                    },
                )
            )
        shapes.append(
            Shape(
                "text",
                {
                    "x": centre,
                    "y": bottom + 14,
                    "text": _month_axis_label(row),
                    "anchor": "middle",
                    "size": 11,
                    "fill": INK,
                },
            )
        )
        found_points.append((centre, y(row["issues_found"], right_max)))
        closed_points.append((centre, y(row["issues_closed"], right_max)))
    for points, colour in ((found_points, FOUND), (closed_points, CLOSED)):
        if len(points) > 1:
            shapes.append(Shape("polyline", {"points": points, "stroke": colour}))
        for cx, cy in points:
            shapes.append(Shape("circle", {"cx": cx, "cy": cy, "r": 3, "fill": colour}))
    shapes.extend(labels)
    shapes.append(
        Shape("line", {"x1": LEFT, "y1": bottom, "x2": LEFT + plot_w, "y2": bottom, "stroke": INK})
    )

    legend_y = HEIGHT - 14
    entries = [
        # The registered figures each series draws: patrols, issues_found, issues_closed.
        (_("有效巡河"), BAR, "rect"),
        (_("发现问题"), FOUND, "line"),
        (_("销号问题"), CLOSED, "line"),
    ]
    x = WIDTH / 2 - 150
    for label, colour, mark in entries:
        if mark == "rect":
            shapes.append(
                Shape(
                    "rect", {"x": x, "y": legend_y - 5, "width": 14, "height": 10, "fill": colour}
                )
            )
        else:
            shapes.append(
                Shape("polyline", {"points": [(x, legend_y), (x + 14, legend_y)], "stroke": colour})
            )
            shapes.append(Shape("circle", {"cx": x + 7, "cy": legend_y, "r": 3, "fill": colour}))
        shapes.append(
            Shape(
                "text",
                {
                    "x": x + 20,
                    "y": legend_y,
                    "text": label,
                    "anchor": "start",
                    "size": 11,
                    "fill": INK,
                },
            )
        )
        x += 100
    return shapes


# --- SVG ----------------------------------------------------------------------------------------


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def chart_svg(monthly: list[dict[str, Any]], *, title: str = "") -> str:
    """Inline SVG, text in the CJK font family, no script and no external reference."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label={quoteattr(title)} '
        f'font-family="{FONT_FAMILY}">'
    ]
    for shape in chart_shapes(monthly):
        a = shape.attrs
        if shape.kind == "rect":
            parts.append(
                f'<rect x="{_n(a["x"])}" y="{_n(a["y"])}" width="{_n(a["width"])}" '
                f'height="{_n(a["height"])}" fill="{a["fill"]}"/>'
            )
        elif shape.kind == "line":
            parts.append(
                f'<line x1="{_n(a["x1"])}" y1="{_n(a["y1"])}" x2="{_n(a["x2"])}" '
                f'y2="{_n(a["y2"])}" stroke="{a["stroke"]}" stroke-width="1"/>'
            )
        elif shape.kind == "polyline":
            points = " ".join(f"{_n(x)},{_n(y)}" for x, y in a["points"])
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{a["stroke"]}" stroke-width="2"/>'
            )
        elif shape.kind == "circle":
            parts.append(
                f'<circle cx="{_n(a["cx"])}" cy="{_n(a["cy"])}" r="{_n(a["r"])}" '
                f'fill="{a["fill"]}"/>'
            )
        elif shape.kind == "text":
            if a.get("halo"):
                parts.append(
                    f'<text x="{_n(a["x"])}" y="{_n(a["y"])}" font-size="{a["size"]}" '
                    f'fill="#ffffff" stroke="#ffffff" stroke-width="3" '
                    f'text-anchor="{a["anchor"]}" dominant-baseline="middle">'
                    f"{escape(a['text'])}</text>"
                )
            parts.append(
                f'<text x="{_n(a["x"])}" y="{_n(a["y"])}" font-size="{a["size"]}" '
                f'fill="{a["fill"]}" text-anchor="{a["anchor"]}" dominant-baseline="middle">'
                f"{escape(a['text'])}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


# --- PNG ----------------------------------------------------------------------------------------


def cjk_font_file() -> tuple[str, int] | None:
    """The file (and face index in a .ttc) of the CJK sans font fontconfig picks, if any."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)  # nosec B603
            [fc_match, "-f", "%{file}\t%{index}\t%{family}", "Noto Sans CJK SC:lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        logger.exception("fc-match failed")
        return None
    path, index, families = [*result.stdout.split("\t"), "", ""][:3]
    # fc-match always answers something: only a font with Chinese coverage will do.
    if not path or not set(families.split(",")) & cjk_font_families():
        return None
    return path, int(index or 0)


def chart_png(monthly: list[dict[str, Any]], *, scale: int = 3) -> bytes | None:
    """The same chart as a PNG (for Word, which needs a raster image); None without a CJK font."""
    from PIL import Image, ImageDraw, ImageFont

    font_file = cjk_font_file()
    if font_file is None:
        return None
    path, index = font_file
    fonts: dict[int, Any] = {}

    def font(size: int):
        if size not in fonts:
            fonts[size] = ImageFont.truetype(path, size * scale, index=index)
        return fonts[size]

    image = Image.new("RGB", (WIDTH * scale, HEIGHT * scale), "white")
    draw = ImageDraw.Draw(image)
    anchors = {"start": "lm", "middle": "mm", "end": "rm"}
    for shape in chart_shapes(monthly):
        a = shape.attrs
        if shape.kind == "rect":
            draw.rectangle(
                [
                    a["x"] * scale,
                    a["y"] * scale,
                    (a["x"] + a["width"]) * scale,
                    (a["y"] + a["height"]) * scale,
                ],
                fill=a["fill"],
            )
        elif shape.kind == "line":
            draw.line(
                [a["x1"] * scale, a["y1"] * scale, a["x2"] * scale, a["y2"] * scale],
                fill=a["stroke"],
                width=scale,
            )
        elif shape.kind == "polyline":
            draw.line(
                [(x * scale, y * scale) for x, y in a["points"]], fill=a["stroke"], width=2 * scale
            )
        elif shape.kind == "circle":
            r = a["r"] * scale
            cx, cy = a["cx"] * scale, a["cy"] * scale
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=a["fill"])
        elif shape.kind == "text":
            draw.text(
                (a["x"] * scale, a["y"] * scale),
                a["text"],
                fill=a["fill"],
                font=font(a["size"]),
                anchor=anchors[a["anchor"]],
                stroke_width=2 * scale if a.get("halo") else 0,
                stroke_fill="white",
            )
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
