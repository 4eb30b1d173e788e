"""A year of demo issues for `manage.py seed_demo`: a further stage of ``demo.street.build_demo``.

Most issues are tickets the office opened from the demo patrols' findings; the others are a fixed
casebook (``CASEBOOK``) of what the seed reports describe reaching a street from elsewhere: public
reports, problems handed down by the province and city (上级交办, 省河长办督办 in July), the
procuratorate's recommendation (检察建议, 河道乱堆垃圾 in late March), map patches to verify,
inspections by the people's congress and the discipline office, and the office's own checks in
flood season. The casebook fixes each case's life, so every status, escalation, rejection and
referral is in every street whatever the patrols happened to find.

Every step goes through the real services (``issue_report`` / ``finding_issue_open``,
``issue_act``, ``issue_photo_add``) as the demo logins, so each timeline is one the portal itself
wrote and replays to the stored status. The services stamp the present, so the times are moved
back to when each step happened afterwards, in bulk. Steps that would fall after the present are
not taken: a recent issue simply stops where the office has got to.

Only streets written in this run get issues, so running the seeder again adds nothing; one
``random.Random`` per street keeps a street's issues independent of the rest of the run.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from django.core.files.base import ContentFile
from django.db.models import F, Q
from django.utils import timezone
from PIL import ExifTags, Image

from accounts.models import Role, User
from calendars.models import IssueCategory as C
from calendars.models import Urgency as U
from calendars.workdays import WorkCalendar
from issues.models import (
    Issue,
    IssueDeadline,
    IssueEvent,
    IssuePhoto,
    IssueSource,
    IssueStatus,
    PhotoStage,
    SupervisionOrder,
    SupervisionOrderSequence,
    VoidReason,
)
from issues.services import issue_act, issue_photo_add, issue_report
from notifications.models import Notification, NotificationKind
from patrols.models import Finding
from patrols.services import finding_issue_open
from rivers.models import Chief, ChiefRole, FacilityKind, Reach

if TYPE_CHECKING:  # demo.street imports this module: no import back at run time
    from demo.street import StreetPlan

BATCH_SIZE = 500
# Serials are moved this far up while orders are renumbered, clear of any number in use.
RENUMBER_OFFSET = 1_000_000
# Tickets opened from findings: the first street is the one people look at; a load-test street
# only needs the shape. Without findings (patrols left out) a few patrol issues are made up.
PATROL_ISSUES_FIRST_STREET = 72
PATROL_ISSUES_OTHER_STREET = 12
PATROL_ISSUES_WITHOUT_FINDINGS = 4
# Office hours, in minutes after midnight, for the office's steps.
OFFICE_HOURS = (8 * 60 + 30, 17 * 60 + 30)


class Life:
    """Where an issue's life is meant to end; the present may stop it earlier."""

    FRESH = "fresh"  # reported, not yet assigned
    ASSIGNED = "assigned"  # assigned, never started
    RECTIFYING = "rectifying"  # started, stalled (overdue once its deadline passes)
    AWAITING = "awaiting"  # rectified and submitted, not yet checked
    CLOSED = "closed"
    REJECTED = "rejected"  # failed acceptance once, then closed
    ESCALATED_OPEN = "escalated_open"  # overdue, supervised with a new deadline, still open
    ESCALATED_CLOSED = "escalated_closed"  # overdue, supervised, then fixed
    REFERRED_OPEN = "referred_open"  # too big for the community: put to the street's committee
    REFERRED_CLOSED = "referred_closed"  # the committee set a deadline and it was met
    VOIDED_DUPLICATE = "voided_duplicate"  # a second report of a known problem: voided
    VOIDED_NOT_OURS = "voided_not_ours"  # assigned, then found to be another street's: voided


class Case(NamedTuple):
    """One casebook entry. ``when`` is days before today, or (month, day) of the latest such
    date; ``place`` is where on the street it is: "reach", "outfall", "sign" or a facility kind.
    Titles and descriptions are formatted with the place's {river}, {reach} and {asset}."""

    source: str
    category: str
    urgency: str
    title: str
    description: str
    place: str
    when: int | tuple[int, int]
    life: str


