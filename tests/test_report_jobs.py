"""Work reports as jobs: requested once, built once, retried, failed readably, swept, expired;
the API (202, 400, 403, 409, 410, downloads, text edits, regenerate) and the pages."""

import datetime
import io
import zipfile
from urllib.parse import quote

import pytest
from django.db import OperationalError
from django.utils import timezone

from accounts.models import Role
from core.documents import build, clean_expired
from core.jobs import BUILD_MAX_RETRIES
from core.tasks import build_document
from reports import selectors, services
from reports.documents import Documents, ReportError
from reports.models import Report, ReportKind, ReportStatus, Rounding

from .conftest import make_account
from .documents import stuck

D = datetime.date
TODAY = D(2024, 7, 15)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


pytestmark = pytest.mark.usefixtures("media_root")


@pytest.fixture
def documents(monkeypatch):
    """Stands in for reports.documents.build_documents (tested on its own): records what each
    build read from the row and makes small files named after the report."""
    builds: list[dict] = []

    def build(*, report, on_progress):
        builds.append({name: getattr(report, name) for name in services.TEXT_FIELDS})
        on_progress(50)
        title = selectors.report_title(report)
        return Documents(
            data={"title": title, "plans": report.plans, "build": len(builds)},
            pdf=b"%PDF-1.7 " + title.encode(),
            docx=b"PK\x03\x04 " + title.encode(),
        )

    monkeypatch.setattr(services, "build_documents", build)
    return builds


def _requested(region, kind=ReportKind.QUARTERLY, year=2024, period=2, **kwargs) -> Report:
    # Inside a test the queueing waits for a commit that never comes: tests build by hand.
    kwargs.setdefault("user", None)
    kwargs.setdefault("today", TODAY)
    return services.report_request(region=region, kind=kind, year=year, period=period, **kwargs)


def _built(region, **kwargs) -> Report:
    return build(services.REPORTS, _requested(region, **kwargs).pk)


# --- requesting ---------------------------------------------------------------------------------


def test_request_creates_the_row_and_queues_it_once_on_commit(
    street_a, office_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = _requested(street_a.street, user=office_a)
    assert len(callbacks) == 1
    assert report.status == ReportStatus.PENDING and report.queued_at is not None
    assert (report.kind, report.year, report.period) == (ReportKind.QUARTERLY, 2024, 2)
    assert report.requested_by == office_a and report.rounding == Rounding.EXACT
    assert Report.objects.count() == 1


def test_asking_again_for_a_done_report_keeps_it(street_a, documents):
    report = _built(street_a.street)
    assert report.status == ReportStatus.DONE
    again = _requested(street_a.street)
    assert again.pk == report.pk and again.status == ReportStatus.DONE
    assert build(services.REPORTS, again.pk) is None
    assert len(documents) == 1


@pytest.mark.parametrize(
    ("kind", "year", "period", "field"),
    [
        (ReportKind.QUARTERLY, 2024, None, "period"),
        (ReportKind.QUARTERLY, 2024, 5, "period"),
        (ReportKind.HALF_YEAR, 2024, 3, "period"),
        (ReportKind.ANNUAL, 2024, 2, "period"),
        (ReportKind.QUARTERLY, 2024, 4, "period"),  # begins in October: not yet
        (ReportKind.ANNUAL, 2025, None, "year"),
        (ReportKind.QUARTERLY, 1999, 1, "year"),
    ],
)
def test_request_refuses_periods_that_do_not_fit_or_have_not_begun(
    street_a, kind, year, period, field
):
    with pytest.raises(services.ValidationError) as error:
        _requested(street_a.street, kind=kind, year=year, period=period)
    assert field in error.value.message_dict
    assert not Report.objects.exists()


def test_the_current_period_may_be_reported_on(street_a):
    current = _requested(street_a.street, kind=ReportKind.QUARTERLY, year=2024, period=3)
    annual = _requested(street_a.street, kind=ReportKind.ANNUAL, year=2024, period=None)
    assert (current.period, annual.period) == (3, 0)


def test_request_refuses_a_region_outside_the_users(street_a, street_b, office_a):
    with pytest.raises(services.ValidationError) as error:
        _requested(street_b.street, user=office_a)
    assert "region" in error.value.message_dict


# --- building once, errors, retries -------------------------------------------------------------


def test_a_report_queued_twice_is_built_once(street_a, documents):
    report = _requested(street_a.street)
    built = build(services.REPORTS, report.pk)
    assert built.status == ReportStatus.DONE and built.progress == 100 and built.attempts == 1
    finished = built.finished_at
    assert build(services.REPORTS, report.pk) is None
    assert build_document.delay("report", report.pk).get() == "skipped"  # a duplicate message
    assert len(documents) == 1
    assert Report.objects.get(pk=report.pk).finished_at == finished


def test_a_built_report_stores_both_files_named_by_region_and_period(street_a, documents, settings):
    before = timezone.now()
    report = _built(street_a.street)
    code = street_a.street.code
    assert report.pdf.name.startswith(f"reports/{code}-2024-quarterly2")
    assert report.pdf.name.endswith(".pdf")
    assert report.docx.name.startswith(f"reports/{code}-2024-quarterly2")
    assert report.docx.name.endswith(".docx")
    assert report.pdf.read().startswith(b"%PDF")
    assert report.data["title"] == selectors.report_title(report)
    days = datetime.timedelta(days=settings.REPORT_FILE_DAYS)
    assert before + days <= report.expires_at <= timezone.now() + days


def test_a_running_report_is_not_claimed_again(street_a, documents):
    report = _requested(street_a.street)
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING, started_at=timezone.now()
    )
    assert build(services.REPORTS, report.pk) is None
    assert _requested(street_a.street).status == ReportStatus.RUNNING
    assert documents == []


