"""The words of a work report: figures written exactly or the seeds' way ("800余"), sentences that
leave out zero figures, the office's texts in place of the defaults, titles per kind of report."""

import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.utils import translation

from reports.charts import chart_png, chart_svg, nice_ceiling
from reports.content import (
    ReportSpec,
    approximate,
    compose,
    exact,
    percent,
    report_title,
)
from reports.models import ReportKind, Rounding
from reports.statistics import Details, Statistics
from tests.report_text import plain_text


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def spec(**changes) -> ReportSpec:
    values = {
        "region_name": "东风街道",
        "region_level": "street",
        "kind": ReportKind.ANNUAL,
        "year": 2023,
        "period": 0,
        "rounding": Rounding.EXACT,
        "document_date": datetime.date(2024, 1, 8),
    }
    values.update(changes)
    return ReportSpec(**values)


def text_of(report_spec: ReportSpec, figures=None, details=None) -> str:
    """The text of figures given by name (every other one nothing) and of the lists given."""
    last = datetime.date(report_spec.year, 12, 31)
    details = dict(details or {})
    as_of = details.pop("as_of", last)
    content = compose(
        spec=report_spec,
        figures=Statistics.blank(date_to=last, as_of=as_of, **(figures or {})),
        details=Details(as_of=as_of, running=details.pop("running", False), **details),
    )
    return "\n".join(plain_text(content))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (812, "800余"),
        (104, "100余"),
        (Decimal("103.5"), "100余"),
        ("103.50", "100余"),
        # One significant digit when it keeps 90 % of the figure, else two; under 10, or
        # when rounding changes nothing, exact.
        (187, "180余"),
        (1459, "1400余"),
        (Decimal("75.95"), "70余"),
        (23, "23"),
        (99, "90余"),
        (1234, "1200余"),
        (800, "800"),
        (20, "20"),
        (19, "19"),
        (Decimal("12.50"), "12余"),
        (9, "9"),
        (0, "0"),
    ],
)
def test_approximate_rounds_large_figures_down_with_yu(value, written):
    assert approximate(value) == written


@pytest.mark.parametrize(
    ("value", "written"),
    [(Decimal("103.50"), "103.5"), ("100.00", "100"), (7, "7"), (Decimal("0.25"), "0.25")],
)
def test_exact_trims_decimals(value, written):
    assert exact(value) == written


def test_percent_of_a_rate():
    assert percent("0.9234") == "92.3%"
    assert percent(Decimal(1)) == "100%"


@pytest.mark.parametrize(
    ("kind", "period", "title"),
    [
        (ReportKind.QUARTERLY, 3, "某某街道2023年第三季度河长制工作进展情况汇报"),
        (ReportKind.HALF_YEAR, 1, "某某街道2023年上半年河长制工作进展情况汇报"),
        (ReportKind.ANNUAL, 0, "某某街道2023年河长制工作总结"),
    ],
)
def test_titles_per_kind_of_report(kind, period, title):
    assert report_title(region_name="某某街道", kind=kind, year=2023, period=period) == title


@pytest.mark.parametrize(
    ("kind", "period", "heading", "closing"),
    [
        (ReportKind.QUARTERLY, 2, "三、下季度工作打算", "现将2023年第二季度河长制工作进展情况"),
        (ReportKind.HALF_YEAR, 1, "三、2023年下半年工作打算", "现将2023年上半年河长制工作进展情况"),
        (ReportKind.HALF_YEAR, 2, "三、2024年上半年工作打算", "现将2023年下半年河长制工作进展情况"),
        (ReportKind.ANNUAL, 0, "三、下一步工作打算", "现将2023年河长制工作情况汇报如下："),
    ],
)
def test_plans_heading_and_opening_follow_the_period(kind, period, heading, closing):
    text = text_of(spec(kind=kind, period=period))
    assert heading in text.splitlines()
    assert closing in text


def test_zero_figures_are_left_out_of_the_sentences():
    figures = {
        "publicity_events": 3,
        "publicity_units": 0,
        "banners": 0,
        "slogans": 5,
        "leaflets": 0,
        "cleanups": 2,
        "cleanup_points": 4,
        "garbage_t": "0.00",
        "garbage_m3": "12.50",
        "cleanup_participants": 30,
        "vehicles": 0,
    }
    text = text_of(spec(), figures)
    # No venue recorded: no "进社区、进企业、进学校".
    assert "全年共组织开展3次宣传活动，宣传标语5条，营造" in text
    assert "进社区" not in text
    assert "横幅" not in text.split("宣传活动")[1].split("（三）")[0]
    assert "企事业单位" not in text
    assert "累计清理垃圾点位4处，清理垃圾12.5方。参与人员30人次。" in text
    assert "吨" not in text and "辆次" not in text


