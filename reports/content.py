"""The words of a work report (工作总结 / 进展情况汇报), composed from its figures like the seeds.

``compose`` takes the figures (a typed ``Statistics``: each registered figure of
``reports.figures`` is an attribute), the lists (``Details``) and what the office asked for
(kind, period, rounding, document date, issuer, its own opening, problems and plans) and
returns the text as plain data: a title, the opening, three numbered sections and the closing
lines. The PDF template and the Word writer both lay out that same data, so they say the same.

Every sentence is a template with its figures as placeholders (through gettext, Chinese first).
A clause whose figures are all zero is left out rather than written as "开展0次宣传活动"; a
period with no records at all still reads as a whole report. A sentence that claims work (河长
全覆盖, 联合排查, 进学校, 志愿者) is written only when a record shows that work.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import RegionLevel
from core.text import join_items
from rivers.models import PATROLLING_ROLES, ChiefRole, FacilityKind, OutfallKind

from .assessment import MIN_SERVED_DAYS
from .models import ReportKind, Rounding
from .statistics import COMMUNITY_COLUMNS, Details, Statistics

__all__ = [
    "ReportSpec",
    "approximate",
    "compose",
    "exact",
    "percent",
    "period_name",
    "report_title",
]

# "800余人次": figures from this size up may be written rounded down, with 余.
APPROXIMATE_FROM = 10
# How many patrolled reaches are named before "等N个河段".
LISTED_REACHES = 6
LISTED_SHORT_CHIEFS = 3
LISTED_SUPERIOR_ISSUES = 5
# Beyond this many, superior issues are summed up and only the first few named.
NAMED_SUPERIOR_ISSUES = 3
LISTED_UNITS = 3
LISTED_COMMUNITIES = 5
LISTED_CATEGORIES = 3
# The busiest cleanup months named after "其中".
LISTED_CLEANUP_MONTHS = 2
# The best of an assessment round named ("排名前三的是…").
LISTED_TOP = 3
# The river plans' open tasks named in the annual report's next steps before "等N项任务".
LISTED_PLAN_TASKS = 5

ORDINALS = "一二三四五六七八九十"


# --- numbers ------------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def exact(value: Any) -> str:
    """The figure as it is, trailing zeros of decimals trimmed: 103.50 -> "103.5", 12.00 -> "12"."""
    number = _decimal(value)
    if number == number.to_integral_value():
        return str(int(number))
    text = format(number.normalize(), "f")
    return text


def approximate(value: Any) -> str:
    """The seeds' round figures, rounded down with 余: to one significant digit when that keeps
    at least 90 % of the figure, else to two: 812 -> "800余", 187 -> "180余", 1459 -> "1400余",
    75.95 -> "70余". Under 10, or when the rounding changes nothing, the figure is exact."""
    number = _decimal(value)
    if number < APPROXIMATE_FROM:
        return exact(number)
    digits = len(str(int(number)))
    for significant in (1, 2):
        step = Decimal(10) ** max(digits - significant, 0)
        floored = (number / step).to_integral_value(rounding=ROUND_DOWN) * step
        if floored * 10 >= number * 9:
            break
    if floored == number:
        return exact(number)
    return _("%(figure)s余") % {"figure": exact(floored)}


def _percent_value(rate: Any) -> Decimal:
    return (_decimal(rate) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def percent(rate: Any) -> str:
    """A 0-1 rate as "92.3%"."""
    return _("%(value)s%%") % {"value": exact(_percent_value(rate))}


def _int(value: Any) -> int:
    return int(_decimal(value))


def _positive(value: Any) -> bool:
    return _decimal(value) > 0


# --- what is asked ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSpec:
    """What the office asked for; kept apart from the model so the text can be tested alone."""

    region_name: str
    region_level: str
    kind: str
    year: int
    period: int = 0
    rounding: str = Rounding.EXACT
    opening: str = ""
    problems_note: str = ""
    plans: str = ""
    # The date printed at the end (成文日期) and the unit that signs it (发文机关).
    document_date: datetime.date = datetime.date(2000, 1, 1)
    issuer: str = ""

    @classmethod
    def of(cls, report, *, today: datetime.date | None = None) -> ReportSpec:
        return cls(
            document_date=report.document_date or today or datetime.date.today(),
            issuer=report.issuer,
            region_name=report.region.name,
            region_level=report.region.level,
            kind=report.kind,
            year=report.year,
            period=report.period or 0,
            rounding=report.rounding,
            opening=report.opening,
            problems_note=report.problems_note,
            plans=report.plans,
        )


def _quarter_name(quarter: int) -> str:
    names = {1: _("第一季度"), 2: _("第二季度"), 3: _("第三季度"), 4: _("第四季度")}
    return names.get(quarter, "")


def _half_name(half: int) -> str:
    return _("上半年") if half == 1 else _("下半年")


def period_name(*, kind: str, year: int, period: int) -> str:
    """ "2023年第三季度", "2023年上半年", "2022年"."""
    if kind == ReportKind.QUARTERLY:
        return _("%(year)s年%(quarter)s") % {"year": year, "quarter": _quarter_name(period)}
    if kind == ReportKind.HALF_YEAR:
        return _("%(year)s年%(half)s") % {"year": year, "half": _half_name(period)}
    return _("%(year)s年") % {"year": year}


def report_title(*, region_name: str, kind: str, year: int, period: int) -> str:
    name = period_name(kind=kind, year=year, period=period)
    if kind == ReportKind.ANNUAL:
        return _("%(region)s%(period)s河长制工作总结") % {"region": region_name, "period": name}
    return _("%(region)s%(period)s河长制工作进展情况汇报") % {
        "region": region_name,
        "period": name,
    }


def _span(spec: ReportSpec) -> str:
    """How the body names the period in a sentence: 全年, 上半年, 本季度."""
    if spec.kind == ReportKind.ANNUAL:
        return _("全年")
    if spec.kind == ReportKind.HALF_YEAR:
        return _half_name(spec.period)
    return _("本季度")


def _plans_heading(spec: ReportSpec) -> str:
    if spec.kind == ReportKind.QUARTERLY:
        return _("三、下季度工作打算")
    if spec.kind == ReportKind.HALF_YEAR:
        if spec.period == 1:
            return _("三、%(year)s年下半年工作打算") % {"year": spec.year}
        return _("三、%(year)s年上半年工作打算") % {"year": spec.year + 1}
    return _("三、下一步工作打算")


def _chief_word(level: str) -> str:
    """Who "the region's chief" is in a sentence: 街道河长, 区级河长, 社区河长."""
    if level == RegionLevel.COUNTY:
        return _("区级河长")
    if level == RegionLevel.COMMUNITY:
        return _("社区河长")
    return _("街道河长")


def _paragraphs(text: str) -> list[str]:
    """The office's own text, one paragraph per non-blank line."""
    return [line.strip() for line in re.split(r"[\r\n]+", text or "") if line.strip()]


