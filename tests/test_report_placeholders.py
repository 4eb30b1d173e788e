# ruff: noqa: S608 - the raw SQL is assembled from this file's own constant fragments.
"""Every placeholder of seed 000 and every figure phrase of seed 001, filled from the demo street's
records: the annual 2026 report (running: as of today) and the Q3 2026 report of 东风街道, built
through the real pipeline (reports.documents.build_documents), say what the records say.

"Right" is computed here from the records by raw SQL (or plain Python over raw rows), never by
reports.statistics or reports.figures. Where the report rightly leaves a sentence out (no record
shows the work), the test asserts it is absent.

Seed 000's 52 `*` and how each is checked (P = period: [date_from, as_of]; "serving" = appointed on
or before the day and not relieved before it; the street = 东风街道 and its communities):
  1, 2   *街道 (twice)           the title and the opening name 东风街道
  3      更新了*个公示牌          distinct signs of the street with a sign update dated in P
  4, 5   街级每旬*次、社级每周*次   the rule rows in force on as_of, per role: label + period
  39     每周不少于*次            (the same weekly rule of community chiefs)
  6      对发现的*个问题           issues reported in P, voided ones excepted
  7      *家企事业单位            sum of publicity events' units in P
  8      在*、小游园…             the places named are the most used places of P's events (<= 3)
  9      *次宣传活动              publicity events in P
  10-12  横幅*条、标语*条、宣传单*份  sums over P's publicity events
  13-18  对*左岸*段*处、*、*、*条洪道  the reaches with a chief's valid patrol in P: their count
                                 ("等N个河段"), each named one is one of them; the flood channels
                                 among their rivers ("N条洪道")
  19     污水处理厂*家            sewage plants on those reaches
  20     发现问题*（巡河）         issues found in P with source patrol
  21     列出清单任务*个           issues found in P with an assign event before as_of's end
  22     *个排污口                distinct outfalls with a check dated in P
  23     截止*月底                "截至12月<today>日" for the running year, "截至9月底" for Q3
  24     完成巡河*人              distinct general/street/community chiefs of the street (never
                                 cleaners) with a valid patrol in P made while serving
  25     *人次                   valid patrols in P by those roles made while serving (never
                                 cleaners' rounds, never invalid patrols)
  26     发现问题*个              (= 6)
  27     已经整改的有*个           issues found in P and closed before as_of's end
  28-30  *个雨水/城镇生活污水/工业排口  distinct outfalls checked in P, per kind
  31-33  *座便民桥、*条过水路面、*个过水涵洞  distinct facilities checked in P, per kind
  34     发现问题*处              facility checks in P with result "problem"
  35, 36 督促*社区，*社区整改        regions of those checks' issues closed before as_of's end
  37     联合*派出所警长           units of police chiefs taking part in an inspection dated in P;
                                 the livestock/slaughterhouse words only for topics recorded
  38     清理河道垃圾*吨           sum of cleanups' garbage_t in P
  40, 41 清四乱 累计*处、*方        sum of points and m3 of campaign four_disorders cleanups alone
  42-46  4月份*处*方；*月份*处*方   the two busiest campaign months (by m3), each month's sums
  47-51  参与人员*人次、车辆*辆次、防护网*米、警示牌*面、条幅*个  sums over P's cleanups
  52     居民群众*人（工作打算）     the office's own plans text, printed as written
Seed 001's figure phrases: 主要河流/洪道 (rivers of the street by kind), chiefs per level (posts
filled on as_of: a community chief replaced on 1 July counts once), 社会监督员, 全覆盖 (only when
every reach has a serving chief), 督查*次/反馈问题*处 (inspections other than joint checks),
巡河*次, *人次, *吨, the superiors' and procuratorate's issues (named by title and place, never by
code, with the months they were reported and closed); and the figures the portal adds: meetings,
巡河率 and the chiefs short of their rule (recomputed here from the rule rows and the patrols),
resolution, overdue issues (with the deadline in force on as_of), volunteers and venues.
"""

import datetime
import json
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from reports import documents
from reports.models import Report, ReportKind
from tests.report_text import plain_text

from .documents import demo_street
from .test_report_seed import pdf_text

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = timezone.localdate()
YEAR = 2026
PATROLLING = ("general_chief", "street_chief", "community_chief")
ROLE_LABELS = {
    "general_chief": "总河长",
    "street_chief": "街级河长",
    "community_chief": "社区级河长",
    "liaison": "河长联络员",
    "public_supervisor": "社会监督员",
    "cleaner": "保洁员",
    "police_chief": "河道警长",
}
PERIOD_LABELS = {
    "day": "每日",
    "dekad": "每旬",
    "week": "每周",
    "month": "每月",
    "quarter": "每季度",
}
PLANS = "（一）发动街道干部、社区工作者、志愿者及居民群众1200人，全方位做好宣传引导工作。"

pytestmark = pytest.mark.skipif(
    TODAY.year != YEAR, reason="the demo's year of records is the year of today"
)


# --- raw reads ---------------------------------------------------------------------------------


def rows(sql: str, *params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def as_list(value) -> list:
    """A JSON column as read raw (the driver hands jsonb over as text)."""
    return json.loads(value) if isinstance(value, str) else list(value or [])


def one(sql: str, *params):
    return rows(sql, *params)[0][0]


def fmt(value) -> str:
    """A figure as the report writes it exactly: 113.70 -> "113.7", 1150.0 -> "1150"."""
    number = Decimal(str(value or 0))
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def pct(part, whole) -> str:
    rate = min(Decimal(1), Decimal(part) / Decimal(whole)).quantize(
        Decimal("0.0001"), ROUND_HALF_UP
    )
    return fmt((rate * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)) + "%"


def day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)