def test_a_transient_error_puts_the_report_back_and_the_retry_builds_it(street_a, monkeypatch):
    calls = []

    def flaky(*, report, on_progress):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("could not connect to server")
        return Documents(data={"title": "t"}, pdf=b"%PDF-1.7", docx=b"PK")

    monkeypatch.setattr(services, "build_documents", flaky)
    report = _requested(street_a.street)
    assert build_document.apply(args=["report", report.pk], throw=False).get() == ReportStatus.DONE
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and len(calls) == 2 and report.attempts == 2


def test_transient_errors_every_time_fail_the_report_after_the_retries(street_a, monkeypatch):
    def database_gone(*, report, on_progress):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "build_documents", database_gone)
    monkeypatch.setitem(build_document.app.conf, "task_eager_propagates", False)
    report = _requested(street_a.street)
    result = build_document.apply(args=["report", report.pk])
    assert result.state == "FAILURE"
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert f"重试 {BUILD_MAX_RETRIES} 次后仍未成功" in report.error
    assert report.attempts == BUILD_MAX_RETRIES + 1


def test_an_unexpected_error_fails_the_report_with_a_readable_message(street_a, monkeypatch):
    def broken(*, report, on_progress):
        raise ValueError("表格排版失败")

    monkeypatch.setattr(services, "build_documents", broken)
    report = _requested(street_a.street)
    assert build_document.delay("report", report.pk).get() == ReportStatus.FAILED  # not raised
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and report.finished_at is not None
    assert report.error.startswith("生成报告时出错") and "表格排版失败" in report.error
    assert not report.pdf and not report.docx


def test_a_report_error_is_shown_as_it_is_and_asking_again_requeues(street_a, monkeypatch):
    def missing_font(*, report, on_progress):
        raise ReportError("未安装中文字体（fonts-noto-cjk），无法生成 PDF")

    monkeypatch.setattr(services, "build_documents", missing_font)
    report = _built(street_a.street)
    assert report.status == ReportStatus.FAILED
    assert report.error == "未安装中文字体（fonts-noto-cjk），无法生成 PDF"
    again = _requested(street_a.street)
    assert again.status == ReportStatus.PENDING and again.error == "" and again.attempts == 0


# --- the sweeper and the cleanup ----------------------------------------------------------------