def _date_label(day: datetime.date) -> str:
    return _("%(year)s年%(month)s月%(day)s日") % {
        "year": day.year,
        "month": day.month,
        "day": day.day,
    }


def _deadline_label(day: datetime.date) -> str:
    """ "2027年6月底" for a month's last day, else "2027年6月15日"."""
    if day.month != (day + datetime.timedelta(days=1)).month:
        return _("%(year)s年%(month)s月底") % {"year": day.year, "month": day.month}
    return _date_label(day)


def _month_label(value: Any) -> str:
    """3, "2023-03", "2023-03-14" or a date -> "3月"."""
    if isinstance(value, datetime.date):
        value = value.month
    if isinstance(value, str) and "-" in value:
        value = value.split("-")[1]
    return _("%(month)s月") % {"month": int(value)}


# --- composing ----------------------------------------------------------------------------------


class _Writer:
    """Sentences of one report from its typed figures (``Statistics``) and lists (``Details``);
    ``n`` writes a figure exactly, ``about`` as the office chose. A misspelt figure is an
    AttributeError, never a silent zero that drops a clause."""

    def __init__(self, spec: ReportSpec, figures: Statistics, details: Details):
        self.spec = spec
        self.f = figures
        self.d = details
        self.region = spec.region_name
        self.span = _span(spec)
        self.rounded = spec.rounding == Rounding.APPROXIMATE

    def n(self, value: Any) -> str:
        return exact(value)

    def about(self, value: Any) -> str:
        return approximate(value) if self.rounded else exact(value)

    def chiefs(self, role: str) -> int:
        return _int(self.f.chiefs.get(role, 0))

    def as_of(self) -> str:
        """ "截至12月5日" while the period runs, "截至12月底" once it has ended."""
        day = self.d.as_of
        if self.d.running:
            return _("截至%(month)s月%(day)s日") % {"month": day.month, "day": day.day}
        return _("截至%(month)s月底") % {"month": day.month}

    # -- opening --

    def opening(self) -> list[str]:
        if self.spec.opening.strip():
            return _paragraphs(self.spec.opening)
        name = period_name(kind=self.spec.kind, year=self.spec.year, period=self.spec.period)
        if self.spec.kind == ReportKind.ANNUAL:
            closing = _("现将%(period)s河长制工作情况汇报如下：") % {"period": name}
        else:
            closing = _("现将%(period)s河长制工作进展情况汇报如下：") % {"period": name}
        return [
            _(
                "%(period)s，%(region)s紧扣“绿水青山就是金山银山”的理念，以规范化、长效化、"
                "精细化管理为支撑，以健全组织领导体系、加强宣传引导体系、强化河道巡查体系、"
                "全面整治河道环境为重点，全面落实上级关于河长制工作的部署要求，坚持保护优先、"
                "系统治理，稳步推进河长制各项工作。"
            )
            % {"period": name, "region": self.region}
            + closing
        ]

    # -- 一、工作开展情况 --

    def organisation(self) -> list[str]:
        points: list[tuple[str, str]] = []

        waters = []
        main_rivers = _int(self.f.rivers) - _int(self.f.flood_channels)
        if main_rivers > 0:
            waters.append(_("%(count)s条主要河流") % {"count": main_rivers})
        if _positive(self.f.flood_channels):
            waters.append(_("%(count)s条洪道") % {"count": self.n(self.f.flood_channels)})
        levels = [
            _("%(role)s%(count)s名") % {"role": ChiefRole(role).label, "count": self.chiefs(role)}
            for role in (
                ChiefRole.GENERAL_CHIEF,
                ChiefRole.STREET_CHIEF,
                ChiefRole.COMMUNITY_CHIEF,
            )
            if self.chiefs(role)
        ]
        helpers = [
            _("%(role)s%(count)s名") % {"role": ChiefRole(role).label, "count": self.chiefs(role)}
            for role in (ChiefRole.LIAISON, ChiefRole.CLEANER, ChiefRole.POLICE_CHIEF)
            if self.chiefs(role)
        ]
        body = _("%(region)s全面建立区域与流域相结合的“河长制”组织体系") % {"region": self.region}
        uncovered = _int(self.f.reaches_without_chief)
        covered = _positive(self.f.reaches) and not uncovered
        if waters and covered:
            body += _("，对辖区内%(waters)s全部明确了具体责任人") % {"waters": join_items(waters)}
        elif waters:
            body += _("，对辖区内%(waters)s明确了具体责任人") % {"waters": join_items(waters)}
        if _positive(self.f.reaches):
            body += _("，划分河段%(count)s个") % {"count": self.n(self.f.reaches)}
        if levels:
            body += _("，落实%(levels)s") % {"levels": join_items(levels)}
        if helpers:
            body += _("，配备%(helpers)s") % {"helpers": join_items(helpers)}
        if levels and covered:
            # Only when every reach has a serving chief: the records show full coverage.
            body += _("，实现了河长全覆盖。")
        elif uncovered:
            body += _("，尚有%(count)s个河段暂无在任河长，正在抓紧补齐。") % {"count": uncovered}
        else:
            body += _("，明确河长制工作职责分工。")
        points.append((_("构建治水责任体系。"), body))

        clauses = []
        gatherings = []
        if _positive(self.f.meetings):
            gatherings.append(
                _("召开河长制工作会议%(count)s次") % {"count": self.n(self.f.meetings)}
            )
        if _positive(self.f.trainings):
            gatherings.append(_("开展河长制培训%(count)s次") % {"count": self.n(self.f.trainings)})
        if gatherings:
            sentence = join_items(gatherings)
            if _positive(self.f.meeting_attendees):
                sentence += _("，参会参训%(count)s人次") % {
                    "count": self.about(self.f.meeting_attendees)
                }
            clauses.append(
                sentence
                + _(
                    "，进一步明确了河长制工作职责分工，建立健全了部门联动、"
                    "问题交办督办、工作保障等配套机制。"
                )
            )
        else:
            clauses.append(_("建立健全了部门联动、问题交办督办、工作保障等配套机制。"))
        if _positive(self.f.signs_updated):
            clauses.append(
                _(
                    "及时更新了%(count)s个河长制公示牌，健全了河长巡查记录、河长制工作督办单等"
                    "动态信息基础台账和相关资料。"
                )
                % {"count": self.n(self.f.signs_updated)}
            )
        else:
            clauses.append(_("健全了河长巡查记录、河长制工作督办单等动态信息基础台账和相关资料。"))
        points.append((_("落实全方位工作保障。"), "".join(clauses)))

        rules = [
            _("%(role)s%(period)s至少%(count)s次")
            % {
                "role": rule["role_label"],
                "period": rule["period_label"],
                "count": rule["min_count"],
            }
            for rule in self.d.rules
            if rule.get("role") in PATROLLING_ROLES
        ]
        if rules:
            body = _("严格按照%(rules)s的制度巡查河洪道，建立规范了各项台账机制") % {
                "rules": join_items(rules)
            }
        else:
            body = _("坚持定期巡查河洪道，建立规范了各项台账机制")
        if _positive(self.f.issues_found):
            body += _("，对发现的%(count)s个问题，采用列表装框，明确整改时限") % {
                "count": self.n(self.f.issues_found)
            }
        body += _("，做到发现一处、整治一处、销号一处。")
        points.append((_("严格落实巡查制度。"), body))

        supervisors = self.chiefs(ChiefRole.PUBLIC_SUPERVISOR)
        inspections = _positive(self.f.inspections)
        if supervisors or inspections:
            body = _("畅通公众监管渠道")
            if supervisors:
                body += _("，聘请社会监督员%(count)s名") % {"count": supervisors}
            body += _("。")
            if inspections:
                body += _("组织专人深入河段沿线开展督查，%(span)s累计督查%(count)s次") % {
                    "span": self.span,
                    "count": self.about(self.f.inspections),
                }
                if _positive(self.f.inspection_problems):
                    body += _("，反馈问题%(count)s处，并及时反馈相关河长整改") % {
                        "count": self.about(self.f.inspection_problems)
                    }
                body += _("。")
            points.append((_("动员全社会管护力量。"), body))
        return _numbered(points)

    def publicity(self) -> list[str]:
        events = _int(self.f.publicity_events)
        if not events:
            return [
                _("%(span)s未登记集中宣传活动，%(region)s将结合河长制工作加强日常宣传。")
                % {"span": self.span, "region": self.region}
            ]
        text = _("%(region)s注重从协调联动上发挥效应") % {"region": self.region}
        if _positive(self.f.publicity_units):
            text += _("，发动辖区%(count)s家企事业单位积极开展河道各类宣传活动") % {
                "count": self.n(self.f.publicity_units)
            }
        places = self.d.publicity_places
        if places:
            text += _("，在%(places)s等地通过悬挂横幅、发放宣传单、现场讲解、座谈交流等形式") % {
                "places": join_items(places)
            }
        else:
            text += _("，通过悬挂横幅、发放宣传单、现场讲解、座谈交流等形式")
        text += _("，开展河长制宣传工作。")
        text += _("%(span)s共组织开展%(count)s次宣传活动") % {
            "span": self.span,
            "count": self.n(events),
        }
        if _positive(self.f.publicity_participants):
            text += _("，参与群众%(count)s人次") % {
                "count": self.about(self.f.publicity_participants)
            }
        materials = []
        if _positive(self.f.banners):
            materials.append(_("张贴横幅%(count)s条") % {"count": self.about(self.f.banners)})
        if _positive(self.f.slogans):
            materials.append(_("宣传标语%(count)s条") % {"count": self.about(self.f.slogans)})
        if _positive(self.f.leaflets):
            materials.append(_("发放宣传单%(count)s份") % {"count": self.about(self.f.leaflets)})
        if materials:
            text += _("，") + join_items(materials)
        venues = [VENUE_WORDS[venue] for venue in VENUE_WORDS if venue in self.d.publicity_venues]
        if venues:
            # Only the kinds of place the events were recorded at: "进社区、进学校".
            text += _("，做到%(venues)s") % {"venues": join_items([str(v) for v in venues])}
        text += _("，营造全社会关心、支持、参与河道保护的良好氛围。")
        return [text]

    def _reaches_phrase(self) -> str:
        reaches = self.d.patrolled_reaches
        named = [_reach_name(row) for row in reaches[:LISTED_REACHES]]
        if len(reaches) > LISTED_REACHES:
            return _("%(reaches)s等%(count)s个河段") % {
                "reaches": join_items(named),
                "count": len(reaches),
            }
        return join_items(named)

    def patrols(self) -> list[str]:
        points: list[tuple[str, str]] = []
        patrols = _int(self.f.patrols)

        body = _(
            "坚持从河道管理管护入手，健全完善了部门联动、问题交办督办、工作保障、河长巡河App等"
            "常态化管控机制，严格规范河长制巡查工作，做到经常性和随机性巡查相结合"
        )
        targets = []
        if self.d.patrolled_reaches:
            targets.append(self._reaches_phrase())
        if _positive(self.d.flood_channels_patrolled):
            targets.append(
                _("%(count)s条洪道") % {"count": self.n(self.d.flood_channels_patrolled)}
            )
        if _positive(self.d.sewage_plants_patrolled):
            targets.append(
                _("污水处理厂%(count)s家") % {"count": self.n(self.d.sewage_plants_patrolled)}
            )
        if targets:
            body += _("，对%(targets)s定期不定期地进行巡查") % {"targets": join_items(targets)}
        body += _("。")
        if patrols:
            body += _("%(as_of)s，%(span)s各级河长累计有效巡河%(count)s次") % {
                "as_of": self.as_of(),
                "span": self.span,
                "count": self.about(patrols),
            }
            if _positive(self.f.patrolling_chiefs):
                body += _("，完成巡河%(chiefs)s人") % {"chiefs": self.n(self.f.patrolling_chiefs)}
            if self.f.patrol_rate is not None:
                body += _("，巡河率%(rate)s") % {"rate": percent(self.f.patrol_rate)}
            body += _("；")
        else:
            body += _("%(as_of)s，%(span)s尚无河长有效巡河记录；") % {
                "as_of": self.as_of(),
                "span": self.span,
            }
        found = _int(self.f.issues_found)
        if found:
            body += _("发现问题%(count)s个") % {"count": self.n(found)}
            if _positive(self.f.issues_found_by_patrol):
                body += _("，其中巡河发现%(count)s个") % {
                    "count": self.n(self.f.issues_found_by_patrol)
                }
            if _positive(self.f.issues_assigned):
                body += _("，列出清单任务%(count)s个") % {"count": self.n(self.f.issues_assigned)}
            body += _("，已经整改的有%(count)s个") % {"count": self.n(self.f.issues_found_closed)}
            if self.f.resolution_rate is not None:
                body += _("，问题整改率%(rate)s") % {"rate": percent(self.f.resolution_rate)}
            body += _("。")
        else:
            body += _("未发现需要交办整改的问题。")
        earlier = _int(self.f.issues_closed) - _int(self.f.issues_found_closed)
        if earlier > 0:
            body += _("此外，%(span)s还整改销号以前发现的问题%(count)s个。") % {
                "count": earlier,
                "span": self.span,
            }
        points.append((_("常态化开展巡河。"), body))

        outfalls = self.f.outfalls
        kinds = [
            _("%(count)s个%(kind)s") % {"count": outfalls[kind], "kind": OutfallKind(kind).label}
            for kind in OutfallKind.values
            if _positive(outfalls.get(kind))
        ]
        if kinds:
            points.append(
                (
                    _("开展入河排污口排查。"),
                    _(
                        "对辖区%(kinds)s共%(total)s个入河排污口进行实地查看，健全完善了入河排污口"
                        "整治台账，对发现的问题隐患落实台账管理，做到发现一处、整治一处、销号一处。"
                    )
                    % {"kinds": join_items(kinds), "total": self.n(self.f.outfalls_checked)},
                )
            )

        facilities = self.f.facilities
        units = {
            FacilityKind.FOOTBRIDGE: _("%(count)s座便民桥"),
            FacilityKind.FORD: _("%(count)s条过水路面"),
            FacilityKind.CULVERT: _("%(count)s个过水涵洞"),
        }
        checked = [
            template % {"count": facilities[kind]}
            for kind, template in units.items()
            if _positive(facilities.get(kind))
        ]
        plants = _int(facilities.get(FacilityKind.SEWAGE_PLANT))
        if checked or plants:
            body = _("汛期期间，为防止防汛灾害和假期儿童溺水事件的发生")
            if checked:
                body += _(
                    "，对辖区内%(facilities)s及时进行排查，排查垃圾是否堆积、河道淤泥是否堵塞河道等"
                ) % {"facilities": join_items(checked)}
            if plants:
                body += _("，实地查看污水处理厂%(count)s家") % {"count": plants}
            problems = _int(self.f.facility_problems)
            communities = self.d.facility_rectifying_communities
            if problems:
                body += _("，发现问题%(count)s处") % {"count": problems}
                if communities:
                    body += _("，督促%(communities)s进行了整改") % {
                        "communities": _some(
                            communities, LISTED_COMMUNITIES, _("等%(count)s个社区")
                        )
                    }
                elif _positive(self.f.facility_issues_closed):
                    body += _("，已整改%(count)s处") % {
                        "count": self.n(self.f.facility_issues_closed)
                    }
            else:
                body += _("，未发现安全隐患")
            body += _("，确保河洪道水流通畅。")
            points.append((_("开展汛期设施排查。"), body))

        if _positive(self.f.map_patches_checked):
            points.append(
                (
                    _("开展图斑复核。"),
                    _(
                        "根据水利部推送的碍洪疑似图斑，开展了图斑复核工作，根据图斑经纬度现场复核"
                        "%(count)s处，拍摄整理了影像资料并进行了上报。"
                    )
                    % {"count": self.n(self.f.map_patches_checked)},
                )
            )

        police = self.d.police_units
        if police:
            # A joint check recorded with the police chief: its units and what it looked at.
            body = _("%(chief)s联合%(units)s河道警长对辖区河洪道进行排查") % {
                "chief": _chief_word(self.spec.region_level),
                "units": _some(police, LISTED_UNITS, _("等%(count)s个单位")),
            }
            topics = [
                TOPIC_WORDS[topic] for topic in TOPIC_WORDS if topic in self.d.joint_check_topics
            ]
            if topics:
                body += _("，重点排查%(topics)s") % {"topics": join_items([str(t) for t in topics])}
            body += _("。")
            points.append((_("开展联合排查。"), body))

        superior = self.d.superior_issues
        if superior:
            body = _("高度重视上级部门反馈问题的整改工作。")
            open_count = sum(1 for row in superior if not row.get("closed_on"))
            if len(superior) > LISTED_SUPERIOR_ISSUES:
                body += _(
                    "%(span)s涉及上级交办及检察建议问题%(count)s个，已整改销号%(closed)s个，"
                    "尚未销号%(open)s个，主要情况如下："
                ) % {
                    "span": self.span,
                    "count": len(superior),
                    "closed": len(superior) - open_count,
                    "open": open_count,
                }
                superior = superior[:NAMED_SUPERIOR_ISSUES]
            body += _("；").join(self._superior_case(row) for row in superior) + _("。")
            points.append((_("落实上级交办问题整改。"), body))

        # Only published rounds are cited; with none in the period, nothing is said of results.
        assessed = [self._assessment(row) for row in self.d.assessments]
        if assessed:
            points.append((_("强化工作考核。"), "".join(assessed)))
        return _numbered(points)

    def _assessment(self, row: dict[str, Any]) -> str:
        """ "第三季度考核：共考核河长8名，平均得分86.5分，排名前三的是A（98分）、B（95分）、C（93
        分）。" from a published round as the report's snapshot holds it."""
        if row.get("period"):
            name = _quarter_name(row["period"])
        else:
            name = _("%(year)s年度") % {"year": row["year"]}
        notes = ""
        duplicates = [
            other
            for other in self.d.assessments
            if (other["year"], other.get("period"), other["subject"])
            == (row["year"], row.get("period"), row["subject"])
        ]
        if len(duplicates) > 1:
            notes += _("（%(scheme)s）") % {"scheme": row["scheme"]}
        computed_on = row.get("computed_on")
        if computed_on and computed_on < row["date_to"]:
            # Computed before the period ended: its figures are as of that day.
            day = datetime.date.fromisoformat(computed_on)
            notes += _("（截至%(month)s月%(day)s日）") % {"month": day.month, "day": day.day}
        words = ASSESSMENT_WORDS.get(row["subject"], ASSESSMENT_WORDS["chief"])
        text = _("%(period)s考核%(notes)s：") % {"period": name, "notes": notes}
        text += words["assessed"] % {"count": row["assessed"]}
        unranked = _int(row["assessed"]) - _int(row["ranked"])
        if unranked:
            # The average is of the ranked only: say so where some are not.
            text += words["unranked"] % {"count": unranked, "days": MIN_SERVED_DAYS}
            if row["average"] is not None:
                text += words["ranked_average"] % {
                    "count": row["ranked"],
                    "average": exact(row["average"]),
                }
        else:
            text += _("，平均得分%(average)s分") % {"average": exact(row["average"])}
        top = row["top"]
        first = [item for item in top if item["rank"] == 1]
        if len(first) >= LISTED_TOP:
            # Ties fill the top three: the first ones named, with how many share the first rank.
            names = join_items(item["name"] for item in first[:LISTED_TOP])
            if len(first) > LISTED_TOP:
                names += words["more"] % {"count": len(first)}
            text += _("，%(names)s并列第一（%(score)s分）") % {
                "names": names,
                "score": exact(first[0]["score"]),
            }
        elif top:
            named = join_items(
                _("%(name)s（%(score)s分）") % {"name": item["name"], "score": exact(item["score"])}
                for item in top[:LISTED_TOP]
            )
            if len(top) > LISTED_TOP:
                named += _("等")
            if _int(row["ranked"]) > len(top):
                text += words["top"] % {"top": named}
            elif len(top) > 1:
                text += _("，排名依次为%(top)s") % {"top": named}
        return text + _("。")

    def _superior_case(self, row: dict[str, Any]) -> str:
        values = {
            "month": _month_label(row["reported_on"]),
            "title": row["title"],
            "place": row.get("place", ""),
        }
        if row.get("source") == "procuratorate":
            case = _("%(month)s，对检察建议指出的%(place)s“%(title)s”问题组织整改") % values
        else:
            case = _("%(month)s，对上级交办的%(place)s“%(title)s”问题组织整改") % values
        if row.get("closed_on"):
            case += _("，%(month)s完成整改销号") % {"month": _month_label(row["closed_on"])}
        else:
            case += _("，目前%(status)s，尚未销号") % {"status": row.get("status_label", "")}
        return case

    def cleanups(self) -> list[str]:
        if not _positive(self.f.cleanups):
            if self.chiefs(ChiefRole.CLEANER):
                text = _(
                    "%(span)s未登记集中清理行动，河道日常保洁由%(count)s名保洁员按"
                    "“一日一保洁”要求开展"
                ) % {"span": self.span, "count": self.chiefs(ChiefRole.CLEANER)}
                if _positive(self.f.cleaning_rounds):
                    text += _("，累计保洁%(count)s次") % {
                        "count": self.about(self.f.cleaning_rounds)
                    }
                return [text + _("。")]
            return [
                _(
                    "%(span)s未登记集中清理行动，下一步将结合河湖“清四乱”常态化工作组织开展河道清理。"
                )
                % {"span": self.span}
            ]
        if _positive(self.f.cleanup_volunteers):
            who = _("组织工作人员和志愿者")
        else:
            who = _("组织工作人员")
        text = (
            _("深入推进河湖“清四乱”常态化工作，")
            + who
            + _(
                "对河洪道垃圾、河障进行清除，对河洪道内或周边倾倒的陈年垃圾、建筑垃圾、生活垃圾等"
                "进行清理清运，做到及时发现、及时核实、及时整治。"
            )
        )
        text += _("%(span)s共开展清理行动%(count)s次") % {
            "span": self.span,
            "count": self.n(self.f.cleanups),
        }
        if _positive(self.f.cleanup_points):
            text += _("，累计清理垃圾点位%(count)s处") % {
                "count": self.about(self.f.cleanup_points)
            }
        if _positive(self.f.garbage_t):
            text += _("，清理河道垃圾%(count)s吨") % {"count": self.about(self.f.garbage_t)}
        if _positive(self.f.garbage_m3):
            text += _("，清理垃圾%(count)s方") % {"count": self.about(self.f.garbage_m3)}
        text += _("。")
        if _positive(self.f.four_disorders_cleanups):
            # The campaign's own figures, apart from every cleanup's.
            text += _("开展了河洪道“清四乱”专项行动%(count)s次") % {
                "count": self.n(self.f.four_disorders_cleanups)
            }
            if _positive(self.f.four_disorders_points):
                text += _("，累计清理垃圾%(count)s处") % {
                    "count": self.about(self.f.four_disorders_points)
                }
            if _positive(self.f.four_disorders_garbage_m3):
                text += _("，清理垃圾%(count)s方") % {
                    "count": self.about(self.f.four_disorders_garbage_m3)
                }
            months = [
                row
                for row in self.d.cleanup_months
                if _positive(row.get("points")) or _positive(row.get("garbage_m3"))
            ]
            if len(months) > 1:
                busiest = sorted(
                    months,
                    key=lambda row: (-_decimal(row.get("garbage_m3")), -_int(row.get("points"))),
                )[:LISTED_CLEANUP_MONTHS]
                parts = []
                for row in sorted(busiest, key=lambda row: row["month"]):
                    part = _("%(month)s份") % {"month": _month_label(row["month"])}
                    figures = []
                    if _positive(row.get("points")):
                        figures.append(
                            _("清理垃圾点位%(count)s处") % {"count": self.about(row["points"])}
                        )
                    if _positive(row.get("garbage_m3")):
                        figures.append(
                            _("清理垃圾%(count)s方") % {"count": self.about(row["garbage_m3"])}
                        )
                    parts.append(part + _("，").join(figures))
                text += _("，其中，") + _("；").join(parts)
            text += _("。")
        inputs = []
        if _positive(self.f.cleanup_participants):
            inputs.append(
                _("参与人员%(count)s人次") % {"count": self.about(self.f.cleanup_participants)}
            )
        if _positive(self.f.cleanup_volunteers):
            inputs.append(
                _("其中志愿者%(count)s人次") % {"count": self.about(self.f.cleanup_volunteers)}
            )
        if _positive(self.f.vehicles):
            inputs.append(_("出动车辆%(count)s辆次") % {"count": self.about(self.f.vehicles)})
        if _positive(self.f.net_m):
            inputs.append(_("安装防护网%(count)s米") % {"count": self.about(self.f.net_m)})
        if _positive(self.f.warning_signs):
            inputs.append(_("设立警示牌%(count)s面") % {"count": self.n(self.f.warning_signs)})
        if _positive(self.f.cleanup_banners):
            inputs.append(_("悬挂条幅%(count)s个") % {"count": self.n(self.f.cleanup_banners)})
        if inputs:
            text += _("，").join(inputs) + _("。")
        return [text]

    def water_quality(self) -> list[str]:
        """The monitoring points meeting their target (the registered figures
        ``monitoring_points``, ``points_meeting_target``, ``target_rate``,
        ``points_worse_than_v``: each point graded by its period means), against the same
        days a year before when that period had readings. Nothing without readings."""
        points = _int(self.f.monitoring_points)
        if not points:
            return []
        rate = self.f.target_rate
        text = _("辖区%(points)s个监测断面中%(meeting)s个达到目标水质（达标率%(rate)s）") % {
            "points": points,
            "meeting": _int(self.f.points_meeting_target),
            "rate": percent(rate),
        }
        before = self.d.water_year_before or {}
        if _int(before.get("monitoring_points")) and before.get("target_rate") is not None:
            # Points of the rates as printed (one decimal), so the reader's sum comes out.
            now = _percent_value(rate)
            then = _percent_value(before["target_rate"])
            than = _("较上年") if self.spec.kind == ReportKind.ANNUAL else _("较上年同期")
            if now > then:
                text += _("，%(than)s提高%(points)s个百分点") % {
                    "than": than,
                    "points": exact(now - then),
                }
            elif now < then:
                text += _("，%(than)s下降%(points)s个百分点") % {
                    "than": than,
                    "points": exact(then - now),
                }
            else:
                text += _("，%(than)s持平") % {"than": than}
        worse = _int(self.f.points_worse_than_v)
        if worse:
            text += _("；劣Ⅴ类断面%(count)s个") % {"count": worse}
        return [text + _("。")]

    # -- 二、存在的问题 --

    def problems(self) -> list[str]:
        points: list[tuple[str, str]] = []

        overdue = _int(self.f.issues_overdue)
        was_overdue = _int(self.f.issues_overdue_in_period)
        if overdue or was_overdue:
            if overdue:
                body = _("%(as_of)s，仍有%(count)s个问题超过整改时限未完成整改") % {
                    "as_of": self.as_of(),
                    "count": overdue,
                }
                listed = self.d.overdue_issues
                if listed:
                    oldest = max(listed, key=lambda row: _int(row.get("days_overdue")))
                    body += _("，其中逾期最久的是%(place)s“%(title)s”，已逾期%(days)s天") % {
                        "place": oldest["place"],
                        "title": oldest["title"],
                        "days": oldest["days_overdue"],
                    }
                if was_overdue > overdue:
                    body += _("；%(span)s共有%(count)s个问题曾超过整改时限") % {
                        "span": self.span,
                        "count": was_overdue,
                    }
            else:
                body = _("%(span)s共有%(count)s个问题曾超过整改时限，现已整改或另定时限") % {
                    "span": self.span,
                    "count": was_overdue,
                }
            body += _("，问题整改的及时性还需进一步提高。")
            points.append((_("问题整改还不够及时。"), body))

        short = _int(self.f.chiefs_short)
        if short:
            body = _("%(count)s名河长有巡河周期未达到制度要求") % {"count": short}
            named = [
                _("%(name)s（%(region)s%(role)s，应巡%(required)s次，计入%(counted)s次）")
                % {
                    "name": row["name"],
                    "region": row["region"],
                    "role": row["role_label"],
                    "required": exact(row["required"]),
                    "counted": row["counted"],
                }
                for row in self.d.short_chiefs[:LISTED_SHORT_CHIEFS]
            ]
            if named:
                body += _("，如%(chiefs)s") % {"chiefs": join_items(named)}
            body += _("，定期巡河存在形式化现象，巡查发现问题处理不够及时。")
            points.append((_("部分河长履职意识不强。"), body))

        recurring = self.d.recurring_categories
        if any(row.get("category") != "other" for row in recurring):
            kinds = [
                _("%(category)s问题%(count)s个") % {"category": row["label"], "count": row["count"]}
                for row in recurring
                if row.get("category") != "other"
            ][:LISTED_CATEGORIES]
            points.append(
                (
                    _("部分问题反复出现。"),
                    _("%(span)s发现%(kinds)s，河道日常监管难度大，需从源头上加强治理。")
                    % {"span": self.span, "kinds": join_items(kinds)},
                )
            )

        note = _paragraphs(self.spec.problems_note)
        if not points and not note:
            return [
                _(
                    "尽管%(region)s河长制工作取得了阶段性成效，但与上级要求相比仍有差距：群众的"
                    "河道保护意识还需进一步增强，与相关部门的联动配合还需进一步加强，河道长效管护"
                    "机制还需进一步健全。"
                )
                % {"region": self.region}
            ]
        intro = _(
            "尽管%(region)s河长制工作取得了阶段性成效，但与上级要求相比仍有差距，主要表现在："
        ) % {"region": self.region}
        return [intro, *_numbered(points), *note]

    # -- 三、工作打算 --

    def plans(self) -> list[str]:
        own = _paragraphs(self.spec.plans)
        if own:
            return own
        check = _(
            "以强化落实“河长制”为切入点，充分发挥巡河App后台监管作用，以定期通报的方式督促各级河长"
            "及时落实巡河工作，对上传的问题实行销号管理，督促整改，实现标本兼治、治管并举。"
        )
        short = _int(self.f.chiefs_short)
        if short:
            check += _("对巡河未达到制度要求的%(count)s名河长重点督促。") % {"count": short}
        overdue = _int(self.f.issues_overdue)
        if overdue:
            check += _("对逾期未整改的%(count)s个问题逐一跟踪督办，限期整改到位。") % {
                "count": overdue
            }
        return [
            _("（一）强化宣传，提高认识。")
            + _(
                "利用工作会议、微信工作群、微信公众号等方式，多渠道、全方位加强对“河长制”工作的"
                "宣传，提高群众对河长制工作的知晓率，增强群众保护河流的责任意识和参与意识，营造"
                "全民参与保护河流、治理河道的良好氛围。"
            ),
            _("（二）坚持落实河长制，强化巡查督查。") + check,
            _("（三）严格督导考核，强化责任落实。")
            + _(
                "严格考核督查制度，一级抓一级、层层抓落实，对督查中发现的问题及时反馈、督促限期"
                "整改并跟踪整改情况，将巡河率和问题解决率纳入年度考核，确保河长制工作顺利开展。"
            ),
            _("（四）发挥联动优势，形成治水合力。")
            + _(
                "加强与上级部门及相关部门的业务联系，做好工作对接，充分发动%(region)s党员干部"
                "和保洁力量，凝心聚力、齐抓共管，真正做到守河有责、守河担责、守河尽责。"
            )
            % {"region": self.region},
            *self._plan_tasks(),
        ]

    def _plan_tasks(self) -> list[str]:
        """The annual report's river plans (一河一策): their tasks still open and due by the end
        of next year, overdue ones included, soonest first; nothing when there are none."""
        tasks = self.d.plan_tasks
        if self.spec.kind != ReportKind.ANNUAL or not tasks:
            return []
        named = []
        for row in tasks[:LISTED_PLAN_TASKS]:
            values = {
                "river": row["river"],
                "title": row["title"],
                "due": _deadline_label(datetime.date.fromisoformat(row["due"])),
            }
            if row["overdue"]:
                named.append(_("%(river)s“%(title)s”（原定%(due)s前完成，已逾期）") % values)
            else:
                named.append(_("%(river)s“%(title)s”（%(due)s前完成）") % values)
        text = _("按照“一河一策”实施方案，推进%(tasks)s") % {"tasks": join_items(named)}
        if len(tasks) > LISTED_PLAN_TASKS:
            text += _("等%(count)s项任务") % {"count": len(tasks)}
        overdue = sum(1 for row in tasks if row["overdue"])
        if overdue:
            text += _("，对逾期的%(count)s项任务逐项督办、限期完成。") % {"count": overdue}
        else:
            text += _("，确保按期完成。")
        return [_("（五）落实“一河一策”，推进河道综合治理。") + text]