class Period:
    def __init__(self, street_id: int, date_from: datetime.date, date_to: datetime.date):
        self.street_id = street_id
        self.ids = [
            street_id,
            *[pk for (pk,) in rows("SELECT id FROM rivers_region WHERE parent_id = %s", street_id)],
        ]
        self.date_from, self.date_to = date_from, date_to
        self.as_of = min(date_to, TODAY)
        self.start, self.end = day_start(date_from), day_start(self.as_of + datetime.timedelta(1))

    # every query below: the street's rows, in P
    def q(self, sql: str, *params):
        return rows(sql, self.ids, *params)


# The chiefs' valid patrols while serving (seed placeholders 24, 25): the SQL condition.
COUNTED_PATROL = (
    "p.valid AND c.role IN ('general_chief', 'street_chief', 'community_chief') "
    "AND p.started_on >= c.appointed_on "
    "AND (c.relieved_on IS NULL OR p.started_on <= c.relieved_on)"
)


# --- compliance, recomputed from the rule rows and the patrols ---------------------------------


def bounds(period: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    if period == "day":
        return day, day
    if period == "week":
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=6)
    next_month = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    month_end = next_month - datetime.timedelta(days=1)
    if period == "dekad":
        first = 1 if day.day <= 10 else 11 if day.day <= 20 else 21
        return day.replace(day=first), month_end if first == 21 else day.replace(day=first + 9)
    if period == "month":
        return day.replace(day=1), month_end
    if period == "quarter":
        start = day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
        end = (start.replace(month=start.month + 2, day=28) + datetime.timedelta(days=4)).replace(
            day=1
        ) - datetime.timedelta(days=1)
        return start, end
    raise ValueError(period)


def rule_rows() -> list[dict]:
    return [
        dict(
            zip(
                ("id", "role", "period", "min_count", "months", "valid_from", "valid_to"),
                r,
                strict=True,
            ),
            months=as_list(r[4]),
        )
        for r in rows(
            "SELECT id, role, period, min_count, months, valid_from, valid_to "
            "FROM patrols_patrolrule ORDER BY id"
        )
    ]


def rule_on(rules: list[dict], role: str, day: datetime.date) -> dict | None:
    """The rule of ``role`` in force on ``day`` (a rule naming the month wins)."""
    fitting = [
        r
        for r in rules
        if r["role"] == role
        and r["valid_from"] <= day
        and (r["valid_to"] is None or day <= r["valid_to"])
        and (not r["months"] or day.month in r["months"])
    ]
    fitting.sort(key=lambda r: (not r["months"], r["valid_from"], r["id"]))
    return fitting[0] if fitting else None


def whole_periods(
    rules, role, first_end, last_end
) -> list[tuple[dict, datetime.date, datetime.date]]:
    """Periods of the rule for ``role`` ending in [first_end, last_end], with one rule on all
    their days."""
    found, day = [], first_end - datetime.timedelta(days=92)
    seen = set()
    while day <= last_end:
        rule = rule_on(rules, role, day)
        if rule is not None:
            start, end = bounds(rule["period"], day)
            days = [start + datetime.timedelta(n) for n in range((end - start).days + 1)]
            if (
                first_end <= end <= last_end
                and (start, end) not in seen
                and all(rule_on(rules, role, d) is rule for d in days)
            ):
                seen.add((start, end))
                found.append((rule, start, end))
        day += datetime.timedelta(days=1)
    return found


def compliance(period: Period) -> dict[int, dict]:
    """Per chief (general, street, community chiefs of the street who served in P): periods owed
    (whole, ended before today, served in full) and patrols counted (capped per period)."""
    rules = rule_rows()
    last_end = min(period.as_of, TODAY - datetime.timedelta(days=1))
    chiefs = rows(
        "SELECT c.id, c.name, c.role, r.name, c.appointed_on, c.relieved_on FROM rivers_chief c "
        "JOIN rivers_region r ON r.id = c.region_id WHERE c.region_id = ANY(%s) "
        "AND c.role IN ('general_chief', 'street_chief', 'community_chief') "
        "AND c.appointed_on <= %s AND (c.relieved_on IS NULL OR c.relieved_on >= %s)",
        period.ids,
        period.as_of,
        period.date_from,
    )
    patrol_days = defaultdict(list)
    for chief_id, day in rows(
        "SELECT p.chief_id, p.started_on FROM patrols_patrol p "
        "JOIN rivers_chief c ON c.id = p.chief_id "
        f"WHERE c.region_id = ANY(%s) AND {COUNTED_PATROL}",
        period.ids,
    ):
        patrol_days[chief_id].append(day)
    periods = {role: whole_periods(rules, role, period.date_from, last_end) for role in PATROLLING}
    result = {}
    for chief_id, name, role, region, appointed, relieved in chiefs:
        required = counted = 0
        shortfalls = []
        for rule, start, end in periods[role]:
            if appointed <= start and (relieved is None or relieved >= end):
                done = sum(1 for d in patrol_days[chief_id] if start <= d <= end)
                required += rule["min_count"]
                counted += min(done, rule["min_count"])
                if done < rule["min_count"]:
                    shortfalls.append((start, end, done, rule["min_count"]))
        result[chief_id] = {
            "name": name,
            "role": role,
            "region": region,
            "required": required,
            "counted": counted,
            "shortfalls": shortfalls,
        }
    return result


