"""The annual work report of seed 001, rebuilt from records: the figures the township wrote by hand
(5 main rivers, 1 street chief and 6 community chiefs, 1 public supervisor, 100-odd patrols,
800-odd person-times, 100-odd tonnes) appear in the sentences of the PDF and of the Word file."""

import datetime
import io
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from docx import Document

from accounts.models import Role
from activities.models import Cleanup, Inspection, Inspector, Meeting, MeetingKind, PublicityEvent
from issues.models import Issue, IssueSource, IssueStatus
from reports import documents
from reports.models import Report, ReportKind, Rounding
from reports.statistics import period_bounds, region_statistics
from rivers.models import ChiefRole
from tests.report_text import plain_text

from . import factories
from .conftest import make_account
from .test_patrols import at, make_patrol

D = datetime.date
YEAR = 2022
TITLE = "清河街道2022年河长制工作总结"
PATROLS = 104
# Four cleanups: 812 person-times and 103.5 tonnes in all, as the seed's "800余人次", "100余吨".
CLEANUPS = [
    (D(YEAR, 3, 18), 4, Decimal("30.5"), Decimal("52"), 260),
    (D(YEAR, 4, 12), 6, Decimal("41"), Decimal("70.5"), 302),
    (D(YEAR, 7, 8), 3, Decimal("20"), Decimal("31"), 150),
    (D(YEAR, 10, 20), 2, Decimal("12"), Decimal("18"), 100),
]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install poppler-utils (CI does, see .ci/run)")
    return path


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text as a reader copies it, with no line breaks and no page footers."""
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(  # noqa: S603 (our own command line)
        [_tool("pdftotext"), "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = re.sub(r"\s+", "", text)
    return re.sub(r"—\d+—", "", flat)  # the page numbers, "— 1 —"


def docx_paragraphs(docx: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(docx)).paragraphs if p.text.strip()]


@pytest.fixture
def township(county):
    """A street like seed 001's: 6 communities, 5 main rivers, a year of work in 2022."""
    street = factories.StreetFactory(parent=county, name="清河街道", code="410100900")
    communities = [
        factories.CommunityFactory(parent=street, name=f"{name}社区", code=f"410100900{i:03d}")
        for i, name in enumerate(["东关", "西关", "南街", "北街", "柳园", "桃源"], start=1)
    ]
    rivers = [
        factories.RiverFactory(region=street, name=name)
        for name in ["清河", "沙河", "柳河", "运粮河", "小清河"]
    ]
    reaches = [
        factories.ReachFactory(river=rivers[i % 5], region=community, name=f"{community.name}段")
        for i, community in enumerate(communities)
    ]
    appointed = D(YEAR - 1, 6, 1)
    street_chief = factories.ChiefFactory(
        region=street, role=ChiefRole.STREET_CHIEF, appointed_on=appointed, reaches=reaches
    )
    community_chiefs = [
        factories.ChiefFactory(
            region=reach.region,
            role=ChiefRole.COMMUNITY_CHIEF,
            appointed_on=appointed,
            reaches=[reach],
        )
        for reach in reaches
    ]
    factories.ChiefFactory(
        region=street, role=ChiefRole.PUBLIC_SUPERVISOR, appointed_on=appointed, name="王监督"
    )
    police = factories.ChiefFactory(
        region=street, role=ChiefRole.POLICE_CHIEF, appointed_on=appointed, unit="清河派出所"
    )

    # 104 patrols over the year: the street chief twice a month, the community chiefs in turn.
    patrols = []
    for month in range(1, 13):
        for day in (5, 18):
            patrols.append(make_patrol(street_chief, reaches[month % 6], D(YEAR, month, day)))
    day = D(YEAR, 1, 3)
    while len(patrols) < PATROLS:
        chief = community_chiefs[len(patrols) % 6]
        patrols.append(make_patrol(chief, chief.reaches.first(), day))
        day += datetime.timedelta(days=4)

    for when, points, tonnes, cubic, people in CLEANUPS:
        Cleanup.objects.create(
            date=when,
            title="河道垃圾清理",
            region=street,
            points=points,
            garbage_t=tonnes,
            garbage_m3=cubic,
            participants=people,
            vehicles=5,
            warning_signs=2,
        )
    for when, problems in ((D(YEAR, 5, 10), 5), (D(YEAR, 8, 2), 4), (D(YEAR, 11, 9), 3)):
        Inspection.objects.create(
            date=when,
            title="人大代表巡河督查",
            region=street,
            inspector=Inspector.CONGRESS,
            problems_found=problems,
        )
    # The joint check of the street chief with the police chief the report may speak of.
    joint = Inspection.objects.create(
        date=D(YEAR, 6, 15),
        title="联合排查畜禽养殖和屠宰场所",
        region=street,
        inspector=Inspector.JOINT,
        topics=["livestock", "slaughterhouse"],
    )
    joint.participants.set([street_chief, police])
    Meeting.objects.create(date=D(YEAR, 2, 20), title="河长制工作会议", region=street, attendees=40)
    Meeting.objects.create(
        date=D(YEAR, 3, 2),
        title="河长制培训会",
        region=street,
        kind=MeetingKind.TRAINING,
        attendees=35,
    )
    PublicityEvent.objects.create(
        date=D(YEAR, 3, 22),
        title="世界水日宣传",
        region=street,
        place="清河公园",
        units=6,
        banners=4,
        leaflets=500,
    )

    Issue.objects.create(
        code="QH-2022-001",
        title="河道乱堆垃圾",
        category="dumping",
        source=IssueSource.PROCURATORATE,
        status=IssueStatus.CLOSED,
        region=communities[0],
        reach=reaches[0],
        reported_at=at(D(YEAR, 3, 21)),
        closed_at=at(D(YEAR, 3, 29)),
        deadline=D(YEAR, 4, 10),
    )
    Issue.objects.create(
        code="QH-2022-002",
        title="堤岸坍塌",
        category="bank_damage",
        source=IssueSource.SUPERIOR,
        status=IssueStatus.CLOSED,
        region=communities[1],
        reach=reaches[1],
        reported_at=at(D(YEAR, 7, 4)),
        closed_at=at(D(YEAR, 7, 15)),
        deadline=D(YEAR, 7, 30),
    )
    Issue.objects.create(
        code="QH-2022-003",
        title="河面漂浮物",
        category="garbage",
        source=IssueSource.PATROL,
        status=IssueStatus.RECTIFYING,
        region=communities[2],
        reach=reaches[2],
        reported_at=at(D(YEAR, 11, 2)),
        deadline=D(YEAR, 11, 20),
    )
    return street