# How an assessment round's sentence names its subjects (reports.models.AssessmentSubject).
ASSESSMENT_WORDS = {
    "chief": {
        "ranked_average": gettext_lazy("；参与排名的%(count)s名平均得分%(average)s分"),
        "assessed": gettext_lazy("共考核河长%(count)s名"),
        "unranked": gettext_lazy("，其中%(count)s名任职不足%(days)s天，不参与排名"),
        "top": gettext_lazy("，排名前三的是%(top)s"),
        "more": gettext_lazy("等%(count)s名河长"),
    },
    "community": {
        "ranked_average": gettext_lazy("；参与排名的%(count)s个平均得分%(average)s分"),
        "assessed": gettext_lazy("共考核社区%(count)s个"),
        "unranked": gettext_lazy("，其中%(count)s个不足%(days)s天，不参与排名"),
        "top": gettext_lazy("，排名前三的社区是%(top)s"),
        "more": gettext_lazy("等%(count)s个社区"),
    },
    "street": {
        "ranked_average": gettext_lazy("；参与排名的%(count)s个平均得分%(average)s分"),
        "assessed": gettext_lazy("共考核街道%(count)s个"),
        "unranked": gettext_lazy("，其中%(count)s个不足%(days)s天，不参与排名"),
        "top": gettext_lazy("，排名前三的街道是%(top)s"),
        "more": gettext_lazy("等%(count)s个街道"),
    },
}