# --- the demo and its two reports --------------------------------------------------------------


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo street as `manage.py seed_demo` leaves it today, and its annual 2026 and Q3 2026
    reports built by the report job's own function; all rolled back after the module."""
    with demo_street(django_db_blocker, tmp_path_factory, today=TODAY) as street:
        out = {"street": street}
        for key, kind, period, extra in (
            ("annual", ReportKind.ANNUAL, 0, {}),
            ("q3", ReportKind.QUARTERLY, 3, {"plans": PLANS}),
        ):
            report = Report.objects.create(
                region=street, kind=kind, year=YEAR, period=period, **extra
            )
            docs = documents.build_documents(report=report, on_progress=lambda n: None)
            lines = list(plain_text(docs.data["sections"]))
            out[key] = {"docs": docs, "lines": lines, "text": "\n".join(lines)}
        pdf_dir = tmp_path_factory.mktemp("pdf")
        out["annual"]["pdf"] = pdf_text(out["annual"]["docs"].pdf, pdf_dir)
        yield out


@pytest.fixture(params=["annual", "q3"])
def case(request, built, db):
    """One report: its text and the period its figures are counted over."""
    report = built[request.param]
    if request.param == "annual":
        period = Period(built["street"].pk, D(YEAR, 1, 1), D(YEAR, 12, 31))
    else:
        period = Period(built["street"].pk, D(YEAR, 7, 1), D(YEAR, 9, 30))
    return request.param, report["text"], period, report


def line_with(text: str, marker: str) -> str:
    found = [line for line in text.splitlines() if marker in line]
    assert found, f"no sentence with {marker!r}"
    return found[0]


# --- 1, 2: the street -------------------------------------------------------------------------


def test_the_street_is_named(case):
    kind, text, period, _report = case
    name = one("SELECT name FROM rivers_region WHERE id = %s", period.street_id)
    title = text.splitlines()[0]
    assert title.startswith(name)
    assert title == (
        f"{name}{YEAR}年河长制工作总结"
        if kind == "annual"
        else f"{name}{YEAR}年第三季度河长制工作进展情况汇报"
    )
    assert f"{name}紧扣" in text.splitlines()[1]


# --- 23: as of ---------------------------------------------------------------------------------


def test_as_of_says_the_last_day_counted(case):
    kind, text, period, _report = case
    if kind == "annual":
        assert period.as_of == TODAY < period.date_to
        assert f"截至{TODAY.month}月{TODAY.day}日，全年各级河长" in text
        # No "截至N月底" for a year still running (a plan task's "6月底前完成" is no as-of).
        assert not re.search(r"截至\d+月底", text)
    else:
        assert "截至9月底，本季度各级河长" in text
        assert "截至9月30日" not in text


# --- 3: signs updated --------------------------------------------------------------------------


def test_signs_updated(case):
    _kind, text, p, _report = case
    n = p.q(
        "SELECT count(DISTINCT su.sign_id) FROM activities_signupdate su "
        "JOIN rivers_sign s ON s.id = su.sign_id JOIN rivers_reach r ON r.id = s.reach_id "
        "WHERE r.region_id = ANY(%s) AND su.date BETWEEN %s AND %s",
        p.date_from,
        p.as_of,
    )[0][0]
    if n:
        assert f"及时更新了{n}个河长制公示牌" in text
    else:
        assert "公示牌" not in text


# --- 4, 5, 39: the rules in force --------------------------------------------------------------


def test_rules_in_force_on_as_of(case):
    _kind, text, p, _report = case
    rules = rule_rows()
    sentence = line_with(text, "严格落实巡查制度")
    for role in PATROLLING:
        rule = rule_on(rules, role, p.as_of)
        serving = p.q(
            "SELECT count(*) FROM rivers_chief WHERE region_id = ANY(%s) AND role = %s "
            "AND appointed_on <= %s AND (relieved_on IS NULL OR relieved_on >= %s)",
            role,
            p.as_of,
            p.as_of,
        )[0][0]
        phrase = f"{ROLE_LABELS[role]}{PERIOD_LABELS[rule['period']]}至少{rule['min_count']}次"
        assert (phrase in sentence) == bool(serving), phrase
    assert "保洁员" not in sentence  # cleaners' rule is not a patrol rule


# --- 6, 20, 21, 26, 27 and resolution: issues --------------------------------------------------


def issue_counts(p: Period) -> dict[str, int]:
    base = (
        "FROM issues_issue i WHERE i.region_id = ANY(%s) AND i.status <> 'voided' "
        "AND i.reported_at >= %s AND i.reported_at < %s"
    )
    args = (p.start, p.end)
    return {
        "found": p.q(f"SELECT count(*) {base}", *args)[0][0],
        "by_patrol": p.q(f"SELECT count(*) {base} AND i.source = 'patrol'", *args)[0][0],
        "assigned": p.q(
            f"SELECT count(*) {base} AND EXISTS (SELECT 1 FROM issues_issueevent e "
            "WHERE e.issue_id = i.id AND e.action = 'assign' AND e.at < %s)",
            *args,
            p.end,
        )[0][0],
        "found_closed": p.q(f"SELECT count(*) {base} AND i.closed_at < %s", *args, p.end)[0][0],
        "closed": p.q(
            "SELECT count(*) FROM issues_issue i WHERE i.region_id = ANY(%s) "
            "AND i.status = 'closed' AND i.closed_at >= %s AND i.closed_at < %s",
            *args,
        )[0][0],
        "voided": p.q(
            "SELECT count(*) FROM issues_issue i WHERE i.region_id = ANY(%s) "
            "AND i.status = 'voided' AND i.reported_at >= %s AND i.reported_at < %s",
            *args,
        )[0][0],
    }