def test_sweeper_requeues_a_stuck_report_then_fails_it_after_the_last_attempt(
    street_a, street_b, monkeypatch, django_capture_on_commit_callbacks
):
    def hangs(*, report, on_progress):
        # The worker dies here: the row stays running with a stale claim.
        Report.objects.filter(pk=report.pk).update(
            started_at=timezone.now() - datetime.timedelta(hours=1)
        )
        raise SystemExit

    monkeypatch.setattr(services, "build_documents", hangs)
    report = stuck(_requested(street_a.street), attempts=1)
    recent = stuck(_requested(street_b.street), attempts=1, minutes=5, beating=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.REPORT_JOBS.sweep() == {"requeued": 1, "failed": 0, "resent": 0}
    assert len(callbacks) == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING
    with pytest.raises(SystemExit):
        build(services.REPORTS, report.pk)  # the second attempt dies too
    report.refresh_from_db()
    assert (
        report.status == ReportStatus.RUNNING
        and report.attempts == services.REPORT_JOBS.max_attempts
    )
    assert services.REPORT_JOBS.sweep() == {"requeued": 0, "failed": 1, "resent": 0}
    report.refresh_from_db()
    recent.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error == "生成超时：已尝试 2 次仍未完成，请重新生成。"
    assert recent.status == ReportStatus.RUNNING  # not stuck yet


def test_expired_files_are_deleted_and_the_row_keeps_its_data(
    street_a, street_b, documents, api, office_a
):
    report = _built(street_a.street)
    fresh = _built(street_b.street)
    storage = report.pdf.storage
    names = [report.pdf.name, report.docx.name]
    later = report.expires_at + datetime.timedelta(minutes=1)
    Report.objects.filter(pk=fresh.pk).update(expires_at=later + datetime.timedelta(days=1))

    assert clean_expired(now=later) == 1
    assert not any(storage.exists(name) for name in names)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.data["title"]
    assert not report.pdf and not report.docx
    fresh.refresh_from_db()
    assert storage.exists(fresh.pdf.name)
    assert clean_expired(now=later) == 0  # nothing left to clean

    client = api.as_user(office_a)
    body = client.get(f"/api/v1/reports/{report.pk}/").json()
    assert body["pdf"] is None and body["docx"] is None
    response = client.get(f"/api/v1/reports/{report.pk}/pdf/")
    assert response.status_code == 410 and "过期" in response.json()["detail"]
    # Regenerating makes the files again.
    assert client.post(f"/api/v1/reports/{report.pk}/regenerate/").status_code == 202
    report = build(services.REPORTS, report.pk)
    assert report.pdf and storage.exists(report.pdf.name)


def test_a_regenerated_report_replaces_its_files(street_a, documents):
    report = _built(street_a.street)
    old = [report.pdf.name, report.docx.name]
    services.report_regenerate(report=report, user=None)
    rebuilt = build(services.REPORTS, report.pk)
    assert rebuilt.data["build"] == 2
    assert not any(report.pdf.storage.exists(name) for name in old)
    assert rebuilt.pdf.storage.exists(rebuilt.pdf.name)
    assert rebuilt.docx.storage.exists(rebuilt.docx.name)


# --- the quarterly beat -------------------------------------------------------------------------


def test_beat_makes_last_quarters_report_of_every_street_once(
    street_a, street_b, documents, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        made = services.reports_for_last_quarter(today=D(2024, 7, 1))
    assert {report.region_id for report in made} == {street_a.street.pk, street_b.street.pk}
    assert len(callbacks) == 2
    assert set(Report.objects.values_list("kind", "year", "period", "status")) == {
        (ReportKind.QUARTERLY, 2024, 2, ReportStatus.DONE)
    }
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.reports_for_last_quarter(today=D(2024, 7, 1))
    assert callbacks == []  # made already: kept, not rebuilt
    assert Report.objects.count() == 2 and len(documents) == 2


def test_beat_in_january_reports_on_last_years_fourth_quarter(street_a, documents):
    made = services.reports_for_last_quarter(today=D(2024, 1, 1))
    assert [(r.region_id, r.year, r.period) for r in made] == [(street_a.street.pk, 2023, 4)]


def test_beat_skips_streets_without_chiefs_serving_in_the_quarter(street_a, documents):
    for chief in street_a.chiefs:
        chief.appointed_on = D(2024, 8, 1)
        chief.save()
    assert services.reports_for_last_quarter(today=D(2024, 7, 1)) == []


# --- the API ------------------------------------------------------------------------------------


def _post(client, region, **fields):
    payload = {"kind": "quarterly", "year": 2024, "period": 1, "region": region.pk} | fields
    return client.post("/api/v1/reports/", payload, format="json")


def test_api_request_answers_202_and_the_report_builds(
    api, street_a, office_a, documents, django_capture_on_commit_callbacks
):
    client = api.as_user(office_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, street_a.street, rounding="approximate")
    assert response.status_code == 202
    body = response.json()
    assert (body["kind"], body["year"], body["period"], body["region"]) == (
        "quarterly",
        2024,
        1,
        street_a.street.pk,
    )
    assert body["rounding"] == "approximate" and body["pdf"] is None  # as it was when queued
    report = client.get(f"/api/v1/reports/{body['id']}/").json()
    assert report["status"] == "done" and report["progress"] == 100
    assert report["pdf"] == f"http://testserver/api/v1/reports/{body['id']}/pdf/"
    assert report["docx"] == f"http://testserver/api/v1/reports/{body['id']}/docx/"
    assert report["title"] == "街道12024年第一季度河长制工作进展情况汇报"

    annual = _post(client, street_a.street, kind="annual", year=2023, period=None)
    assert annual.status_code == 202 and annual.json()["period"] is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"period": 5}, "period"),
        ({"kind": "half_year", "period": 3}, "period"),
        ({"kind": "annual", "period": 1}, "period"),
        ({"year": timezone.localdate().year + 1}, "period"),
        ({"kind": "monthly"}, "kind"),
        ({"year": "二〇二四"}, "year"),
    ],
)
def test_api_refuses_bad_requests_with_400(api, street_a, office_a, fields, field):
    response = _post(api.as_user(office_a), street_a.street, **fields)
    assert response.status_code == 400
    assert field in response.json()
    assert not Report.objects.exists()