# What a publicity event's kind of place lets the report say, in the seeds' order.
VENUE_WORDS = {
    "community": gettext_lazy("进社区"),
    "enterprise": gettext_lazy("进企业"),
    "school": gettext_lazy("进学校"),
}
# What a joint check's topics let the report say.
TOPIC_WORDS = {
    "livestock": gettext_lazy("畜禽养殖业"),
    "slaughterhouse": gettext_lazy("屠宰行业"),
    "outfalls": gettext_lazy("入河排污口"),
    "garbage": gettext_lazy("垃圾倾倒"),
    "occupation": gettext_lazy("乱占乱建"),
}


def _reach_name(row: dict[str, Any]) -> str:
    """ "沙河左岸东风段"; a reach whose name already begins with its river ("沙河东风段") does not
    get the river twice."""
    reach, river = row["reach"], row["river"]
    if reach.startswith(river):
        reach = reach[len(river) :]
    return _("%(river)s%(bank)s%(reach)s") % {"river": river, "bank": _bank(row), "reach": reach}


def _bank(row: dict[str, Any]) -> str:
    """ "左岸"/"右岸" as the seeds write it; nothing for both banks or when the name says it."""
    label = row.get("bank_label") or ""
    if row.get("bank") == "both" or label in row.get("reach", ""):
        return ""
    return label