def test_issues_found_assigned_and_rectified(case):
    _kind, text, p, _report = case
    n = issue_counts(p)
    assert n["found"] > 0
    assert f"对发现的{n['found']}个问题，采用列表装框，明确整改时限" in text
    sentence = line_with(text, "常态化开展巡河")
    expected = f"发现问题{n['found']}个"
    if n["by_patrol"]:
        expected += f"，其中巡河发现{n['by_patrol']}个"
    if n["assigned"]:
        expected += f"，列出清单任务{n['assigned']}个"
    expected += (
        f"，已经整改的有{n['found_closed']}个，问题整改率{pct(n['found_closed'], n['found'])}"
    )
    assert expected in sentence
    earlier = n["closed"] - n["found_closed"]
    if earlier > 0:
        assert f"还整改销号以前发现的问题{earlier}个" in sentence
    else:
        assert "以前发现的" not in sentence
    if n["voided"]:
        # Voided issues count nowhere: the sum with them is not what is printed.
        assert f"发现问题{n['found'] + n['voided']}个" not in text


# --- 7-12 and venues: publicity ----------------------------------------------------------------


def test_publicity(case):
    _kind, text, p, _report = case
    events, units, people, banners, slogans, leaflets = p.q(
        "SELECT count(*), coalesce(sum(units), 0), coalesce(sum(participants), 0), "
        "coalesce(sum(banners), 0), coalesce(sum(slogans), 0), coalesce(sum(leaflets), 0) "
        "FROM activities_publicityevent WHERE region_id = ANY(%s) AND date BETWEEN %s AND %s",
        p.date_from,
        p.as_of,
    )[0]
    assert events > 0
    sentence = line_with(text, "宣传活动")
    assert f"共组织开展{events}次宣传活动" in sentence
    assert (f"发动辖区{units}家企事业单位" in sentence) == bool(units)
    assert (f"参与群众{people}人次" in sentence) == bool(people)
    for phrase, n in ((f"张贴横幅{banners}条", banners), (f"宣传标语{slogans}条", slogans)):
        assert (phrase in sentence) == bool(n), phrase
    assert (f"发放宣传单{leaflets}份" in sentence) == bool(leaflets)
    # The places named: the most used places of the period's events, at most three.
    used = dict(
        p.q(
            "SELECT place, count(*) FROM activities_publicityevent WHERE region_id = ANY(%s) "
            "AND date BETWEEN %s AND %s AND place <> '' GROUP BY place",
            p.date_from,
            p.as_of,
        )
    )
    named = re.search(r"，在(.+?)等地", sentence).group(1).split("、")
    assert len(named) == min(3, len(used))
    assert all(place in used for place in named)
    assert min(used[place] for place in named) >= max(
        [n for place, n in used.items() if place not in named] or [0]
    )
    # 进社区、进企业、进学校: only the kinds of place recorded.
    recorded = set()
    for (venues,) in p.q(
        "SELECT venues FROM activities_publicityevent WHERE region_id = ANY(%s) "
        "AND date BETWEEN %s AND %s",
        p.date_from,
        p.as_of,
    ):
        recorded.update(as_list(venues))
    for code, word in (("community", "进社区"), ("enterprise", "进企业"), ("school", "进学校")):
        assert (word in text) == (code in recorded), word


# --- 13-19: what was patrolled -----------------------------------------------------------------


def test_patrolled_reaches_flood_channels_and_sewage_plants(case):
    _kind, text, p, _report = case
    reaches = p.q(
        "SELECT DISTINCT r.id, r.name, v.name, v.kind FROM patrols_patrol p "
        "JOIN rivers_chief c ON c.id = p.chief_id JOIN rivers_reach r ON r.id = p.reach_id "
        "JOIN rivers_river v ON v.id = r.river_id "
        f"WHERE r.region_id = ANY(%s) AND p.started_on BETWEEN %s AND %s AND {COUNTED_PATROL}",
        p.date_from,
        p.as_of,
    )
    sentence = line_with(text, "定期不定期地进行巡查")
    targets = re.search(r"，对(.+?)定期不定期地进行巡查", sentence).group(1)
    if len(reaches) > 6:
        assert f"等{len(reaches)}个河段" in targets
    named = re.split(r"、", re.sub(r"等\d+个河段.*", "", targets))[:6]
    for piece in named:
        assert any(
            piece.startswith(river) and reach.removeprefix(river).split("（")[0] in piece
            for _pk, reach, river, _kind in reaches
        ), piece
    channels = len({river for _pk, _reach, river, kind in reaches if kind == "flood_channel"})
    assert (f"{channels}条洪道" in targets) == bool(channels)
    plants = one(
        "SELECT count(*) FROM rivers_facility WHERE kind = 'sewage_plant' AND reach_id = ANY(%s)",
        [pk for pk, *_rest in reaches],
    )
    assert (f"污水处理厂{plants}家" in targets) == bool(plants)


# --- 24, 25 and the patrol rate: the chiefs' patrols -------------------------------------------