S = IssueSource
CASEBOOK: tuple[Case, ...] = (
    # 上级交办
    Case(
        S.SUPERIOR,
        C.CONSTRUCTION,
        U.URGENT,
        "省河长办督办：{river}{reach}河道管理范围内违建彩钢棚",
        "省河长办暗访发现{river}{reach}河道管理范围内搭建彩钢棚一处，下发督办问题，"
        "要求迅速整改并报送整改情况。",
        "reach",
        (7, 6),
        Life.CLOSED,
    ),
    Case(
        S.SUPERIOR,
        C.GARBAGE,
        U.NORMAL,
        "市河长办交办：{river}{reach}岸坡垃圾未及时清理",
        "市河长办巡查发现{river}{reach}岸坡积存生活垃圾，交办街道限期清理。",
        "reach",
        150,
        Life.REJECTED,
    ),
    Case(
        S.SUPERIOR,
        C.FLOOD_OBSTRUCTION,
        U.CRITICAL,
        "区防汛办交办：{asset}淤堵，影响行洪",
        "汛前检查发现{river}{asset}内垃圾和淤泥堆积，过水断面减小，要求立即清淤。",
        FacilityKind.CULVERT,
        (6, 12),
        Life.CLOSED,
    ),
    Case(
        S.SUPERIOR,
        C.OCCUPATION,
        U.NORMAL,
        "市河长办交办：{river}{reach}河道内违规种植",
        "市河长办卫星遥感比对发现{river}{reach}滩地被开垦种植蔬菜，侵占河道。",
        "reach",
        40,
        Life.ESCALATED_OPEN,
    ),
    # 检察建议
    Case(
        S.PROCURATORATE,
        C.DUMPING,
        U.URGENT,
        "市检察院检察建议：{river}{reach}河道乱堆垃圾",
        "市检察院下发检察建议，指出{river}{reach}河道内堆放陈年垃圾和建筑垃圾，"
        "建议组织人员、机械及时清理。",
        "reach",
        (3, 22),
        Life.CLOSED,
    ),
    Case(
        S.PROCURATORATE,
        C.OUTFALL,
        U.NORMAL,
        "区检察院检察建议：{asset}未设标识、排放去向不明",
        "区检察院检察建议指出{asset}未设置排污口标识牌，排放单位和去向不明，建议排查整治。",
        "outfall",
        100,
        Life.ESCALATED_CLOSED,
    ),
    Case(
        S.PROCURATORATE,
        C.POLLUTION,
        U.URGENT,
        "区检察院检察建议：{river}{reach}生活污水直排",
        "区检察院检察建议指出沿河居民生活污水经{asset}直排入河，建议完善截污管网。",
        "outfall",
        25,
        Life.REFERRED_OPEN,
    ),
    # 图斑复核
    Case(
        S.MAP_PATCH,
        C.CONSTRUCTION,
        U.NORMAL,
        "图斑复核：{river}{reach}疑似阻水建筑物",
        "水利部推送碍洪疑似图斑（{lat}，{lon}），现场复核为临河搭建的简易房，需拆除。",
        "reach",
        200,
        Life.CLOSED,
    ),
    Case(
        S.MAP_PATCH,
        C.FLOOD_OBSTRUCTION,
        U.NORMAL,
        "图斑复核：{river}{reach}疑似河道内堆土",
        "水利部推送碍洪疑似图斑（{lat}，{lon}），现场复核为施工弃土堆放在河道内。",
        "reach",
        120,
        Life.CLOSED,
    ),
    Case(
        S.MAP_PATCH,
        C.OCCUPATION,
        U.NORMAL,
        "图斑复核：{river}{reach}疑似临河违规圈占",
        "水利部推送碍洪疑似图斑（{lat}，{lon}），现场复核为沿河圈占堆放杂物。",
        "reach",
        18,
        Life.RECTIFYING,
    ),
    Case(
        S.MAP_PATCH,
        C.MINING,
        U.URGENT,
        "图斑复核：{river}{reach}疑似采砂坑",
        "水利部推送疑似图斑（{lat}，{lon}），现场复核河床有新近挖砂痕迹。",
        "reach",
        260,
        Life.CLOSED,
    ),
    Case(
        S.MAP_PATCH,
        C.CONSTRUCTION,
        U.NORMAL,
        "图斑复核：{river}{reach}疑似新建围墙",
        "水利部推送碍洪疑似图斑（{lat}，{lon}），现场复核为河道管理范围内新砌围墙。",
        "reach",
        5,
        Life.ASSIGNED,
    ),
    # 督查发现
    Case(
        S.INSPECTION,
        C.GARBAGE,
        U.NORMAL,
        "人大督查：{river}{reach}河坡生活垃圾未清理",
        "街道人大工委组织代表巡河监督，发现{river}{reach}河坡有生活垃圾。",
        "reach",
        300,
        Life.CLOSED,
    ),
    Case(
        S.INSPECTION,
        C.OTHER,
        U.NORMAL,
        "纪工委督查：{asset}号河长公示牌信息未更新",
        "纪工委督查发现{asset}号公示牌河长姓名、电话未随人员调整更新。",
        "sign",
        90,
        Life.CLOSED,
    ),
    Case(
        S.INSPECTION,
        C.BANK_DAMAGE,
        U.URGENT,
        "人大督查：{river}{reach}护栏缺失，存在溺水隐患",
        "暑期前人大代表督查发现{river}{reach}临水护栏缺失约二十米，存在儿童溺水隐患。",
        "reach",
        45,
        Life.REJECTED,
    ),
    Case(
        S.INSPECTION,
        C.DUMPING,
        U.NORMAL,
        "纪工委督查：{river}{reach}建筑垃圾清理不彻底",
        "纪工委回头看发现{river}{reach}此前清理的建筑垃圾点位又有新倒渣土。",
        "reach",
        30,
        Life.RECTIFYING,
    ),
    # 群众举报
    Case(
        S.PUBLIC,
        C.POLLUTION,
        U.URGENT,
        "群众举报：{river}{reach}水体发黑发臭",
        "群众拨打河长公示牌电话反映{river}{reach}水体发黑、有臭味。",
        "reach",
        210,
        Life.CLOSED,
    ),
    Case(
        S.PUBLIC,
        C.MINING,
        U.CRITICAL,
        "群众举报：夜间有人在{river}{reach}河道挖砂",
        "群众反映夜间有车辆在{river}{reach}河道内挖砂拉运。",
        "reach",
        170,
        Life.CLOSED,
    ),
    Case(
        S.PUBLIC,
        C.GARBAGE,
        U.NORMAL,
        "群众举报：{river}{reach}水面漂浮垃圾较多",
        "社会监督员反映{river}{reach}水面漂浮塑料袋、泡沫等垃圾。",
        "reach",
        1,
        Life.FRESH,
    ),
    Case(
        S.PUBLIC,
        C.DUMPING,
        U.NORMAL,
        "群众举报：有车辆向{river}{reach}河坡倾倒渣土",
        "群众通过微信公众号反映有渣土车向{river}{reach}河坡倾倒渣土。",
        "reach",
        2,
        Life.FRESH,
    ),
    Case(
        S.PUBLIC,
        C.OUTFALL,
        U.URGENT,
        "群众举报：{asset}雨天外溢污水",
        "群众反映降雨时{asset}有污水外溢，河面有泡沫。",
        "outfall",
        60,
        Life.ESCALATED_OPEN,
    ),
    Case(
        S.PUBLIC,
        C.OTHER,
        U.NORMAL,
        "群众举报：{river}{reach}有人电鱼",
        "群众反映有人在{river}{reach}使用电瓶电鱼。",
        "reach",
        12,
        Life.AWAITING,
    ),
    Case(
        S.PUBLIC,
        C.GARBAGE,
        U.NORMAL,
        "群众扫码举报：{river}{reach}水面有垃圾",
        "群众扫描河长公示牌二维码反映{river}{reach}水面有塑料袋等漂浮垃圾。",
        "reach",
        50,
        Life.VOIDED_DUPLICATE,
    ),
    Case(
        S.PUBLIC,
        C.CONSTRUCTION,
        U.NORMAL,
        "群众举报：{river}{reach}岸边私搭乱建",
        "群众反映{river}{reach}岸边有人私自搭建养殖棚，占用河道管理范围。",
        "reach",
        330,
        Life.REFERRED_CLOSED,
    ),
    # 河长办发现
    Case(
        S.OFFICE,
        C.FLOOD_OBSTRUCTION,
        U.URGENT,
        "汛期排查：{asset}垃圾堆积、淤泥堵塞",
        "汛期排查发现{river}{asset}内垃圾堆积、淤泥堵塞，影响河洪道水流通畅。",
        FacilityKind.CULVERT,
        (7, 20),
        Life.CLOSED,
    ),
    Case(
        S.OFFICE,
        C.FLOOD_OBSTRUCTION,
        U.NORMAL,
        "汛期排查：{asset}路面过水不畅",
        "汛期排查发现{river}{asset}路面淤积，雨后过水不畅，存在安全隐患。",
        FacilityKind.FORD,
        (8, 5),
        Life.CLOSED,
    ),
    Case(
        S.OFFICE,
        C.OUTFALL,
        U.NORMAL,
        "排污口排查：{asset}标识牌缺失",
        "入河排污口排查发现{asset}标识牌缺失，需补设并更新台账。",
        "outfall",
        140,
        Life.CLOSED,
    ),
    Case(
        S.OFFICE,
        C.BANK_DAMAGE,
        U.NORMAL,
        "{river}{reach}堤岸坍塌、河体开裂",
        "河长巡河时报告{river}{reach}一段堤岸坍塌、河体开裂，需维修加固。",
        "reach",
        230,
        Life.ESCALATED_CLOSED,
    ),
    Case(
        S.OFFICE,
        C.POLLUTION,
        U.NORMAL,
        "{asset}发现屠宰废水排放",
        "畜禽养殖和屠宰行业排查中发现屠宰废水经{asset}排入河道。",
        "outfall",
        75,
        Life.CLOSED,
    ),
    Case(
        S.OFFICE,
        C.OTHER,
        U.NORMAL,
        "{asset}号河长公示牌二维码无法扫描",
        "公示牌更新时发现{asset}号公示牌二维码褪色，无法扫描。",
        "sign",
        4,
        Life.ASSIGNED,
    ),
    Case(
        S.OFFICE,
        C.GARBAGE,
        U.NORMAL,
        "清四乱专项行动：{river}{reach}陈年垃圾",
        "“清四乱”专项行动排查发现{river}{reach}有陈年垃圾、煤渣堆积。",
        "reach",
        (4, 15),
        Life.CLOSED,
    ),
    Case(
        S.OFFICE,
        C.DUMPING,
        U.NORMAL,
        "{river}{reach}下游交界处堆放渣土",
        "巡查发现{river}{reach}下游交界处河坡堆放渣土，需核实属地后清理。",
        "reach",
        70,
        Life.VOIDED_NOT_OURS,
    ),
    Case(
        S.OFFICE,
        C.OCCUPATION,
        U.NORMAL,
        "{river}{reach}岸边堆放杂物占用河道",
        "河长办抽查发现{river}{reach}沿岸商户堆放杂物，占用河道管理范围。",
        "reach",
        15,
        Life.AWAITING,
    ),
)

