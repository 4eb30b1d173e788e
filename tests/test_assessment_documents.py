"""A published assessment round's Excel ledger and PDF, through the one document pipeline: the
files hold the round's literal scores in rank order, a draft has none, another region's office
cannot have them, and building twice makes one set of files.

The round is written by hand (not computed): 清水街道, 2025 Q3, scheme 河长季度考核 (巡河率 weight
60 target 90, 问题整改率 weight 40 target 80), scores as test_assessment.py's quarter ends:

    rank  name  巡河率 %  points  整改率 %  points  adj.   score   days
    1     甲    100.00    60.00   100.00    40.00   -5.00  95.00   92
    2     乙     75.00    50.00    75.00    37.50    0.00  87.50   92
    3     丙     40.00    26.67    —         40.00    0.00  66.67   92
    —     丁     —        60.00    —         40.00    0.00  100.00  20 (未满30天，不参与排名)

and one adjustment: 甲 -5 "迟报巡河记录".
"""

import datetime
import io
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from core.documents import build
from core.pdf import cjk_font_families
from reports.assessment_documents import ASSESSMENT_DOCUMENTS, JOBS
from reports.models import (
    AssessmentAdjustment,
    AssessmentRound,
    AssessmentRoundDocument,
    AssessmentScheme,
    AssessmentScore,
)

from . import factories
from .browser import launch, needs_browser, sync_api, wait_until
from .conftest import make_account

pytestmark = pytest.mark.usefixtures("media_root")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLE = "清水街道 2025年第3季度 河长考核结果"


class World:
    pass


def _breakdown(patrol, patrol_points, resolution, resolution_points):
    return [
        {"key": "patrol_rate", "value": patrol, "points": patrol_points},
        {"key": "resolution_rate", "value": resolution, "points": resolution_points},
    ]


@pytest.fixture
def world(db) -> World:
    w = World()
    county = factories.CountyFactory(name="示例区", code="990000")
    w.street = factories.StreetFactory(parent=county, name="清水街道", code="990001")
    other_street = factories.StreetFactory(parent=county, name="别的街道", code="990002")
    community = factories.CommunityFactory(parent=w.street, name="东村", code="990001001")
    w.office = make_account(Role.OFFICE, w.street)
    w.office.first_name = "王办"
    w.office.save()
    w.leader = make_account(Role.LEADER, w.street)
    w.other_office = make_account(Role.OFFICE, other_street)
    chief = factories.ChiefFactory(name="甲", region=community)
    w.chief_account = make_account(Role.CHIEF, community, chief=chief)
    w.scheme = AssessmentScheme.objects.create(
        name="河长季度考核",
        subject="chief",
        period="quarter",
        criteria=[
            {"key": "patrol_rate", "weight": 60, "target": 90},
            {"key": "resolution_rate", "weight": 40, "target": 80},
        ],
    )
    w.round = AssessmentRound.objects.create(
        scheme=w.scheme,
        region=w.street,
        year=2025,
        period=3,
        status="published",
        computed_at=timezone.now(),
        published_at=timezone.make_aware(datetime.datetime(2025, 10, 8, 10)),
    )
    # Written out of rank order: the files put them in order.
    for subject_id, name, breakdown, adjustment, score, rank, days in (
        (4, "丁", _breakdown(None, 60.0, None, 40.0), "0", "100.00", None, 20),
        (3, "丙", _breakdown(40.0, 26.67, None, 40.0), "0", "66.67", 3, 92),
        (1, "甲", _breakdown(100.0, 60.0, 100.0, 40.0), "-5", "95.00", 1, 92),
        (2, "乙", _breakdown(75.0, 50.0, 75.0, 37.5), "0", "87.50", 2, 92),
    ):
        AssessmentScore.objects.create(
            round=w.round,
            subject_id=subject_id,
            name=name,
            breakdown=breakdown,
            adjustment=Decimal(adjustment),
            score=Decimal(score),
            rank=rank,
            served_days=days,
        )
    AssessmentAdjustment.objects.create(
        round=w.round,
        subject_id=1,
        points=Decimal("-5"),
        reason="迟报巡河记录",
        created_by=w.office,
    )
    return w