def test_api_refuses_a_region_outside_the_account_as_bad_input(api, office_a, street_b):
    response = _post(api.as_user(office_a), street_b.street)
    assert response.status_code == 400 and "region" in response.json()


def test_leaders_read_and_download_but_do_not_request_or_edit(api, street_a, documents):
    leader = make_account(Role.LEADER, street_a.street)
    report = _built(street_a.street)
    client = api.as_user(leader)
    assert client.get("/api/v1/reports/").json()["count"] == 1
    assert client.get(f"/api/v1/reports/{report.pk}/pdf/").status_code == 200
    assert _post(client, street_a.street).status_code == 403
    url = f"/api/v1/reports/{report.pk}/"
    assert client.patch(url, {"plans": "x"}, format="json").status_code == 403
    assert client.post(f"{url}regenerate/").status_code == 403


def test_chief_accounts_are_refused(api, client, street_a, chief_a1, documents):
    report = _built(street_a.street)
    api_client = api.as_user(chief_a1)
    for url in ("", f"{report.pk}/", f"{report.pk}/pdf/", f"{report.pk}/docx/"):
        assert api_client.get(f"/api/v1/reports/{url}").status_code == 403, url
    assert _post(api_client, street_a.street).status_code == 403
    client.force_login(chief_a1)
    assert client.get("/reports/").status_code == 403
    assert client.get(f"/reports/{report.pk}/").status_code == 403


def test_another_streets_reports_are_not_found(api, client, office_a, street_b, documents):
    report = _built(street_b.street)
    api_client = api.as_user(office_a)
    for url in (f"{report.pk}/", f"{report.pk}/pdf/", f"{report.pk}/docx/"):
        assert api_client.get(f"/api/v1/reports/{url}").status_code == 404, url
    assert api_client.get("/api/v1/reports/").json()["count"] == 0
    client.force_login(office_a)
    assert client.get(f"/reports/{report.pk}/").status_code == 404