def _some(items: list[str], limit: int, more: str) -> str:
    """At most ``limit`` names, then "等N个…" for the whole count."""
    if len(items) <= limit:
        return join_items(items)
    return join_items(items[:limit]) + more % {"count": len(items)}


def _numbered(points: list[tuple[str, str]]) -> list[str]:
    """ "一是……。二是……。" as the seeds write several points of one heading, one per paragraph."""
    if len(points) == 1:
        lead, body = points[0]
        return [lead + body]
    return [
        _("%(ordinal)s是") % {"ordinal": ORDINALS[index]} + lead + body
        for index, (lead, body) in enumerate(points)
    ]


def _sections(writer: _Writer) -> list[dict[str, Any]]:
    return [
        {
            "heading": _("一、工作开展情况"),
            "paragraphs": [],
            "parts": [
                {
                    "heading": _("（一）强化组织领导，凝聚河长制工作合力"),
                    "paragraphs": writer.organisation(),
                },
                {
                    "heading": _("（二）加强宣传引导，营造爱河护河氛围"),
                    "paragraphs": writer.publicity(),
                },
                {
                    "heading": _("（三）强化河道巡查，确保河长履职真抓真管"),
                    "paragraphs": writer.patrols(),
                },
                {
                    "heading": _("（四）开展河道整治，提升治理水平"),
                    # The water itself closes the part: only when readings exist.
                    "paragraphs": writer.cleanups() + writer.water_quality(),
                },
            ],
        },
        {"heading": _("二、存在的问题"), "paragraphs": writer.problems(), "parts": []},
        {"heading": _plans_heading(writer.spec), "paragraphs": writer.plans(), "parts": []},
    ]