# What the office makes of each finding the demo patrols record (demo.patrols.FINDINGS).
FINDING_TICKETS: dict[str, tuple[str, str]] = {
    "河道内有漂浮垃圾": (C.GARBAGE, U.NORMAL),
    "岸边有建筑垃圾堆放": (C.DUMPING, U.NORMAL),
    "河坡有生活垃圾": (C.GARBAGE, U.NORMAL),
    "排污口有异味": (C.OUTFALL, U.NORMAL),
    "排污口有污水直排": (C.POLLUTION, U.URGENT),
    "河道内有水葫芦等水生植物疯长": (C.FLOOD_OBSTRUCTION, U.NORMAL),
    "岸边有违规种植，侵占河道": (C.OCCUPATION, U.NORMAL),
    "护栏破损，存在安全隐患": (C.BANK_DAMAGE, U.URGENT),
    "河长公示牌字迹模糊，需更新": (C.OTHER, U.NORMAL),
    "有人在危险河段垂钓": (C.OTHER, U.NORMAL),
    "河道内发现死鱼": (C.POLLUTION, U.URGENT),
}
# Now and then the office judges a finding one level more urgent than usual.
MORE_URGENT = {U.NORMAL: U.URGENT, U.URGENT: U.CRITICAL, U.CRITICAL: U.CRITICAL}
MORE_URGENT_CHANCE = 0.08