def test_patrols_are_chiefs_valid_patrols_while_serving(case):
    _kind, text, p, _report = case
    patrols = p.q(
        "SELECT count(*) FROM patrols_patrol p JOIN rivers_chief c ON c.id = p.chief_id "
        "JOIN rivers_reach r ON r.id = p.reach_id WHERE r.region_id = ANY(%s) "
        f"AND p.started_on BETWEEN %s AND %s AND {COUNTED_PATROL}",
        p.date_from,
        p.as_of,
    )[0][0]
    everything = p.q(
        "SELECT count(*), count(*) FILTER (WHERE c.role = 'cleaner'), "
        "count(*) FILTER (WHERE NOT p.valid) FROM patrols_patrol p "
        "JOIN rivers_chief c ON c.id = p.chief_id JOIN rivers_reach r ON r.id = p.reach_id "
        "WHERE r.region_id = ANY(%s) AND p.started_on BETWEEN %s AND %s",
        p.date_from,
        p.as_of,
    )[0]
    # The demo has cleaners' rounds and invalid patrols in the period: the check discriminates.
    assert everything[1] > 0 and everything[2] > 0
    sentence = line_with(text, "各级河长累计有效巡河")
    assert f"各级河长累计有效巡河{patrols}次" in sentence
    chiefs = p.q(
        "SELECT count(DISTINCT c.id) FROM rivers_chief c "
        "JOIN patrols_patrol p ON p.chief_id = c.id "
        "WHERE c.region_id = ANY(%s) AND p.started_on BETWEEN %s AND %s "
        f"AND {COUNTED_PATROL}",
        p.date_from,
        p.as_of,
    )[0][0]
    cleaners = p.q(
        "SELECT count(DISTINCT c.id) FROM rivers_chief c "
        "JOIN patrols_patrol p ON p.chief_id = c.id "
        "WHERE c.region_id = ANY(%s) AND c.role = 'cleaner' AND p.valid "
        "AND p.started_on BETWEEN %s AND %s",
        p.date_from,
        p.as_of,
    )[0][0]
    assert cleaners > 0
    assert f"完成巡河{chiefs}人" in sentence
    owed = compliance(p)
    required = sum(row["required"] for row in owed.values())
    counted = sum(row["counted"] for row in owed.values())
    assert f"巡河率{pct(counted, required)}" in sentence


def test_chiefs_short_of_their_rule(case):
    _kind, text, p, _report = case
    owed = compliance(p)
    short = {cid: row for cid, row in owed.items() if row["counted"] < row["required"]}
    if not short:
        assert "有巡河周期未达到制度要求" not in text
        return
    sentence = line_with(text, "有巡河周期未达到制度要求")
    assert f"{len(short)}名河长有巡河周期未达到制度要求" in sentence
    named = re.findall(
        r"([^、，如]+?)（([^，（]+?)(总河长|街级河长|社区级河长)，应巡(\d+)次，计入(\d+)次）",
        sentence,
    )
    assert named
    for name, region, role_label, required, counted in named:
        match = [
            row
            for row in short.values()
            if row["name"] == name
            and row["region"] == region
            and ROLE_LABELS[row["role"]] == role_label
        ]
        assert match, name
        assert (int(required), int(counted)) == (match[0]["required"], match[0]["counted"]), name


# --- 22, 28-30: outfalls -----------------------------------------------------------------------


def test_outfalls_checked_by_kind(case):
    _kind, text, p, _report = case
    by_kind = dict(
        p.q(
            "SELECT o.kind, count(DISTINCT o.id) FROM rivers_outfall o "
            "JOIN rivers_reach r ON r.id = o.reach_id JOIN activities_outfallcheck oc "
            "ON oc.outfall_id = o.id WHERE r.region_id = ANY(%s) AND oc.date BETWEEN %s AND %s "
            "GROUP BY o.kind",
            p.date_from,
            p.as_of,
        )
    )
    if not by_kind:
        assert "入河排污口进行实地查看" not in text
        return
    sentence = line_with(text, "入河排污口进行实地查看")
    for kind, label in (
        ("rain", "雨水排口"),
        ("domestic", "城镇生活污水排口"),
        ("industrial", "工业排口"),
    ):
        assert (f"{by_kind.get(kind, 0)}个{label}" in sentence) == bool(by_kind.get(kind)), label
    assert f"共{sum(by_kind.values())}个入河排污口" in sentence


# --- 31-36: flood-season facility checks -------------------------------------------------------