def _community_table(spec: ReportSpec, details: Details) -> dict[str, Any]:
    rows = details.communities
    total = {key: sum(_int(row.get(key)) for row in rows) for key in COMMUNITY_COLUMNS}
    if spec.region_level == RegionLevel.COUNTY:
        label = _("街道（镇）")
    elif spec.region_level == RegionLevel.STREET:
        label = _("社区（村）")
    else:
        label = _("区域")
    return {
        "caption": _("附表1　各%(level)s巡河及问题整改情况") % {"level": label},
        # The columns are the registered figures patrols, issues_found, issues_found_closed and
        # issues_overdue, each counted per row.
        "columns": [label, _("有效巡河"), _("发现问题"), _("已整改"), _("逾期未整改")],
        "rows": [[row["name"], *(_int(row.get(key)) for key in COMMUNITY_COLUMNS)] for row in rows],
        "total": [_("合计"), *(total[key] for key in COMMUNITY_COLUMNS)],
    }


def chart_caption(spec: ReportSpec, details: Details) -> str:
    caption = _("附图1　%(period)s各月有效巡河次数及发现问题数") % {
        "period": period_name(kind=spec.kind, year=spec.year, period=spec.period)
    }
    partial = [row for row in details.monthly if row.get("partial_to")]
    if partial:
        # The last month is drawn as far as it went, and the caption says so.
        caption += _("（%(month)s截至%(day)s日）") % {
            "month": _month_label(partial[0]["month"]),
            "day": partial[0]["partial_to"],
        }
    return caption


def compose(
    *,
    spec: ReportSpec,
    figures: Statistics,
    details: Details,
) -> dict[str, Any]:
    """The whole text of one report, as data both the PDF and the Word file lay out."""
    writer = _Writer(spec, figures, details)
    return {
        "title": report_title(
            region_name=spec.region_name, kind=spec.kind, year=spec.year, period=spec.period
        ),
        "opening": writer.opening(),
        "sections": _sections(writer),
        "table": _community_table(spec, details),
        "chart_caption": chart_caption(spec, details),
        "issuer": spec.issuer or default_issuer(spec.region_name),
        "issued_on": _date_label(spec.document_date),
    }


def default_issuer(region_name: str) -> str:
    return _("%(region)s河长制办公室") % {"region": region_name}