# Departments the office hands some issues to rather than a community.
UNITS = {
    C.POLLUTION: "区生态环境分局",
    C.OUTFALL: "区生态环境分局",
    C.MINING: "区水利局",
    C.CONSTRUCTION: "区城市管理执法局",
    C.BANK_DAMAGE: "区水利局",
}
UNIT_CHANCE = 0.4
CHIEF_CHANCE = 0.3

ASSIGN_COMMENTS = (
    "请于整改时限内整改到位，并上传整改后照片。",
    "请责任单位立即组织整改，按期反馈。",
    "已列入问题清单，请限期整改销号。",
)
START_COMMENTS = ("已安排人员现场整改。", "已组织人员、机械进场处理。", "已现场核实，正在整改。")
SUBMIT_COMMENTS = {
    C.GARBAGE: "已清理垃圾约{n}方，现场恢复整洁。",
    C.DUMPING: "已清运建筑垃圾{n}车，并设立警示牌。",
    C.OCCUPATION: "已清除占用物，恢复河道管理范围。",
    C.CONSTRUCTION: "违建已拆除，建筑垃圾已清运。",
    C.MINING: "已回填采砂坑，会同派出所加强夜间巡查。",
    C.POLLUTION: "已封堵直排点位，污水接入市政管网。",
    C.OUTFALL: "已完成排口整治并补设标识牌。",
    C.BANK_DAMAGE: "已完成修复加固，安装防护网{n}0米。",
    C.FLOOD_OBSTRUCTION: "已清淤疏通，过水通畅。",
    C.OTHER: "已处理完毕。",
}
ACCEPT_COMMENTS = ("现场复核整改到位，同意销号。", "经验收合格，予以销号。")
REJECT_COMMENTS = (
    "现场复核：整改不彻底，岸边仍有残留，请继续整改。",
    "整改后照片与现场不符，请重新整改并上传照片。",
)
REMIND_BEFORE = "整改时限将至，请抓紧整改并及时上报。"
REMIND_AFTER = "已超过整改时限，请尽快整改到位。"
ESCALATE_COMMENT = "逾期未整改，下发督办单，限{deadline:%Y年%m月%d日}前整改到位。"
REFER_COMMENT = "涉及管网改造和拆除，社区一时无法整改，提请街道党工委会议研究解决。"
REFER_DECIDED = "提请街道党工委会议研究，会议明确由街道牵头整改，限期完成。"
VOID_DUPLICATE = "经核实，与此前已登记的同一点位问题重复，并入原问题办理。"
VOID_NOT_OURS = "现场核实：堆土点位于交界线以外，属邻街道管辖，已移交对方河长办。"


@dataclass
class _Spec:
    """An issue to write: what it is, where, when it was found, and how its life should go."""

    source: str
    category: str
    urgency: str
    title: str
    description: str
    reach: Reach
    lat: Decimal | None
    lon: Decimal | None
    reported_at: datetime.datetime
    life: str
    finding: Finding | None = None


@dataclass
class _Street:
    """What one street's issues need: its plan (for places), its logins, its community chiefs."""

    plan: StreetPlan
    office: User
    chief_logins: dict[int, User]  # by Chief pk
    region_logins: dict[int, User]  # by the community a chief login answers for
    community_chiefs: dict[int, list[Chief]]  # by region pk, every term of the post


@dataclass
class _Written:
    """Times to put back once the services have run: per issue, one per event in order."""

    times: dict[int, list[datetime.datetime]] = field(default_factory=dict)
    # (photo, time, index of the event it belongs to or None)
    photos: list[tuple[IssuePhoto, datetime.datetime, int | None]] = field(default_factory=list)
    closed: dict[int, datetime.datetime] = field(default_factory=dict)
    voided: dict[int, datetime.datetime] = field(default_factory=dict)


# --- Entry point -------------------------------------------------------------------------------


def build_issues(*, streets: Sequence[StreetPlan], today: datetime.date, seed: str) -> int:
    """Write a year of issues for ``streets``, which must have just been written along with
    their patrols and the demo logins; returns how many issues were written."""
    tz = timezone.get_current_timezone()
    end_of_today = datetime.datetime.combine(
        today + datetime.timedelta(days=1), datetime.time(), tz
    )
    # Nothing can have happened after now, whatever day the demo is built for.
    cutoff = min(timezone.now(), end_of_today)
    calendar = WorkCalendar()
    written = 0
    for plan in streets:
        street = _street(plan)
        if street is None:
            continue  # no login may act in the street: no timeline could be genuine
        rng = random.Random(f"{seed}-issues-{plan.number}")  # noqa: S311 - repeatable demo  # nosec B311
        specs = _casebook_specs(plan, rng, today=today, tz=tz)
        specs += _patrol_specs(plan, rng, today=today, tz=tz)
        specs.sort(key=lambda spec: spec.reported_at)  # codes then number issues as found
        out = _Written()
        for spec in specs:
            if spec.reported_at < cutoff:
                _Life(spec, street, out, rng=rng, calendar=calendar, cutoff=cutoff).run()
        _backdate(out)
        written += len(out.times)
    return written


