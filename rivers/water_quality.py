"""Water quality by GB 3838-2002 (地表水环境质量标准): a reading's grade by the single-factor
method, its deciding parameters, whether it meets the point's target grade and by how much each
parameter exceeds the target's limit. Pure: values in, answer out; no database.

The limits are Table 1 of GB 3838-2002 (表1 地表水环境质量标准基本项目标准限值, mg/L), for the
basic items the portal records:

    item                      I      II     III    IV     V
    溶解氧 DO            >=   7.5*   6      5      3      2     (*或饱和率90%)
    高锰酸盐指数 CODMn   <=   2      4      6      10     15
    化学需氧量 COD       <=   15     15     20     30     40
    五日生化需氧量 BOD5  <=   3      3      4      6      10
    氨氮 NH3-N           <=   0.15   0.5    1.0    1.5    2.0
    总磷 TP              <=   0.02   0.1    0.2    0.3    0.4
      湖、库                  0.01   0.025  0.05   0.1    0.2
    总氮 TN (湖、库)     <=   0.2    0.5    1.0    1.5    2.0

Checked against copies of Table 1 on 2026-12-05: https://g230.com/9327769.html (the whole table,
from water800.com) and https://html.hanspub.org/file/_5-3110064_1_hanspub.htm (TP and TN rows).
The single-factor method (单因子评价法) and the exceedance multiple (超标倍数 = value / limit - 1,
none for dissolved oxygen) follow 《地表水环境质量评价办法（试行）》(环办〔2011〕22号). Total
nitrogen is graded for lakes and reservoirs only; rivers' TN is recorded but does not count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _


class Grade(models.TextChoices):
    I = "I", _("Ⅰ类")  # noqa: E741 (the standard's own name)
    II = "II", _("Ⅱ类")
    III = "III", _("Ⅲ类")
    IV = "IV", _("Ⅳ类")
    V = "V", _("Ⅴ类")
    WORSE_THAN_V = "worse_than_V", _("劣Ⅴ类")


class TargetGrade(models.TextChoices):
    """A point's target (水质目标): one of the standard's five classes."""

    I = "I", _("Ⅰ类")  # noqa: E741
    II = "II", _("Ⅱ类")
    III = "III", _("Ⅲ类")
    IV = "IV", _("Ⅳ类")
    V = "V", _("Ⅴ类")


class WaterBody(models.TextChoices):
    RIVER = "river", _("河流")
    LAKE = "lake", _("湖泊、水库")


# Best to worst: a grade's place in this list orders it.
GRADES: Final = tuple(Grade.values)
CLASSES: Final = GRADES[:5]  # I..V, the classes with limits

PARAMETERS: Final = ("do", "codmn", "cod", "bod5", "nh3n", "tp", "tn")
PARAMETER_LABELS: Final = {
    "do": _("溶解氧"),
    "codmn": _("高锰酸盐指数"),
    "cod": _("化学需氧量"),
    "bod5": _("五日生化需氧量"),
    "nh3n": _("氨氮"),
    "tp": _("总磷"),
    "tn": _("总氮"),
}
LOWER_BOUNDED: Final = frozenset({"do"})  # a floor, not a ceiling; no exceedance multiple


def _limits(*values: str) -> dict[str, Decimal]:
    return dict(zip(CLASSES, (Decimal(v) for v in values), strict=True))


# GB 3838-2002 表1, mg/L, classes I..V. ``None``: the item is not graded for that water body.
LIMITS: Final[dict[str, dict[str, dict[str, Decimal] | None]]] = {
    WaterBody.RIVER: {
        "do": _limits("7.5", "6", "5", "3", "2"),
        "codmn": _limits("2", "4", "6", "10", "15"),
        "cod": _limits("15", "15", "20", "30", "40"),
        "bod5": _limits("3", "3", "4", "6", "10"),
        "nh3n": _limits("0.15", "0.5", "1.0", "1.5", "2.0"),
        "tp": _limits("0.02", "0.1", "0.2", "0.3", "0.4"),
        "tn": None,
    },
    WaterBody.LAKE: {
        "do": _limits("7.5", "6", "5", "3", "2"),
        "codmn": _limits("2", "4", "6", "10", "15"),
        "cod": _limits("15", "15", "20", "30", "40"),
        "bod5": _limits("3", "3", "4", "6", "10"),
        "nh3n": _limits("0.15", "0.5", "1.0", "1.5", "2.0"),
        "tp": _limits("0.01", "0.025", "0.05", "0.1", "0.2"),
        "tn": _limits("0.2", "0.5", "1.0", "1.5", "2.0"),
    },
}

# What a reading can physically be, in mg/L; anything outside is a typo or a unit mistake (µg/L
# typed as mg/L) and is refused, not graded. Deliberately wide: a foul ditch can read COD in the
# hundreds, but never above these. DO: saturation is 14.6 mg/L at 0 °C, and an algal bloom's
# supersaturation stays below 20.
PHYSICAL_MAX: Final = {
    "do": Decimal("20"),
    "codmn": Decimal("100"),
    "cod": Decimal("1000"),
    "bod5": Decimal("500"),
    "nh3n": Decimal("100"),
    "tp": Decimal("20"),
    "tn": Decimal("100"),
}

MULTIPLE_PLACES: Final = Decimal("0.01")


def limit(parameter: str, grade: str, water_body: str = WaterBody.RIVER) -> Decimal | None:
    """The limit of ``grade`` (I..V) for ``parameter``, or None where it is not graded."""
    table = LIMITS[water_body][parameter]
    return None if table is None else table[grade]


def parameter_class(parameter: str, value: Decimal, water_body: str = WaterBody.RIVER) -> str:
    """The best class whose limit ``value`` meets (<= the limit; DO: >= it), or worse_than_V."""
    table = LIMITS[water_body][parameter]
    if table is None:
        raise ValueError(f"{parameter} is not graded for {water_body}")
    for grade in CLASSES:
        bound = table[grade]
        if (value >= bound) if parameter in LOWER_BOUNDED else (value <= bound):
            return grade
    return Grade.WORSE_THAN_V


def physical_range_problem(parameter: str, value: Decimal) -> str | None:
    """Why ``value`` cannot be a reading of ``parameter``, or None."""
    if value < 0:
        return str(_("不能为负数。"))
    high = PHYSICAL_MAX[parameter]
    if value > high:
        return str(
            _("%(value)s mg/L 超出%(name)s的合理范围（0～%(high)s mg/L），请检查数值和单位。")
            % {"value": value, "name": PARAMETER_LABELS[parameter], "high": high}
        )
    return None


@dataclass(frozen=True)
class Assessment:
    grade: str | None  # None: no graded parameter measured
    classes: dict[str, str] = field(default_factory=dict)  # each graded parameter's class
    deciding: list[str] = field(default_factory=list)  # the parameters at the worst class
    meets_target: bool | None = None
    exceedances: dict[str, Decimal] = field(default_factory=dict)  # only those over the target

    @property
    def grade_label(self) -> str:
        return str(Grade(self.grade).label) if self.grade else ""

    @property
    def exceedance_labels(self) -> list[tuple[str, Decimal]]:
        return [(str(PARAMETER_LABELS[p]), m) for p, m in self.exceedances.items()]


def rank(grade: str) -> int:
    return GRADES.index(grade)


def assess(
    values: dict[str, Decimal | None], *, water_body: str = WaterBody.RIVER, target: str
) -> Assessment:
    """Grade a reading by the single-factor method: each measured parameter's class, the worst
    decides, every parameter at that class is deciding; the target is met when the grade is no
    worse than it; each parameter over the target's limit (DO excepted) gets its multiple."""
    classes: dict[str, str] = {}
    exceedances: dict[str, Decimal] = {}
    for parameter in PARAMETERS:
        value = values.get(parameter)
        if value is None or LIMITS[water_body][parameter] is None:
            continue
        value = Decimal(value)
        classes[parameter] = parameter_class(parameter, value, water_body)
        bound = limit(parameter, target, water_body)
        if parameter not in LOWER_BOUNDED and value > bound:
            exceedances[parameter] = (value / bound - 1).quantize(
                MULTIPLE_PLACES, rounding=ROUND_HALF_UP
            )
    if not classes:
        return Assessment(grade=None)
    grade = max(classes.values(), key=rank)
    return Assessment(
        grade=grade,
        classes=classes,
        deciding=[p for p, c in classes.items() if c == grade],
        meets_target=rank(grade) <= rank(target),
        exceedances=exceedances,
    )