def test_facilities_checked_problems_and_who_rectified(case):
    _kind, text, p, _report = case
    by_kind = dict(
        p.q(
            "SELECT f.kind, count(DISTINCT f.id) FROM rivers_facility f "
            "JOIN rivers_reach r ON r.id = f.reach_id JOIN activities_facilitycheck fc "
            "ON fc.facility_id = f.id WHERE r.region_id = ANY(%s) AND fc.date BETWEEN %s AND %s "
            "GROUP BY f.kind",
            p.date_from,
            p.as_of,
        )
    )
    assert by_kind
    sentence = line_with(text, "汛期期间")
    for kind, template in (
        ("footbridge", "{}座便民桥"),
        ("ford", "{}条过水路面"),
        ("culvert", "{}个过水涵洞"),
    ):
        n = by_kind.get(kind, 0)
        assert (template.format(n) in sentence) == bool(n), kind
    plants = by_kind.get("sewage_plant", 0)
    assert (f"实地查看污水处理厂{plants}家" in sentence) == bool(plants)
    problems = p.q(
        "SELECT count(*) FROM activities_facilitycheck fc JOIN rivers_facility f "
        "ON f.id = fc.facility_id JOIN rivers_reach r ON r.id = f.reach_id "
        "WHERE r.region_id = ANY(%s) AND fc.date BETWEEN %s AND %s AND fc.result = 'problem'",
        p.date_from,
        p.as_of,
    )[0][0]
    rectified = sorted(
        name
        for (name,) in p.q(
            "SELECT DISTINCT g.name FROM activities_facilitycheck fc JOIN rivers_facility f "
            "ON f.id = fc.facility_id JOIN rivers_reach r ON r.id = f.reach_id "
            "JOIN issues_issue i ON i.id = fc.issue_id JOIN rivers_region g ON g.id = i.region_id "
            "WHERE r.region_id = ANY(%s) AND fc.date BETWEEN %s AND %s AND fc.result = 'problem' "
            "AND i.status = 'closed' AND i.closed_at < %s",
            p.date_from,
            p.as_of,
            p.end,
        )
    )
    if problems:
        assert f"发现问题{problems}处" in sentence
        if rectified:
            said = re.search(r"督促(.+?)进行了整改", sentence).group(1).split("、")
            assert sorted(said) == rectified
        else:
            assert "督促" not in sentence
    else:
        assert "未发现安全隐患" in sentence


# --- 37: the joint check with the police -------------------------------------------------------


def test_police_sentence_only_with_a_recorded_joint_check(case):
    _kind, text, p, _report = case
    checks = p.q(
        "SELECT i.id, i.topics, c.unit FROM activities_inspection i "
        "JOIN activities_inspection_participants ip ON ip.inspection_id = i.id "
        "JOIN rivers_chief c ON c.id = ip.chief_id WHERE i.region_id = ANY(%s) "
        "AND c.role = 'police_chief' AND i.date BETWEEN %s AND %s",
        p.date_from,
        p.as_of,
    )
    if not checks:
        assert "派出所" not in text and "畜禽养殖" not in text
        return
    sentence = line_with(text, "河道警长对辖区河洪道进行排查")
    units = {unit for _i, _t, unit in checks if unit}
    assert all(unit in sentence for unit in units)
    assert sentence.index("街道河长联合") < sentence.index("河道警长")
    topics = {topic for _i, recorded, _u in checks for topic in as_list(recorded)}
    for code, word in (
        ("livestock", "畜禽养殖业"),
        ("slaughterhouse", "屠宰行业"),
        ("garbage", "垃圾倾倒"),
        ("occupation", "乱占乱建"),
    ):
        assert (word in sentence) == (code in topics), word


# --- 38, 40-51 and volunteers: cleanups --------------------------------------------------------


def test_cleanups_and_the_four_disorders_campaign_apart(case):
    _kind, text, p, _report = case
    sums = (
        "count(*), coalesce(sum(points), 0), coalesce(sum(garbage_t), 0), "
        "coalesce(sum(garbage_m3), 0)"
    )
    where = "FROM activities_cleanup WHERE region_id = ANY(%s) AND date BETWEEN %s AND %s"
    n, points, tonnes, cubic = p.q(f"SELECT {sums} {where}", p.date_from, p.as_of)[0]
    people, volunteers, vehicles, net, signs, banners = p.q(
        "SELECT coalesce(sum(participants), 0), coalesce(sum(volunteers), 0), "
        "coalesce(sum(vehicles), 0), coalesce(sum(net_m), 0), coalesce(sum(warning_signs), 0), "
        f"coalesce(sum(banners), 0) {where}",
        p.date_from,
        p.as_of,
    )[0]
    sentence = line_with(text, "共开展清理行动")
    assert (
        f"共开展清理行动{n}次，累计清理垃圾点位{points}处，清理河道垃圾{fmt(tonnes)}吨" in sentence
    )
    assert f"清理垃圾{fmt(cubic)}方。" in sentence
    for phrase, value in (
        (f"参与人员{people}人次", people),
        (f"其中志愿者{volunteers}人次", volunteers),
        (f"出动车辆{vehicles}辆次", vehicles),
        (f"安装防护网{fmt(net)}米", net),
        (f"设立警示牌{signs}面", signs),
        (f"悬挂条幅{banners}个", banners),
    ):
        assert (phrase in sentence) == bool(value), phrase
    assert ("志愿者" in sentence) == bool(volunteers)

    c_n, c_points, _c_t, c_cubic = p.q(
        f"SELECT {sums} {where} AND campaign = 'four_disorders'", p.date_from, p.as_of
    )[0]
    if not c_n:
        assert "专项行动" not in sentence
        return
    campaign = (
        f"开展了河洪道“清四乱”专项行动{c_n}次，累计清理垃圾{c_points}处，清理垃圾{fmt(c_cubic)}方"
    )
    assert campaign in sentence
    assert (c_points, c_cubic) != (points, cubic)  # the campaign alone, not every cleanup
    months = {
        month.month: (pts, m3)
        for month, pts, m3 in p.q(
            "SELECT date_trunc('month', date)::date, sum(points), sum(garbage_m3) "
            f"{where} AND campaign = 'four_disorders' GROUP BY 1",
            p.date_from,
            p.as_of,
        )
        if pts or m3
    }
    named = re.findall(r"(\d+)月份清理垃圾点位(\d+)处，清理垃圾([\d.]+)方", sentence)
    if len(months) > 1:
        assert len(named) == 2
        for month, pts, m3 in named:
            assert months[int(month)] == (int(pts), Decimal(m3)), month
        busiest = sorted(m3 for _pts, m3 in months.values())[-2:]
        assert sorted(Decimal(m3) for _m, _p, m3 in named) == busiest
    else:
        assert not named