# --- Who acts ----------------------------------------------------------------------------------


def _street(plan: StreetPlan) -> _Street | None:
    office = (
        User.objects.filter(role=Role.OFFICE, region=plan.street, is_active=True)
        .order_by("pk")
        .first()
    )
    if office is None:
        # Streets added for load tests have no office login: the county's admin acts for them.
        office = (
            User.objects.filter(
                Q(role=Role.ADMIN, region=plan.street.parent_id) | Q(is_superuser=True),
                is_active=True,
            )
            .order_by("pk")
            .first()
        )
    if office is None:
        return None
    ids = [chief.pk for chief in plan.chiefs]
    logins = User.objects.filter(role=Role.CHIEF, is_active=True, chief__in=ids).select_related(
        "chief"
    )
    community_chiefs: dict[int, list[Chief]] = defaultdict(list)
    # Read back rather than taken from the plan: the replacement step relieved one of them.
    for chief in Chief.objects.filter(pk__in=ids, role=ChiefRole.COMMUNITY_CHIEF):
        community_chiefs[chief.region_id].append(chief)
    return _Street(
        plan=plan,
        office=office,
        chief_logins={user.chief_id: user for user in logins},
        region_logins={user.chief.region_id: user for user in logins},
        community_chiefs=community_chiefs,
    )


def _serving_chief(street: _Street, region_id: int, day: datetime.date) -> Chief | None:
    for chief in street.community_chiefs.get(region_id, ()):
        if chief.appointed_on <= day and (chief.relieved_on is None or day <= chief.relieved_on):
            return chief
    return None


def _assignee(spec: _Spec, street: _Street, rng: random.Random, day: datetime.date) -> dict:
    if spec.category in UNITS and rng.random() < UNIT_CHANCE:
        return {"unit": UNITS[spec.category]}
    chief = _serving_chief(street, spec.reach.region.pk, day)
    if chief is not None and rng.random() < CHIEF_CHANCE:
        return {"chief": chief}
    return {"region": spec.reach.region}


def _rectifier(issue: Issue, street: _Street) -> User:
    """The login that starts and submits the work: the chief's own where the chief has one,
    else the office records it on their behalf (as it does for departments)."""
    if issue.assignee_chief_id in street.chief_logins:
        return street.chief_logins[issue.assignee_chief_id]
    if issue.assignee_region_id in street.region_logins:
        return street.region_logins[issue.assignee_region_id]
    return street.office


# --- What and when -----------------------------------------------------------------------------


def _local(day: datetime.date, minutes: int, tz: datetime.tzinfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60), tz)


def _case_day(when: int | tuple[int, int], today: datetime.date) -> datetime.date:
    if isinstance(when, int):
        return today - datetime.timedelta(days=when)
    month, day = when
    # The latest such date that leaves the case a few days to move on.
    date = datetime.date(today.year, month, day)
    return date if date <= today - datetime.timedelta(days=3) else date.replace(year=today.year - 1)


def _jitter(value: Decimal, rng: random.Random) -> Decimal:
    return (value + Decimal(f"{rng.uniform(-0.0005, 0.0005):.6f}")).quantize(Decimal("0.000001"))


def _place(plan: StreetPlan, place: str, rng: random.Random) -> tuple[Reach, Decimal, Decimal, str]:
    """(reach, lat, lon, asset name) of a spot of the given kind on the street."""
    if place == "outfall":
        asset = rng.choice(plan.outfalls)
        return asset.reach, asset.lat, asset.lon, asset.name
    if place == "sign":
        asset = rng.choice(plan.signs)
        return asset.reach, asset.lat, asset.lon, asset.code
    if place in FacilityKind.values:
        asset = rng.choice([f for f in plan.facilities if f.kind == place])
        return asset.reach, asset.lat, asset.lon, asset.name
    # Somewhere along a reach: near one of its signs, which stand along it.
    sign = rng.choice(plan.signs)
    return sign.reach, _jitter(sign.lat, rng), _jitter(sign.lon, rng), ""


def _casebook_specs(
    plan: StreetPlan, rng: random.Random, *, today: datetime.date, tz: datetime.tzinfo
) -> list[_Spec]:
    specs = []
    for case in CASEBOOK:
        reach, lat, lon, asset = _place(plan, case.place, rng)
        names = {
            "river": reach.river.name,
            "reach": reach.name,
            "asset": asset,
            "lat": f"{lat:.4f}",
            "lon": f"{lon:.4f}",
        }
        day = _case_day(case.when, today)
        specs.append(
            _Spec(
                source=case.source,
                category=case.category,
                urgency=case.urgency,
                title=case.title.format(**names),
                description=case.description.format(**names),
                reach=reach,
                lat=lat,
                lon=lon,
                reported_at=_local(day, rng.randint(*OFFICE_HOURS), tz),
                life=case.life,
            )
        )
    return specs


def _patrol_life(age_days: int, rng: random.Random) -> str:
    """Most tickets are fixed and closed; some stall, a few fail acceptance or are escalated.
    Escalation needs a deadline long past, so only older tickets get it."""
    if age_days <= 20:
        return rng.choices((Life.CLOSED, Life.AWAITING, Life.RECTIFYING), (8, 1, 1))[0]
    lives = (
        Life.CLOSED,
        Life.REJECTED,
        Life.RECTIFYING,
        Life.ASSIGNED,
        Life.ESCALATED_CLOSED,
        Life.ESCALATED_OPEN,
    )
    weights = (82, 5, 5, 1, 5, 2) if age_days > 60 else (76, 5, 7, 2, 5, 5)
    return rng.choices(lives, weights)[0]