# --- the national colour scale ------------------------------------------------------------------

# How a class is shown: 《地表水环境质量评价办法（试行）》(环办〔2011〕22号) 表1 gives each class a
# status and a colour (表征颜色): Ⅰ、Ⅱ类 优 蓝色, Ⅲ类 良好 绿色, Ⅳ类 轻度污染 黄色, Ⅴ类 中度污染
# 橙色, 劣Ⅴ类 重度污染 红色; Ⅰ and Ⅱ share blue, in two shades here so a map tells them apart
# (as the national automatic monitoring platform's maps do: Ⅰ pale, Ⅱ deeper). Checked on
# 2026-12-05 against copies of the 办法's status words (m.ipa361.com 水质评价标准: Ⅰ、Ⅱ优, Ⅲ良好,
# Ⅳ轻度, Ⅴ中度, 劣Ⅴ重度污染) and public code following the scale (blue, green, yellow, orange, red).
# This is the one table of the colours: the badges' CSS (``grade_css``, served at
# /water/grades.css) and the dashboard map's markers both read it. Each: fill, text, border.
GRADE_COLOURS: Final = {
    Grade.I: ("#cdeffd", "#0b3d5c", "#5fb8e0"),
    Grade.II: ("#1f8fd6", "#ffffff", "#1f8fd6"),
    Grade.III: ("#2e9e4f", "#ffffff", "#2e9e4f"),
    Grade.IV: ("#f5d90a", "#3d3300", "#d9bf00"),
    Grade.V: ("#f08c00", "#2b1a00", "#d67d00"),
    Grade.WORSE_THAN_V: ("#c92a2a", "#ffffff", "#c92a2a"),
}
UNGRADED_COLOURS: Final = ("#e9ecef", "#495057", "#adb5bd")  # a point with no reading yet

GRADE_STATUS: Final = {
    Grade.I: _("优"),
    Grade.II: _("优"),
    Grade.III: _("良好"),
    Grade.IV: _("轻度污染"),
    Grade.V: _("中度污染"),
    Grade.WORSE_THAN_V: _("重度污染"),
}


def grade_colour(grade: str | None) -> str:
    """The fill colour of a grade (None: not graded)."""
    return (GRADE_COLOURS.get(grade) or UNGRADED_COLOURS)[0]


def grade_css() -> str:
    """The CSS of ``.grade-<grade>`` (badges, map markers and legend swatches) from the table."""
    rules = [
        f".grade-{grade} {{ background: {fill}; color: {text}; border-color: {border}; }}"
        for grade, (fill, text, border) in GRADE_COLOURS.items()
    ]
    fill, text, border = UNGRADED_COLOURS
    rules.append(f".grade-none {{ background: {fill}; color: {text}; border-color: {border}; }}")
    return "\n".join(rules) + "\n"