def _report(street, rounding=Rounding.APPROXIMATE, **extra) -> Report:
    return Report.objects.create(
        region=street, kind=ReportKind.ANNUAL, year=YEAR, period=0, rounding=rounding, **extra
    )


def _build(report: Report) -> tuple[documents.Documents, list[int]]:
    progress: list[int] = []
    built = documents.build_documents(
        report=report, on_progress=progress.append, issued_on=D(YEAR + 1, 1, 10)
    )
    return built, progress


def test_annual_report_pdf_says_the_seed_figures_in_its_sentences(township, tmp_path):
    built, progress = _build(_report(township))
    assert built.pdf.startswith(b"%PDF")
    text = pdf_text(built.pdf, tmp_path)

    assert text.startswith(TITLE)
    assert "对辖区内5条主要河流全部明确了具体责任人" in text
    assert "落实街级河长1名、社区级河长6名" in text
    assert "聘请社会监督员1名" in text
    assert "全年累计督查3次，反馈问题12处" in text
    assert "街级河长每旬至少1次、社区级河长每周至少1次" in text
    assert "截至12月底，全年各级河长累计有效巡河100余次" in text
    assert "参与人员800余人次" in text
    assert "清理河道垃圾100余吨" in text
    assert "召开河长制工作会议1次、开展河长制培训1次" in text
    assert "发动辖区6家企事业单位" in text and "在清河公园等地" in text
    assert (
        "街道河长联合清河派出所河道警长对辖区河洪道进行排查，重点排查畜禽养殖业、屠宰行业" in text
    )
    # The superior's and the procuratorate's issues, with the months they were dealt with.
    assert "3月，对检察建议指出的东关社区段“河道乱堆垃圾”问题组织整改，3月完成整改销号" in text
    assert "7月，对上级交办的西关社区段“堤岸坍塌”问题" in text
    # One issue is still open and past its deadline: named under the problems.
    assert "仍有1个问题超过整改时限未完成整改" in text and "“河面漂浮物”" in text
    assert "QH-2022-003" not in text  # prose names an issue by title and place, not its code
    for heading in ("一、工作开展情况", "二、存在的问题", "三、下一步工作打算"):
        assert heading in text
    # Zero figures are left out, not printed as nonsense.
    assert "0次宣传" not in text and "宣传标语0" not in text
    # The appendix: the table per community with its total, and the chart's captions.
    assert "附表1" in text and "各社区（村）巡河及问题整改情况" in text
    assert built.data["sections"]["table"]["total"] == ["合计", PATROLS, 3, 2, 1]
    assert "合计" in text and "逾期未整改" in text
    assert "附图1" in text and "巡河（次）" in text

    assert progress == sorted(progress) and progress[0] == 10 and progress[-1] == 95
    assert {30, 40, 85} <= set(progress)