def _built(api, w) -> AssessmentRoundDocument:
    response = api.as_user(w.office).post(f"/api/v1/assessment-rounds/{w.round.pk}/documents/")
    assert response.status_code == 202, response.content
    build(ASSESSMENT_DOCUMENTS, w.round.pk)
    return AssessmentRoundDocument.objects.get(pk=w.round.pk)


needs_fonts = pytest.mark.skipif(not cjk_font_families(), reason="no Chinese font installed")


@needs_fonts
def test_the_ledger_holds_the_literal_scores_in_rank_order(api, world):
    w = world
    document = _built(api, w)
    assert document.status == "done", document.error
    response = api.as_user(w.office).get(f"/api/v1/assessment-rounds/{w.round.pk}/xlsx/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["考核结果", "加减分明细"]
    sheet = book["考核结果"]
    assert sheet["A1"].value.startswith(TITLE)
    assert "考核方案：河长季度考核" in sheet["A2"].value
    assert "2025年7月1日至2025年9月30日" in sheet["A2"].value
    assert sheet["A3"].value == "考核指标：巡河率 权重60分 目标值90%；问题整改率 权重40分 目标值80%"
    assert "不参与排名" in sheet["A4"].value
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5, max_row=9)]
    assert rows == [
        [
            "排名",
            "河长",
            "巡河率（%）",
            "巡河率得分",
            "问题整改率（%）",
            "问题整改率得分",
            "加减分",
            "得分",
            "任职天数",
            "备注",
        ],
        [1, "甲", 100, 60, 100, 40, -5, 95, 92, None],
        [2, "乙", 75, 50, 75, 37.5, 0, 87.5, 92, None],
        [3, "丙", 40, 26.67, "—", 40, 0, 66.67, 92, None],
        ["—", "丁", "—", 60, "—", 40, 0, 100, 20, "未满30天，不参与排名"],
    ]
    assert sheet.max_row == 9
    assert sheet.freeze_panes == "A6"
    assert sheet["C6"].number_format == "0.00"

    adjustments = book["加减分明细"]
    assert adjustments["A1"].value.startswith("清水街道 加减分明细（2025年第3季度 河长考核结果）")
    header = [cell.value for cell in adjustments[2]]
    assert header == ["考核对象", "分值", "理由", "登记人", "登记时间"]
    assert [cell.value for cell in adjustments[3]][:4] == ["甲", -5, "迟报巡河记录", "王办"]