def _patrol_specs(
    plan: StreetPlan, rng: random.Random, *, today: datetime.date, tz: datetime.tzinfo
) -> list[_Spec]:
    wanted = PATROL_ISSUES_FIRST_STREET if plan.number == 1 else PATROL_ISSUES_OTHER_STREET
    findings = list(
        Finding.objects.filter(
            patrol__chief__in=[chief.pk for chief in plan.chiefs],
            # A walk of today may still be under way as far as the office knows.
            patrol__started_on__lt=today,
        )
        .select_related("patrol__reach__region", "patrol__reach__river")
        .order_by("patrol__started_at", "pk")
    )
    if not findings:
        return _made_up_patrol_specs(plan, rng, today=today, tz=tz)
    specs = []
    for finding in rng.sample(findings, min(wanted, len(findings))):
        category, urgency = FINDING_TICKETS.get(finding.description, (C.OTHER, U.NORMAL))
        if rng.random() < MORE_URGENT_CHANCE:
            urgency = MORE_URGENT[urgency]
        patrol = finding.patrol
        specs.append(
            _Spec(
                source=S.PATROL,
                category=category,
                urgency=urgency,
                title=finding.description,
                description=finding.description,
                reach=patrol.reach,
                lat=finding.lat,
                lon=finding.lon,
                reported_at=patrol.started_at,
                life=_patrol_life((today - patrol.started_on).days, rng),
                finding=finding,
            )
        )
    return specs


def _made_up_patrol_specs(
    plan: StreetPlan, rng: random.Random, *, today: datetime.date, tz: datetime.tzinfo
) -> list[_Spec]:
    """Patrol issues with no patrol behind them, for a demo built without its patrols."""
    specs = []
    for _ in range(PATROL_ISSUES_WITHOUT_FINDINGS):
        description, (category, urgency) = rng.choice(list(FINDING_TICKETS.items()))
        reach, lat, lon, _asset = _place(plan, "reach", rng)
        age = rng.randint(20, 300)
        day = today - datetime.timedelta(days=age)
        specs.append(
            _Spec(
                source=S.PATROL,
                category=category,
                urgency=urgency,
                title=description,
                description=description,
                reach=reach,
                lat=lat,
                lon=lon,
                reported_at=_local(day, rng.randint(*OFFICE_HOURS), tz),
                life=_patrol_life(age, rng),
            )
        )
    return specs


# --- One issue's life --------------------------------------------------------------------------


class _Stop(Exception):
    """The next step would fall after the present: the issue stays where it is."""