def test_exact_rounding_writes_the_figures_as_they_are(township, tmp_path):
    built, _progress = _build(_report(township, rounding=Rounding.EXACT))
    text = pdf_text(built.pdf, tmp_path)
    assert f"全年各级河长累计有效巡河{PATROLS}次" in text
    assert "参与人员812人次" in text
    assert "清理河道垃圾103.5吨" in text
    assert "100余" not in text


def test_pdf_embeds_a_noto_cjk_font(township, tmp_path):
    built, _progress = _build(_report(township))
    path = tmp_path / "report.pdf"
    path.write_bytes(built.pdf)
    fonts = subprocess.run(  # noqa: S603 (our own command line)
        [_tool("pdffonts"), str(path)], capture_output=True, text=True, check=True
    ).stdout
    cjk = [line for line in fonts.splitlines() if re.search(r"Noto[\w-]*CJK", line)]
    assert cjk, fonts
    assert all(" yes " in line for line in cjk), fonts


def test_report_figures_are_the_stats_api_figures(township, api):
    built, _progress = _build(_report(township))
    office = make_account(Role.OFFICE, township)
    date_from, date_to = period_bounds(kind=ReportKind.ANNUAL, year=YEAR, period=0)
    response = api.as_user(office).get(
        "/api/v1/stats/",
        {"region": township.pk, "date_from": date_from, "date_to": date_to},
    )
    assert response.status_code == 200, response.content
    served = dict(response.json())
    served["region_id"] = served.pop("region")
    served.pop("four_disorders")  # the same campaign figures, grouped as the API names them
    figures = built.data["figures"]
    assert set(served) == set(figures)
    for key, value in served.items():
        if isinstance(value, str) and re.fullmatch(r"-?\d+\.\d+", value):
            assert Decimal(value) == Decimal(figures[key]), key
        else:
            assert value == figures[key], key
    assert figures["patrols"] == PATROLS
    assert Decimal(figures["garbage_t"]) == Decimal("103.5")
    assert figures["cleanup_participants"] == 812
    assert built.data["title"] == TITLE
    assert built.data["date_from"] == "2022-01-01" and built.data["date_to"] == "2022-12-31"