# --- seed 001: rivers, chiefs per level, supervisors, coverage, inspections, meetings ----------


def test_rivers_chiefs_and_coverage(case):
    kind, text, p, _report = case
    sentence = line_with(text, "构建治水责任体系")
    kinds = dict(
        p.q(
            "SELECT v.kind, count(*) FROM rivers_river v WHERE v.region_id = ANY(%s) OR EXISTS "
            "(SELECT 1 FROM rivers_reach r WHERE r.river_id = v.id AND r.region_id = ANY(%s)) "
            "GROUP BY v.kind",
            p.ids,
        )
    )
    channels = kinds.get("flood_channel", 0)
    assert f"对辖区内{sum(kinds.values()) - channels}条主要河流、{channels}条洪道" in sentence
    reaches = p.q("SELECT count(*) FROM rivers_reach WHERE region_id = ANY(%s)")[0][0]
    assert f"划分河段{reaches}个" in sentence
    posts = dict(
        p.q(
            "SELECT role, count(*) FROM rivers_chief WHERE region_id = ANY(%s) "
            "AND appointed_on <= %s AND (relieved_on IS NULL OR relieved_on >= %s) GROUP BY role",
            p.as_of,
            p.as_of,
        )
    )
    for role, label in ROLE_LABELS.items():
        if role == "public_supervisor":
            continue
        assert (f"{label}{posts.get(role, 0)}名" in sentence) == bool(posts.get(role)), role
    # A community chief replaced on 1 July: one post, two persons; the post is counted.
    communities = len(p.ids) - 1
    persons = p.q(
        "SELECT count(*) FROM rivers_chief WHERE region_id = ANY(%s) AND role = 'community_chief' "
        "AND appointed_on <= %s AND (relieved_on IS NULL OR relieved_on >= %s)",
        p.as_of,
        p.date_from,
    )[0][0]
    assert posts["community_chief"] == communities == 8
    if kind == "annual":
        # 邓秀秀 served to 30 June, 蔡兰娟 from 1 July: nine persons, eight posts.
        assert persons == 9 and f"社区级河长{persons}名" not in sentence
    supervisors = posts.get("public_supervisor", 0)
    assert (f"聘请社会监督员{supervisors}名" in text) == bool(supervisors)
    uncovered = p.q(
        "SELECT count(*) FROM rivers_reach r WHERE r.region_id = ANY(%s) AND NOT EXISTS ("
        "SELECT 1 FROM rivers_chief_reaches cr JOIN rivers_chief c ON c.id = cr.chief_id "
        "WHERE cr.reach_id = r.id AND c.role IN ('general_chief', 'street_chief', "
        "'community_chief') AND c.appointed_on <= %s AND (c.relieved_on IS NULL "
        "OR c.relieved_on >= %s))",
        p.as_of,
        p.as_of,
    )[0][0]
    assert ("全覆盖" in text) == (uncovered == 0)
    if uncovered:
        assert f"尚有{uncovered}个河段暂无在任河长" in sentence


def test_inspections_and_meetings(case):
    _kind, text, p, _report = case
    inspections, problems = p.q(
        "SELECT count(*), coalesce(sum(problems_found), 0) FROM activities_inspection "
        "WHERE region_id = ANY(%s) AND date BETWEEN %s AND %s AND inspector <> 'joint'",
        p.date_from,
        p.as_of,
    )[0]
    if inspections:
        assert f"累计督查{inspections}次" in text
        assert (f"反馈问题{problems}处" in text) == bool(problems)
    else:
        assert "累计督查" not in text
    meetings = dict(
        p.q(
            "SELECT kind, count(*) FROM activities_meeting WHERE region_id = ANY(%s) "
            "AND date BETWEEN %s AND %s GROUP BY kind",
            p.date_from,
            p.as_of,
        )
    )
    attendees = p.q(
        "SELECT coalesce(sum(attendees), 0) FROM activities_meeting WHERE region_id = ANY(%s) "
        "AND date BETWEEN %s AND %s",
        p.date_from,
        p.as_of,
    )[0][0]
    work, training = meetings.get("work_meeting", 0), meetings.get("training", 0)
    assert (f"召开河长制工作会议{work}次" in text) == bool(work)
    assert (f"开展河长制培训{training}次" in text) == bool(training)
    if work or training:
        assert (f"参会参训{attendees}人次" in text) == bool(attendees)


# --- seed 001: superiors' and the procuratorate's issues; issues never by code -----------------


def _place(region: str, reach: str | None) -> str:
    """Where prose says an issue is: its reach, after its community unless the reach's name
    already begins with it ("关虎屯社区段", not "关虎屯社区关虎屯社区段")."""
    if not reach:
        return region
    return reach if reach.startswith(region) else f"{region}{reach}"