class _Life:
    """Takes one issue through its steps with the services, keeping the time each happened."""

    def __init__(
        self,
        spec: _Spec,
        street: _Street,
        out: _Written,
        *,
        rng: random.Random,
        calendar: WorkCalendar,
        cutoff: datetime.datetime,
    ) -> None:
        self.spec, self.street, self.out = spec, street, out
        self.rng, self.calendar, self.cutoff = rng, calendar, cutoff
        self.tz = timezone.get_current_timezone()
        self.issue: Issue
        self.times: list[datetime.datetime] = []

    # Time keeping.

    @property
    def at(self) -> datetime.datetime:
        return self.times[-1]

    @property
    def day(self) -> datetime.date:
        return timezone.localdate(self.at)

    def _working_day(self, lo: int, hi: int, after: datetime.date | None = None) -> datetime.date:
        return self.calendar.add_working_days(after or self.day, self.rng.randint(lo, hi))

    def _time_on(self, day: datetime.date) -> datetime.datetime:
        """A moment in office hours on ``day``, or shortly after the last step if that is later:
        a timeline never runs backwards."""
        at = _local(day, self.rng.randint(*OFFICE_HOURS), self.tz)
        if at <= self.at:
            at = self.at + datetime.timedelta(minutes=self.rng.randint(5, 90))
        if at > self.cutoff:
            raise _Stop
        return at

    # Steps.

    def _act(self, user: User, action: str, day: datetime.date, **kwargs) -> None:
        at = self._time_on(day)
        self.issue = issue_act(issue_id=self.issue.pk, user=user, action=action, **kwargs)
        self.times.append(at)

    def _photo(self, user: User, stage: str, at: datetime.datetime, event: int | None) -> None:
        photo = issue_photo_add(
            issue=self.issue, user=user, image=_jpeg(self.rng, at, stage), stage=stage
        )
        self.out.photos.append((photo, at, event))

    def _submit(self, user: User, day: datetime.date) -> None:
        at = self._time_on(day)
        # Photographed on site a little before the work was reported done.
        taken = max(at - datetime.timedelta(minutes=self.rng.randint(10, 120)), self.at)
        self._photo(user, PhotoStage.AFTER, taken, event=len(self.times))
        comment = SUBMIT_COMMENTS[self.spec.category].format(n=self.rng.randint(2, 12))
        self.issue = issue_act(issue_id=self.issue.pk, user=user, action="submit", comment=comment)
        self.times.append(at)

    def _nearing(self, deadline: datetime.date) -> datetime.date | None:
        """The working day the office chases a deadline a few days off, unless the work began
        too close to it for a reminder to make sense."""
        day = self.calendar.add_working_days(deadline - datetime.timedelta(days=3), 0)
        return day if day > self.day else None

    def _reminders(self, deadline: datetime.date) -> None:
        """催办 as the deadline nears, and again once it has passed, while the issue is open."""
        if nearing := self._nearing(deadline):
            self._act(self.street.office, "remind", nearing, comment=REMIND_BEFORE)
        self._act(
            self.street.office,
            "remind",
            max(self._working_day(2, 5, after=deadline), self.day),
            comment=REMIND_AFTER,
        )

    def _escalate(self) -> datetime.date:
        """督办: a supervision order with a new deadline, a few working days after the old one."""
        day = max(self._working_day(1, 3, after=self.issue.deadline), self.day)
        deadline = self.calendar.add_working_days(day, self.rng.choice((5, 7, 10)))
        self._act(
            self.street.office,
            "escalate",
            day,
            comment=ESCALATE_COMMENT.format(deadline=deadline),
            deadline=deadline,
        )
        return deadline

    def _day_before(self, deadline: datetime.date, late: bool) -> datetime.date:
        """When the work is done: by the deadline, or (late) a few days after it."""
        if late:
            return deadline + datetime.timedelta(days=self.rng.randint(1, 8))
        span = max((deadline - self.day).days, 0)
        return self.day + datetime.timedelta(days=round(span * self.rng.uniform(0.2, 1.0)))

    def _report(self) -> None:
        spec, office = self.spec, self.street.office
        if spec.finding is not None:
            # Opened by the office from the finding once the walk was filed.
            self.issue, _new = finding_issue_open(
                user=office, finding=spec.finding, category=spec.category, urgency=spec.urgency
            )
            at = spec.finding.patrol.ended_at + datetime.timedelta(
                minutes=self.rng.randint(20, 240)
            )
        else:
            self.issue = issue_report(
                user=office,
                title=spec.title,
                description=spec.description,
                category=spec.category,
                source=spec.source,
                urgency=spec.urgency,
                reach=spec.reach,
                lat=spec.lat,
                lon=spec.lon,
                reported_at=spec.reported_at,
            )
            at = spec.reported_at + datetime.timedelta(minutes=self.rng.randint(5, 40))
        self.times.append(min(at, self.cutoff))
        if spec.source == S.MAP_PATCH:
            # The verification photos taken on site (影像资料) go with the report.
            self._photo(office, PhotoStage.BEFORE, self.at, event=0)

    def run(self) -> None:
        self._report()
        with contextlib.suppress(_Stop):
            self._live()
        self.out.times[self.issue.pk] = self.times
        if self.issue.status == IssueStatus.CLOSED:
            self.out.closed[self.issue.pk] = self.at
        if self.issue.status == IssueStatus.VOIDED:
            self.out.voided[self.issue.pk] = self.at

    def _live(self) -> None:
        spec, office, life, rng = self.spec, self.street.office, self.spec.life, self.rng
        if life == Life.FRESH:
            return
        if life == Life.VOIDED_DUPLICATE:
            # Seen as a duplicate when the office sorts the day's reports: never assigned.
            self._act(
                office,
                "void",
                self._working_day(0, 1),
                reason=VoidReason.DUPLICATE,
                comment=VOID_DUPLICATE,
            )
            return
        day = self._working_day(0, 1)
        self._act(
            office,
            "assign",
            day,
            assignee=_assignee(spec, self.street, rng, day),
            comment=rng.choice(ASSIGN_COMMENTS),
        )
        deadline = self.issue.deadline
        if life == Life.ASSIGNED:
            self._reminders(deadline)
            return
        if life == Life.VOIDED_NOT_OURS:
            self._act(
                office,
                "void",
                self._working_day(1, 3),
                reason=VoidReason.NOT_OURS,
                comment=VOID_NOT_OURS,
            )
            return
        rectifier = _rectifier(self.issue, self.street)
        self._act(rectifier, "start", self._working_day(0, 2), comment=rng.choice(START_COMMENTS))
        if life in (Life.REFERRED_OPEN, Life.REFERRED_CLOSED):
            day = self._working_day(2, 5)
            if life == Life.REFERRED_OPEN:
                self._act(office, "refer", day, comment=REFER_COMMENT)
                self._reminders(deadline)
                return
            # The committee gives the street a month's working days to do it.
            deadline = self.calendar.add_working_days(day, 20)
            self._act(office, "refer", day, comment=REFER_DECIDED, deadline=deadline)
        if life == Life.RECTIFYING:
            self._reminders(deadline)
            return
        if life in (Life.ESCALATED_OPEN, Life.ESCALATED_CLOSED):
            if nearing := self._nearing(deadline):
                self._act(office, "remind", nearing, comment=REMIND_BEFORE)
            deadline = self._escalate()
            if life == Life.ESCALATED_OPEN:
                self._reminders(deadline)
                return
        if life == Life.AWAITING:
            # A quick fix the office has not yet checked: submitted by yesterday at the latest,
            # so the present never cuts it short of its status.
            yesterday = timezone.localdate(self.cutoff) - datetime.timedelta(days=1)
            self._submit(rectifier, min(self._working_day(1, 3), max(yesterday, self.day)))
            return
        late = life == Life.CLOSED and rng.random() < 0.15
        self._submit(rectifier, self._day_before(deadline, late))
        if life == Life.REJECTED:
            self._act(
                office, "reject", self._working_day(1, 2), comment=rng.choice(REJECT_COMMENTS)
            )
            self._submit(rectifier, self.day + datetime.timedelta(days=rng.randint(2, 6)))
        self._act(office, "accept", self._working_day(1, 3), comment=rng.choice(ACCEPT_COMMENTS))


# --- Photos and times --------------------------------------------------------------------------