def test_word_file_has_the_same_sentences_as_the_pdf(township, tmp_path):
    built, _progress = _build(_report(township))
    text = pdf_text(built.pdf, tmp_path)
    paragraphs = docx_paragraphs(built.docx)
    lines = list(plain_text(built.data["sections"]))
    assert paragraphs[0] == TITLE
    # Every line of the text is a paragraph of the Word file, in order, and is in the PDF.
    body = [p for p in paragraphs if p in lines]
    assert body == lines
    for line in lines:
        assert re.sub(r"\s+", "", line) in text
    document = Document(io.BytesIO(built.docx))
    table = document.tables[0]
    assert [cell.text for cell in table.rows[0].cells] == [
        "社区（村）",
        "有效巡河",
        "发现问题",
        "已整改",
        "逾期未整改",
    ]
    assert table.rows[-1].cells[0].text == "合计"
    assert table.rows[-1].cells[1].text == str(PATROLS)
    # The chart is a picture (drawn with the same CJK font), not left out.
    assert document.inline_shapes, "the chart image is missing"
    run = document.paragraphs[1].runs[0]
    fonts = run._element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")


def test_office_texts_replace_the_generated_ones(township, tmp_path):
    report = _report(
        township,
        opening="2022年，清河街道在区委的坚强领导下扎实推进河长制工作。",
        problems_note="经费保障不够，河长制工作没有配套专项经费。",
        plans="（一）争取专项经费。\n（二）开展河道清淤。",
    )
    built, _progress = _build(report)
    text = pdf_text(built.pdf, tmp_path)
    assert "在区委的坚强领导下扎实推进河长制工作" in text
    assert "紧扣“绿水青山就是金山银山”" not in text
    assert "经费保障不够，河长制工作没有配套专项经费。" in text
    assert "（一）争取专项经费。（二）开展河道清淤。" in text
    assert "强化宣传，提高认识" not in text


def test_a_period_without_records_still_gives_a_complete_report(township, tmp_path):
    report = Report.objects.create(
        region=township, kind=ReportKind.QUARTERLY, year=YEAR - 3, period=3
    )
    built, _progress = _build(report)
    statistics = region_statistics(region=township, date_from=D(2019, 7, 1), date_to=D(2019, 9, 30))
    assert statistics.patrols == 0 and statistics.cleanups == 0
    title = "清河街道2019年第三季度河长制工作进展情况汇报"
    text = pdf_text(built.pdf, tmp_path)
    assert text.startswith(title)
    for heading in ("一、工作开展情况", "二、存在的问题", "三、下季度工作打算"):
        assert heading in text
    assert "现将2019年第三季度河长制工作进展情况汇报如下：" in text
    assert "本季度尚无河长有效巡河记录" in text
    assert "0次" not in text.split("附表1")[0]
    paragraphs = docx_paragraphs(built.docx)
    assert paragraphs[0] == title
    assert {"一、工作开展情况", "二、存在的问题", "三、下季度工作打算"} <= set(paragraphs)
    headings = [
        p.text
        for p in Document(io.BytesIO(built.docx)).paragraphs
        if p.style.name.startswith("Heading")
    ]
    assert headings[0] == "一、工作开展情况" and "（四）开展河道整治，提升治理水平" in headings


def test_no_chinese_font_is_a_readable_error(township, monkeypatch):
    monkeypatch.setattr(documents, "cjk_font_families", lambda: set())
    with pytest.raises(documents.ReportError, match="fonts-noto-cjk"):
        _build(_report(township))


def test_months_still_to_come_are_not_charted(township, monkeypatch):
    today = timezone.localdate()
    charted = []
    real_svg = documents.chart_svg

    def spy(monthly, **kwargs):
        charted.extend(row["month"] for row in monthly)
        return real_svg(monthly, **kwargs)

    monkeypatch.setattr(documents, "chart_svg", spy)
    report = Report.objects.create(region=township, kind=ReportKind.ANNUAL, year=today.year)
    built, _progress = _build(report)
    assert charted == [f"{today.year}-{month:02d}" for month in range(1, today.month + 1)]
    assert len(built.data["details"]["monthly"]) == 12  # the snapshot keeps the whole year