def test_superior_issues_named_by_title_and_place_never_by_code(case):
    _kind, text, p, _report = case
    codes = [code for (code,) in p.q("SELECT code FROM issues_issue WHERE region_id = ANY(%s)")]
    assert codes
    for code in codes:
        assert code not in text, code
    superior = p.q(
        "SELECT i.title, i.source, g.name, r.name, i.reported_at, i.closed_at, i.status "
        "FROM issues_issue i JOIN rivers_region g ON g.id = i.region_id "
        "LEFT JOIN rivers_reach r ON r.id = i.reach_id WHERE i.region_id = ANY(%s) "
        "AND i.source IN ('superior', 'procuratorate') AND i.status <> 'voided' "
        "AND ((i.reported_at >= %s AND i.reported_at < %s) OR (i.reported_at < %s "
        "AND (i.closed_at IS NULL OR i.closed_at >= %s)))",
        p.start,
        p.end,
        p.start,
        p.start,
    )
    if not superior:
        assert "上级交办" not in text
        return
    sentence = line_with(text, "落实上级交办问题整改")
    closed = [row for row in superior if row[5] is not None and row[5] < p.end]
    if len(superior) > 5:
        assert (
            f"涉及上级交办及检察建议问题{len(superior)}个，已整改销号{len(closed)}个，"
            f"尚未销号{len(superior) - len(closed)}个"
        ) in sentence
    named = re.findall(
        r"(\d+)月，对(检察建议指出的|上级交办的)(.*?)“(.+?)”问题组织整改([^；。]*)", sentence
    )
    assert len(named) == (3 if len(superior) > 5 else len(superior))
    open_rows = len(superior) - len(closed)
    assert sum(1 for *_rest, tail in named if "尚未销号" in tail) == min(open_rows, len(named))
    for month, who, place, title, tail in named:
        row = next(row for row in superior if row[0] == title)
        _t, source, region, reach, reported, closed_at, _status = row
        assert int(month) == reported.astimezone(SHANGHAI).month, title
        assert who == ("检察建议指出的" if source == "procuratorate" else "上级交办的"), title
        assert place == _place(region, reach), title
        if closed_at is not None and closed_at < p.end:
            assert tail == f"，{closed_at.astimezone(SHANGHAI).month}月完成整改销号", title
        else:
            assert tail.endswith("尚未销号"), title


# --- overdue issues: with the deadline in force on as_of ---------------------------------------


def _in_force(history, own, day):
    """The deadline in force on ``day``: the last set on or before it, else the issue's own."""
    set_by_then = [d for on, d in history if on <= day]
    return set_by_then[-1] if set_by_then else own


def test_overdue_issues(case):
    _kind, text, p, _report = case
    history = defaultdict(list)
    for issue_id, set_at, deadline in p.q(
        "SELECT h.issue_id, h.set_at, h.deadline FROM issues_issuedeadline h "
        "JOIN issues_issue i ON i.id = h.issue_id WHERE i.region_id = ANY(%s) "
        "ORDER BY h.set_at, h.id"
    ):
        history[issue_id].append((set_at.astimezone(SHANGHAI).date(), deadline))
    overdue_now, ever = [], 0
    for issue_id, title, region, reach, own, reported, closed in p.q(
        "SELECT i.id, i.title, g.name, r.name, i.deadline, i.reported_at, i.closed_at "
        "FROM issues_issue i JOIN rivers_region g ON g.id = i.region_id "
        "LEFT JOIN rivers_reach r ON r.id = i.reach_id "
        "WHERE i.region_id = ANY(%s) AND i.status <> 'voided'"
    ):
        reported_on = reported.astimezone(SHANGHAI).date()
        closed_on = closed.astimezone(SHANGHAI).date() if closed else None
        deadline = _in_force(history[issue_id], own, p.as_of)
        if (
            reported_on <= p.as_of
            and (closed_on is None or closed_on > p.as_of)
            and deadline is not None
            and deadline < p.as_of
        ):
            overdue_now.append(((p.as_of - deadline).days, title, _place(region, reach)))
        first, last = max(reported_on, p.date_from), min(closed_on or p.as_of, p.as_of)
        day = first
        while day <= last:
            deadline = _in_force(history[issue_id], own, day)
            if deadline is not None and deadline < day:
                ever += 1
                break
            day += datetime.timedelta(days=1)
    if overdue_now:
        sentence = line_with(text, "超过整改时限未完成整改")
        assert f"仍有{len(overdue_now)}个问题超过整改时限未完成整改" in sentence
        days, title, place = max(overdue_now)
        assert f"其中逾期最久的是{place}“{title}”，已逾期{days}天" in sentence
    else:
        assert "超过整改时限未完成整改" not in text
    if ever > len(overdue_now):
        assert f"共有{ever}个问题曾超过整改时限" in text


# --- 52: the office's own plans; the table; the PDF --------------------------------------------


def test_the_offices_plans_are_printed_as_written(built):
    assert PLANS in built["q3"]["text"]
    assert PLANS not in built["annual"]["text"]


def test_the_table_totals_are_the_sentences_figures(case):
    _kind, text, p, report = case
    total = report["docs"].data["sections"]["table"]["total"]
    n = issue_counts(p)
    patrols = re.search(r"各级河长累计有效巡河(\d+)次", text).group(1)
    assert total[1:4] == [int(patrols), n["found"], n["found_closed"]]


def test_the_pdf_says_what_the_text_says(built):
    pdf = built["annual"]["pdf"]
    for line in built["annual"]["lines"]:
        assert re.sub(r"\s+", "", line) in pdf, line[:40]
    assert f"截至{TODAY.month}月{TODAY.day}日" in pdf
    codes = [code for (code,) in rows("SELECT code FROM issues_issue")]
    assert codes and not any(code in pdf for code in codes)