def _jpeg(rng: random.Random, at: datetime.datetime, stage: str) -> ContentFile:
    """A tiny picture of a bank above water, dated by EXIF as a phone would (a few hundred
    bytes: the demo needs files that open, not scenery)."""
    water = (rng.randint(40, 80), rng.randint(90, 130), rng.randint(120, 170))
    bank = (rng.randint(70, 120), rng.randint(120, 170), rng.randint(50, 90))
    if stage == PhotoStage.BEFORE:
        bank = (rng.randint(110, 150), rng.randint(95, 125), rng.randint(70, 95))  # bare earth
    image = Image.new("RGB", (64, 48), water)
    image.paste(bank, (0, 0, 64, rng.randint(14, 26)))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "RiverChiefDemo"
    local = timezone.localtime(at)
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = f"{local:%Y:%m:%d %H:%M:%S}"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=60, exif=exif)
    return ContentFile(buffer.getvalue(), name=f"{stage}.jpg")


def _backdate(out: _Written) -> None:
    """Put back the times the services stamped as 'now': each event, photo and sign-off then
    reads when it happened."""
    if not out.times:
        return
    events = list(
        IssueEvent.objects.filter(issue_id__in=list(out.times)).order_by("issue_id", "id")
    )
    by_issue: dict[int, list[IssueEvent]] = defaultdict(list)
    for event in events:
        by_issue[event.issue_id].append(event)
    for issue_id, times in out.times.items():
        issue_events = by_issue[issue_id]
        if len(issue_events) != len(times):
            raise RuntimeError(f"issue {issue_id}: {len(issue_events)} events, {len(times)} times")
        for event, at in zip(issue_events, times, strict=True):
            event.at = at
    IssueEvent.objects.bulk_update(events, ["at"], batch_size=BATCH_SIZE)

    photos = []
    for photo, at, event_index in out.photos:
        photo.uploaded_at = at
        if event_index is not None:
            photo.event = by_issue[photo.issue_id][event_index]
        photos.append(photo)
    IssuePhoto.objects.bulk_update(photos, ["uploaded_at", "event"], batch_size=BATCH_SIZE)

    closed = [Issue(pk=pk, closed_at=at) for pk, at in out.closed.items()]
    Issue.objects.bulk_update(closed, ["closed_at"], batch_size=BATCH_SIZE)
    voided = [Issue(pk=pk, voided_at=at) for pk, at in out.voided.items()]
    Issue.objects.bulk_update(voided, ["voided_at"], batch_size=BATCH_SIZE)
    # Each deadline in the history was set by a step of the timeline, and dates from it.
    deadlines = list(
        IssueDeadline.objects.filter(issue_id__in=list(out.times), event__isnull=False)
    )
    at_of = {event.pk: event.at for event in events}
    for row in deadlines:
        row.set_at = at_of[row.event_id]
    IssueDeadline.objects.bulk_update(deadlines, ["set_at"], batch_size=BATCH_SIZE)
    _backdate_orders(list(out.times))
    _backdate_notifications(by_issue)


def _backdate_orders(issue_ids: list[int]) -> None:
    """A supervision order is dated by its escalation, and numbered in its own year's series
    (督办〔2025〕3号), as if it had been issued then."""
    orders = list(SupervisionOrder.objects.filter(issue_id__in=issue_ids).select_related("event"))
    if not orders:
        return
    for order in orders:
        order.issued_at = order.event.at
    series: dict[tuple[int, int], list[SupervisionOrder]] = defaultdict(list)
    for order in sorted(orders, key=lambda order: (order.issued_at, order.pk)):
        series[order.street_id, timezone.localtime(order.issued_at).year].append(order)
    # Out of the way first: the new numbers may be ones another order holds right now.
    SupervisionOrder.objects.filter(pk__in=[order.pk for order in orders]).update(
        serial=F("serial") + RENUMBER_OFFSET
    )
    for (street_id, year), numbered in series.items():
        taken = (
            SupervisionOrder.objects.filter(street_id=street_id, year=year)
            .exclude(pk__in=[order.pk for order in orders])
            .count()
        )
        for serial, order in enumerate(numbered, start=taken + 1):
            order.year, order.serial = year, serial
            order.number = f"督办〔{year}〕{serial}号"
        SupervisionOrderSequence.objects.update_or_create(
            street_id=street_id, year=year, defaults={"last": taken + len(numbered)}
        )
    SupervisionOrder.objects.bulk_update(
        orders, ["issued_at", "year", "serial", "number"], batch_size=BATCH_SIZE
    )


def _backdate_notifications(by_issue: dict[int, list[IssueEvent]]) -> None:
    """Each notice the workflow sent reads the time of the action that sent it (its dedup key
    names the event: ``event:<id>:user:<id>``)."""
    times = {f"event:{event.pk}": event.at for events in by_issue.values() for event in events}
    notices = list(Notification.objects.filter(issue_id__in=list(by_issue)).select_related("issue"))
    for notice in notices:
        event_key = ":".join(notice.dedup_key.split(":")[:2])
        notice.created_at = times.get(event_key, notice.created_at)
        # The office has read an "awaiting acceptance" notice it has acted on since (accepted
        # or sent back): its bell counts the rectifications still waiting.
        if (
            notice.kind == NotificationKind.AWAITING_ACCEPTANCE
            and notice.issue.status != IssueStatus.AWAITING_ACCEPTANCE
        ):
            notice.read_at = notice.created_at + datetime.timedelta(hours=1)
    Notification.objects.bulk_update(notices, ["created_at", "read_at"], batch_size=BATCH_SIZE)