@needs_fonts
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) missing")
def test_the_pdf_names_every_subject_with_its_score_in_rank_order(api, world, tmp_path):
    w = world
    _built(api, w)
    response = api.as_user(w.leader).get(f"/api/v1/assessment-rounds/{w.round.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "round.pdf"
    path.write_bytes(b"".join(response.streaming_content))
    text = subprocess.run(  # noqa: S603
        [shutil.which("pdftotext"), "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "清水街道 2025年第3季度 河长考核结果" in text
    lines = [line.split() for line in text.splitlines()]
    rows = {line[1]: line for line in lines if len(line) > 2 and line[1] in "甲乙丙丁"}
    assert rows["甲"] == ["1", "甲", "100.00", "60.00", "100.00", "40.00", "-5.00", "95.00", "92"]
    assert rows["乙"] == ["2", "乙", "75.00", "50.00", "75.00", "37.50", "0.00", "87.50", "92"]
    assert rows["丙"] == ["3", "丙", "40.00", "26.67", "—", "40.00", "0.00", "66.67", "92"]
    assert rows["丁"] == ["—", "丁", "—", "60.00", "—", "40.00", "0.00", "100.00", "20"]
    order = [text.index(f" {name} ") for name in "甲乙丙丁"]
    assert order == sorted(order)
    assert "丁：未满30天，不参与排名" in text
    assert "迟报巡河记录" in text
    assert "清水街道河长制办公室" in text and "2025年10月8日" in text


def test_a_draft_round_has_no_documents(api, client, world):
    w = world
    AssessmentRound.objects.filter(pk=w.round.pk).update(status="draft", published_at=None)
    office = api.as_user(w.office)
    response = office.post(f"/api/v1/assessment-rounds/{w.round.pk}/documents/")
    assert response.status_code == 409
    assert response.json()["detail"] == "考核结果尚未发布，发布后才能导出Excel和PDF。"
    assert office.get(f"/api/v1/assessment-rounds/{w.round.pk}/xlsx/").status_code == 409
    assert office.get(f"/api/v1/assessment-rounds/{w.round.pk}/").json()["documents"] is None
    client.force_login(w.office)
    page = client.get(f"/reports/assessment/{w.round.pk}/").content.decode()
    assert "导出Excel" not in page
    response = client.post(f"/reports/assessment/{w.round.pk}/documents/", follow=True)
    assert "考核结果尚未发布，发布后才能导出Excel和PDF。" in response.content.decode()
    assert not AssessmentRoundDocument.objects.exists()


def test_a_published_round_is_only_asked_for_not_downloaded_before_its_files(api, world):
    w = world
    response = api.as_user(w.office).get(f"/api/v1/assessment-rounds/{w.round.pk}/pdf/")
    assert response.status_code == 409
    assert response.json()["detail"] == "考核结果文件尚未生成，请先提交生成。"


@needs_fonts
def test_another_regions_office_cannot_have_the_files(api, client, world):
    w = world
    _built(api, w)
    other = api.as_user(w.other_office)
    for path in ("", "xlsx/", "pdf/", "documents/"):
        url = f"/api/v1/assessment-rounds/{w.round.pk}/{path}"
        answer = other.post(url) if path == "documents/" else other.get(url)
        assert answer.status_code == 404, url
    client.force_login(w.other_office)
    for path in ("status/", "xlsx/", "pdf/"):
        assert client.get(f"/documents/assessment-round/{w.round.pk}/{path}").status_code == 404
    assert client.post(f"/reports/assessment/{w.round.pk}/documents/").status_code == 404
    # A chief's account is refused the kind outright.
    client.force_login(w.chief_account)
    assert client.get(f"/documents/assessment-round/{w.round.pk}/xlsx/").status_code == 403
    # The office of the round's street has them at the pipeline's own addresses too.
    client.force_login(w.office)
    answer = client.get(f"/documents/assessment-round/{w.round.pk}/xlsx/")
    assert answer.status_code == 200 and answer["Content-Type"] == XLSX


@needs_fonts
def test_building_twice_gives_one_set_of_files(
    api, world, media_root, django_capture_on_commit_callbacks
):
    w = world
    with django_capture_on_commit_callbacks(execute=False) as sent:
        first = _built(api, w)
    assert len(sent) == 1  # one message to a worker
    with django_capture_on_commit_callbacks(execute=False) as sent:
        response = api.as_user(w.office).post(f"/api/v1/assessment-rounds/{w.round.pk}/documents/")
    assert response.status_code == 202
    assert len(sent) == 0  # done: nothing sent again
    assert build(ASSESSMENT_DOCUMENTS, w.round.pk) is None  # nothing to build
    again = AssessmentRoundDocument.objects.get(pk=w.round.pk)
    assert (again.xlsx.name, again.pdf.name, again.finished_at) == (
        first.xlsx.name,
        first.pdf.name,
        first.finished_at,
    )
    assert AssessmentRoundDocument.objects.count() == 1
    stored = sorted(p.name for p in (Path(media_root) / "assessment").iterdir())
    assert stored == [f"round-{w.round.pk}.pdf", f"round-{w.round.pk}.xlsx"]
    body = response.json()["documents"]
    assert body["status"] == "done"
    assert body["xlsx"].endswith(f"/api/v1/assessment-rounds/{w.round.pk}/xlsx/")
    assert body["pdf"].endswith(f"/api/v1/assessment-rounds/{w.round.pk}/pdf/")


@needs_fonts
def test_the_round_page_asks_follows_and_links_the_files(api, client, world):
    w = world
    client.force_login(w.office)
    url = f"/reports/assessment/{w.round.pk}/"
    page = client.get(url).content.decode()
    assert "导出Excel" in page and "导出PDF" in page
    assert "data-status-url" not in page
    assert f'action="/reports/assessment/{w.round.pk}/documents/"' in page
    response = client.post(f"/reports/assessment/{w.round.pk}/documents/", {"file": "xlsx"})
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    # Queued: the page follows the build and reloads when it ends.
    assert f'data-status-url="/documents/assessment-round/{w.round.pk}/status/"' in page
    assert "data-reload-when-done" in page
    status = client.get(f"/documents/assessment-round/{w.round.pk}/status/").json()
    assert (status["status"], status["xlsx_url"], status["pdf_url"]) == ("pending", None, None)
    build(ASSESSMENT_DOCUMENTS, w.round.pk)
    page = client.get(url).content.decode()
    assert "data-status-url" not in page
    assert f'href="/documents/assessment-round/{w.round.pk}/xlsx/"' in page
    assert f'href="/documents/assessment-round/{w.round.pk}/pdf/"' in page
    status = client.get(f"/documents/assessment-round/{w.round.pk}/status/").json()
    assert status["xlsx_url"] == f"/documents/assessment-round/{w.round.pk}/xlsx/"


def test_the_rounds_list_reads_the_documents_in_a_fixed_number_of_queries(
    api, world, django_assert_max_num_queries
):
    w = world
    for year in (2021, 2022, 2023, 2024):
        round_ = AssessmentRound.objects.create(
            scheme=w.scheme, region=w.street, year=year, period=1, status="published"
        )
        AssessmentRoundDocument.objects.create(round=round_)
    office = api.as_user(w.office)
    with django_assert_max_num_queries(8):
        response = office.get("/api/v1/assessment-rounds/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 5
    assert sorted(str(row["documents"] and row["documents"]["status"]) for row in rows) == [
        "None",
        "pending",
        "pending",
        "pending",
        "pending",
    ]


def _build_in_thread(pk: int) -> None:
    try:
        build(ASSESSMENT_DOCUMENTS, pk)
    finally:
        connection.close()


@needs_fonts
@needs_browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_round_page_follows_the_build_in_a_browser_and_fits_a_phone(
    live_server, world, monkeypatch
):
    """导出Excel queues the files; the page polls the status and, once a worker (here the test)
    has built them, reloads with both download links; no horizontal scroll at 360 or 1366 px."""
    w = world
    # No message to a worker (the tests' Celery would build at once): the test is the worker.
    monkeypatch.setattr(JOBS, "send", lambda pk: None)
    client = Client()
    client.force_login(w.office)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    url = f"{live_server.url}/reports/assessment/{w.round.pk}/"
    widths = {}
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            for width in (360, 1366):
                context = browser.new_context(
                    viewport={"width": width, "height": 800}, locale="zh-CN"
                )
                context.add_cookies(
                    [
                        {
                            "name": settings.SESSION_COOKIE_NAME,
                            "value": session,
                            "url": live_server.url,
                        }
                    ]
                )
                page = context.new_page()
                assert page.goto(url).status == 200
                if width == 360:
                    page.get_by_role("button", name="导出Excel").click()
                    page.wait_for_selector("[data-status-url]")
                    # As a worker would, in a thread of its own (Playwright's loop runs here).
                    with ThreadPoolExecutor(1) as worker:
                        worker.submit(_build_in_thread, w.round.pk).result()
                    # The polling script sees it done and reloads the page with the links.
                    # Both links, not one then a look at the other: the reload may come between.
                    wait_until(
                        page,
                        "!!document.querySelector('a[data-role=xlsx]:not([hidden])')"
                        " && !!document.querySelector('a[data-role=pdf]:not([hidden])')"
                        " && !document.querySelector('[data-status-url]')",
                    )
                    assert page.locator("a[data-role=pdf]").is_visible()
                    assert page.locator("[data-status-url]").count() == 0
                widths[width] = page.evaluate("() => document.documentElement.scrollWidth")
                context.close()
        finally:
            browser.close()
    assert widths[360] <= 360 and widths[1366] <= 1366, widths