def test_no_data_still_reads_as_a_whole_report():
    text = text_of(spec(kind=ReportKind.QUARTERLY, period=1))
    lines = text.splitlines()
    assert lines[0] == "东风街道2023年第一季度河长制工作进展情况汇报"
    for heading in (
        "一、工作开展情况",
        "（一）强化组织领导，凝聚河长制工作合力",
        "（二）加强宣传引导，营造爱河护河氛围",
        "（三）强化河道巡查，确保河长履职真抓真管",
        "（四）开展河道整治，提升治理水平",
        "二、存在的问题",
        "三、下季度工作打算",
    ):
        assert heading in lines
    assert "本季度未登记集中宣传活动" in text
    assert "本季度尚无河长有效巡河记录" in text
    assert "本季度未登记集中清理行动" in text
    assert "但与上级要求相比仍有差距：" in text
    assert "0次" not in text and "0个" not in text and "0名" not in text


def test_approximate_rounding_applies_to_amounts_not_to_counts_of_people_or_rivers():
    figures = {
        "rivers": 25,
        "flood_channels": 3,
        "chiefs": {"street_chief": 21, "community_chief": 36, "public_supervisor": 1},
        "patrols": 1234,
        "patrolling_chiefs": 57,
        "issues_found": 48,
        "issues_found_closed": 45,
        "cleanups": 12,
        "cleanup_participants": 812,
        "garbage_t": "103.50",
    }
    rounded = text_of(spec(rounding=Rounding.APPROXIMATE), figures)
    # No reach is recorded, so the text does not claim every one has its chief.
    assert "对辖区内22条主要河流、3条洪道明确了具体责任人" in rounded
    assert "全覆盖" not in rounded
    assert "落实街级河长21名、社区级河长36名" in rounded
    assert "聘请社会监督员1名" in rounded
    assert "截至12月底，全年各级河长累计有效巡河1200余次，完成巡河57人" in rounded
    assert "发现问题48个，已经整改的有45个" in rounded
    assert "参与人员800余人次" in rounded and "清理河道垃圾100余吨" in rounded
    written = text_of(spec(rounding=Rounding.EXACT), figures)
    assert "全年各级河长累计有效巡河1234次" in written
    assert "参与人员812人次" in written and "清理河道垃圾103.5吨" in written


def test_the_offices_texts_are_used_when_set():
    text = text_of(
        spec(
            opening="今年以来，我街道扎实推进河长制工作。\n\n现将有关情况汇报如下：",
            problems_note="一是经费保障不够。\r\n二是日常监管难度大。",
            plans="（一）争取专项经费。\n（二）发动居民群众300人参与巡河。",
        )
    )
    lines = text.splitlines()
    assert lines[1:3] == ["今年以来，我街道扎实推进河长制工作。", "现将有关情况汇报如下："]
    assert "紧扣“绿水青山就是金山银山”" not in text
    problems = lines[lines.index("二、存在的问题") + 1 : lines.index("三、下一步工作打算")]
    assert problems[-2:] == ["一是经费保障不够。", "二是日常监管难度大。"]
    assert lines[-2:] == ["（一）争取专项经费。", "（二）发动居民群众300人参与巡河。"]


def test_defaults_when_the_office_wrote_nothing():
    text = text_of(spec())
    assert "东风街道紧扣“绿水青山就是金山银山”的理念" in text
    assert "（一）强化宣传，提高认识。" in text
    assert "（四）发挥联动优势，形成治水合力。" in text


def test_problems_come_from_the_data_numbered_like_the_seeds():
    figures = {
        "issues_found": 9,
        "issues_found_closed": 5,
        "issues_overdue": 2,
        "issues_overdue_in_period": 3,
        "chiefs_short": 4,
    }
    details = {
        "as_of": datetime.date(2023, 9, 30),
        "overdue_issues": [
            {"title": "岸边堆放建筑垃圾", "place": "东风社区东风段", "days_overdue": 12},
            {"title": "排污口渗漏", "place": "西湖社区西湖段", "days_overdue": 40},
        ],
        "short_chiefs": [
            {
                "name": "张三",
                "role_label": "社区级河长",
                "region": "东风社区",
                "required": 13,
                "counted": 5,
                "done": 5,
                "rate": "0.3846",
            }
        ],
        "recurring_categories": [{"category": "dumping", "label": "乱堆", "count": 5}],
    }
    text = text_of(spec(kind=ReportKind.QUARTERLY, period=3), figures, details)
    assert "一是问题整改还不够及时。截至9月底，仍有2个问题超过整改时限未完成整改" in text
    # Named by title and place, never by the internal code.
    assert (
        "逾期最久的是西湖社区西湖段“排污口渗漏”，已逾期40天；本季度共有3个问题曾超过整改时限"
        in text
    )
    assert "二是部分河长履职意识不强。4名河长有巡河周期未达到制度要求" in text
    assert "张三（东风社区社区级河长，应巡13次，计入5次）" in text
    assert "三是部分问题反复出现。本季度发现乱堆问题5个" in text
    # The plans then name what to follow up.
    assert "对巡河未达到制度要求的4名河长重点督促" in text
    assert "对逾期未整改的2个问题逐一跟踪督办" in text