def test_files_are_a_conflict_until_the_report_is_done(api, street_a, office_a):
    report = _requested(street_a.street)
    client = api.as_user(office_a)
    for name in ("pdf", "docx"):
        response = client.get(f"/api/v1/reports/{report.pk}/{name}/")
        assert response.status_code == 409
        assert "排队中" in response.json()["detail"]
    response = client.get(f"/api/v1/reports/{report.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 409 and response["Content-Type"] == "application/json"


def test_downloads_carry_the_chinese_title(api, street_a, office_a, documents):
    report = _built(street_a.street)
    title = selectors.report_title(report)
    client = api.as_user(office_a)
    for name, media_type, start in (("pdf", "application/pdf", b"%PDF"), ("docx", DOCX, b"PK")):
        response = client.get(f"/api/v1/reports/{report.pk}/{name}/")
        assert response.status_code == 200
        assert response["Content-Type"] == media_type
        assert quote(f"{title}.{name}") in response["Content-Disposition"]
        assert "attachment" in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(start)


def test_office_edits_the_texts_then_regenerates(api, street_a, office_a, documents):
    report = _built(street_a.street)
    client = api.as_user(office_a)
    url = f"/api/v1/reports/{report.pk}/"
    texts = {"plans": "  继续开展“清四乱”专项行动。 ", "rounding": "approximate"}
    response = client.patch(url, texts, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["plans"] == "继续开展“清四乱”专项行动。" and body["rounding"] == "approximate"
    assert body["opening"] == "" and body["status"] == "done"  # the published one stays
    too_long = client.patch(url, {"opening": "字" * 5001}, format="json")
    assert too_long.status_code == 400 and "opening" in too_long.json()
    assert client.patch(url, {"rounding": "rough"}, format="json").status_code == 400

    response = client.post(f"{url}regenerate/")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    rebuilt = build(services.REPORTS, report.pk)
    assert documents[-1] == {
        "rounding": "approximate",
        "opening": "",
        "problems_note": "",
        "plans": "继续开展“清四乱”专项行动。",
        "document_date": None,
        "issuer": "",
    }
    assert rebuilt.data["plans"] == "继续开展“清四乱”专项行动。"


def test_regenerating_a_report_being_built_is_a_conflict(api, street_a, office_a):
    report = _requested(street_a.street)
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING, started_at=timezone.now()
    )
    response = api.as_user(office_a).post(f"/api/v1/reports/{report.pk}/regenerate/")
    assert response.status_code == 409 and "正在生成" in response.json()["detail"]


def test_api_filters_by_kind_year_status_and_region(api, street_a, street_b, documents):
    admin = make_account(Role.ADMIN, street_a.street.parent)
    _built(street_a.street)
    _requested(street_b.street, kind=ReportKind.ANNUAL, year=2023, period=None)
    client = api.as_user(admin)

    def count(query: str) -> int:
        return client.get(f"/api/v1/reports/?{query}").json()["count"]

    assert count("") == 2
    assert count("kind=annual") == 1 and count("year=2024") == 1
    assert count("status=done") == 1 and count(f"region={street_b.street.pk}") == 1
    assert count(f"region={street_a.communities[0].pk}") == 0


def test_report_list_costs_the_same_queries_for_many_reports(
    api, county, street_a, office_a, django_assert_max_num_queries
):
    for year in range(2010, 2024):
        for kind, period in ((ReportKind.ANNUAL, None), (ReportKind.HALF_YEAR, 1)):
            _requested(street_a.street, kind=kind, year=year, period=period)
    client = api.as_user(office_a)
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/reports/").json()
    assert body["count"] == 28


# --- the pages ----------------------------------------------------------------------------------


def test_office_requests_a_report_on_the_page_and_follows_it(
    client, street_a, office_a, documents, django_capture_on_commit_callbacks
):
    client.force_login(office_a)
    page = client.get("/reports/").content.decode()
    assert 'name="period"' in page and "js/reports.js" in page
    assert "<script>" not in page  # no inline script: a strict CSP is coming
    payload = {
        "region": street_a.street.pk,
        "kind": "quarterly",
        "year": "2024",
        "period": "1",
        "rounding": "exact",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/", payload)
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert selectors.report_title(report) in page
    assert f"/api/v1/reports/{report.pk}/pdf/" in page
    assert f"/api/v1/reports/{report.pk}/docx/" in page
    assert 'name="plans"' in page and f"/reports/{report.pk}/regenerate/" in page

    response = client.post(f"/reports/{report.pk}/", {"rounding": "exact", "plans": "下季度计划"})
    assert response.status_code == 302
    assert Report.objects.get().plans == "下季度计划"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reports/{report.pk}/regenerate/")
    assert documents[-1]["plans"] == "下季度计划"


def test_page_of_a_report_being_built_polls_its_status(client, street_a, office_a):
    report = _requested(street_a.street)
    client.force_login(office_a)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    # The document pipeline's status view (core.views_documents), read by js/documents.js.
    assert f'data-status-url="/documents/report/{report.pk}/status/"' in page
    assert "data-reload-when-done" in page and "排队中" in page


def test_form_refuses_a_period_not_begun(client, street_a, office_a):
    client.force_login(office_a)
    year = timezone.localdate().year + 1
    payload = {"region": street_a.street.pk, "kind": "annual", "year": year, "rounding": "exact"}
    response = client.post("/reports/", payload)
    assert response.status_code == 200
    assert "该期尚未开始" in response.content.decode()
    assert not Report.objects.exists()


def test_leader_sees_the_report_page_without_forms(client, street_a, documents):
    """(The list page: tests/test_documents.py, a leader on every kind's list page.)"""
    report = _built(street_a.street)
    client.force_login(make_account(Role.LEADER, street_a.street))
    detail = client.get(f"/reports/{report.pk}/").content.decode()
    assert f"/api/v1/reports/{report.pk}/pdf/" in detail and 'name="plans"' not in detail
    assert client.post(f"/reports/{report.pk}/regenerate/").status_code == 403
    assert client.post(f"/reports/{report.pk}/", {"plans": "x"}).status_code == 403


def test_page_shows_that_files_have_expired(client, street_a, office_a, documents):
    report = _built(street_a.street)
    clean_expired(now=report.expires_at + datetime.timedelta(seconds=1))
    client.force_login(office_a)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "过期删除" in page


# --- the real documents -------------------------------------------------------------------------


def test_a_real_build_makes_a_pdf_and_a_word_file(street_a):
    report = _built(street_a.street)
    assert report.status == ReportStatus.DONE, report.error
    assert report.pdf.read().startswith(b"%PDF")
    with zipfile.ZipFile(io.BytesIO(report.docx.read())) as docx:
        assert "word/document.xml" in docx.namelist()


def test_form_ignores_a_quarter_left_selected_for_an_annual_report(client, street_a, office_a):
    client.force_login(office_a)
    year = timezone.localdate().year
    payload = {
        "region": street_a.street.pk,
        "kind": "annual",
        "year": year,
        "period": 3,
        "rounding": "exact",
    }
    response = client.post("/reports/", payload)
    report = Report.objects.get()
    assert response.status_code == 302
    assert (report.kind, report.year, report.period) == ("annual", year, 0)


def test_the_office_sets_the_document_date_and_issuer_and_can_clear_them(
    api, street_a, office_a, documents
):
    report = _built(street_a.street)
    client = api.as_user(office_a)
    url = f"/api/v1/reports/{report.pk}/"
    texts = {"document_date": "2026-12-10", "issuer": " 东风街道办事处 "}
    body = client.patch(url, texts, format="json").json()
    assert body["document_date"] == "2026-12-10" and body["issuer"] == "东风街道办事处"
    client.post(f"{url}regenerate/")
    build(services.REPORTS, report.pk)
    assert documents[-1]["document_date"] == datetime.date(2026, 12, 10)
    assert documents[-1]["issuer"] == "东风街道办事处"
    # null: printed with the day it is built again.
    body = client.patch(url, {"document_date": None}, format="json").json()
    assert body["document_date"] is None and body["issuer"] == "东风街道办事处"
    bad = client.patch(url, {"document_date": "2026-13-01"}, format="json")
    assert bad.status_code == 400 and "document_date" in bad.json()