def test_a_single_point_is_not_numbered():
    text = text_of(spec(), {"chiefs_short": 1})
    assert "\n部分河长履职意识不强。1名河长有巡河周期未达到制度要求" in text
    assert "一是部分河长" not in text


def test_rules_patrolled_reaches_and_outfalls_in_the_sentences():
    figures = {
        "patrols": 40,
        "outfalls": {"rain": 3, "domestic": 2, "industrial": 0},
        "outfalls_checked": 5,
        "facilities": {"footbridge": 2, "ford": 1, "culvert": 0, "sewage_plant": 0},
        "facility_problems": 2,
    }
    details = {
        "rules": [
            {
                "role": "street_chief",
                "role_label": "街级河长",
                "period_label": "每旬",
                "min_count": 1,
            },
            {
                "role": "community_chief",
                "role_label": "社区级河长",
                "period_label": "每周",
                "min_count": 1,
            },
        ],
        "patrolled_reaches": [
            {"river": f"河{i}", "bank_label": "左岸", "reach": f"第{i}段"} for i in range(1, 9)
        ],
        "flood_channels_patrolled": 2,
        "sewage_plants_patrolled": 1,
        "facility_rectifying_communities": ["东风社区", "西湖社区"],
        "as_of": datetime.date(2023, 6, 30),
    }
    text = text_of(spec(kind=ReportKind.HALF_YEAR, period=1), figures, details)
    assert "严格按照街级河长每旬至少1次、社区级河长每周至少1次的制度巡查河洪道" in text
    assert "对河1左岸第1段、" in text and "等8个河段、2条洪道、污水处理厂1家定期不定期" in text
    assert "截至6月底，上半年各级河长累计有效巡河40次" in text
    assert "对辖区3个雨水排口、2个城镇生活污水排口共5个入河排污口进行实地查看" in text
    assert "工业排口" not in text
    assert "对辖区内2座便民桥、1条过水路面及时进行排查" in text
    assert "发现问题2处，督促东风社区、西湖社区进行了整改" in text


def test_long_lists_are_summed_up_not_written_out():
    # As report_details lists them: the open ones first, then by the day reported.
    superior = [
        {
            "source": "superior" if i % 2 else "procuratorate",
            "title": f"问题{i}",
            "place": f"第{i}社区",
            "reported_on": datetime.date(2023, i, 3),
            "closed_on": datetime.date(2023, i, 20) if i < 6 else None,
            "status_label": "整改中",
        }
        for i in (6, 7, 8, 1, 2, 3, 4, 5)
    ]
    details = {
        "superior_issues": superior,
        "police_units": [f"第{i}派出所" for i in range(1, 6)],
        "patrolled_reaches": [
            {"river": "贾鲁河", "bank": "both", "bank_label": "两岸", "reach": "东风段"},
            {"river": "贾鲁河", "bank": "left", "bank_label": "左岸", "reach": "庙李段（左岸）"},
        ],
        "recurring_categories": [
            {"category": "other", "label": "其他", "count": 9},
            {"category": "dumping", "label": "乱堆", "count": 4},
        ],
    }
    text = text_of(spec(region_level="county", region_name="示范区"), {"patrols": 3}, details)
    assert (
        "全年涉及上级交办及检察建议问题8个，已整改销号5个，尚未销号3个，主要情况如下："
        "6月，对检察建议指出的第6社区“问题6”问题组织整改，目前整改中，尚未销号" in text
    )
    assert "“问题1”" not in text
    # Units named only from recorded joint checks (report_details reads them).
    assert "区级河长联合第1派出所、第2派出所、第3派出所等5个单位河道警长" in text
    assert "对贾鲁河东风段、贾鲁河庙李段（左岸）定期不定期地进行巡查" in text
    assert "全年发现乱堆问题4个，" in text and "其他问题" not in text


def test_chart_svg_is_well_formed_and_escapes_text():
    monthly = [
        {"month": f"2023-{m:02d}", "patrols": m * 3, "issues_found": m % 4, "issues_closed": 1}
        for m in range(1, 13)
    ]
    svg = chart_svg(monthly, title="东风<街道>&")
    root = ET.fromstring(svg)  # noqa: S314 (our own SVG)
    texts = [element.text for element in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "1月" in texts and "12月" in texts and "有效巡河" in texts and "发现问题" in texts
    assert root.get("aria-label") == "东风<街道>&"
    assert len(list(root.iter("{http://www.w3.org/2000/svg}rect"))) == 13  # 12 bars, 1 legend
    assert "Noto Sans CJK SC" in root.get("font-family")
    assert "<script" not in svg and "href" not in svg


def test_chart_png_is_drawn_with_a_chinese_font():
    png = chart_png([{"month": "2023-01", "patrols": 4, "issues_found": 1, "issues_closed": 0}])
    assert png is not None and png.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 5), (3, 5), (9, 10), (104, 125), (256, 300), (812, 1000)]
)
def test_chart_axis_ends_on_a_round_figure(value, ceiling):
    assert nice_ceiling(value) == ceiling
