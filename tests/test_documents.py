"""The document pipeline (core.documents): its registry, the one status view and the one
download view with their scope checks, the API's downloads, and the beat's jobs over every kind.

The workers that build the documents, killed mid-build or not: tests/test_document_worker.py.
"""

import datetime
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Role
from core import documents
from core.jobs import Jobs
from core.models import JobStatus
from issues.models import SupervisionOrder
from patrols.models import Bulletin
from reports.models import RiverFile

from . import factories
from .conftest import make_account

PDF = b"%PDF-1.4 a document"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


pytestmark = pytest.mark.usefixtures("media_root")


def _bulletin(street, **fields) -> Bulletin:
    return factories.BulletinFactory(street=street.street, **fields)


def _done_bulletin(street) -> Bulletin:
    return _bulletin(street, status="done", pdf=ContentFile(PDF, name="b.pdf"))


def _order(street, **fields) -> SupervisionOrder:
    issue = factories.IssueFactory(reach=street.reaches[0])
    return factories.SupervisionOrderFactory(issue=issue, street=street.street, **fields)


# --- the registry -------------------------------------------------------------------------------


def test_every_document_is_a_registered_kind():
    assert sorted(kind.name for kind in documents.kinds()) == [
        "assessment-round",
        "bulletin",
        "report",
        "river-file",
        "supervision-order",
        "weekly-report",
    ]
    bulletin = documents.kind("bulletin")
    assert bulletin.model is Bulletin and bulletin.jobs.kind == "bulletin"
    assert list(bulletin.files) == ["pdf"]
    assert list(documents.kind("report").files) == ["pdf", "docx"]
    assert documents.kind("report").files["docx"].content_type == DOCX
    assert documents.kind("supervision-order").build_on_request is True
    assert documents.kind("report").expires is True
    assert documents.kind_of(Bulletin()) is bulletin
    assert documents.kind("river-file").model is RiverFile
    with pytest.raises(LookupError):
        documents.kind("river-plan")


def test_a_second_kind_of_the_same_name_is_refused():
    bulletin = documents.kind("bulletin")
    documents.register(bulletin)  # the same kind again (a second ready()): harmless

    class Impostor(documents.DocumentKind):
        jobs = Jobs(model=Bulletin, kind="bulletin", error_message="%(detail)s")
        label = "通报"
        files: dict = {}

    impostor = Impostor()
    with pytest.raises(LookupError):
        documents.register(impostor)
    assert documents.kind("bulletin") is bulletin


def test_the_beat_runs_one_sweeper_and_one_cleanup_for_every_kind():
    schedule = {name: entry["task"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}
    assert schedule["sweep-stuck-documents"] == "core.tasks.sweep_documents"
    assert schedule["clean-expired-documents"] == "core.tasks.clean_expired_documents"
    tasks = set(schedule.values())
    assert not tasks & {
        "patrols.tasks.sweep_stuck_bulletins",
        "reports.tasks.sweep_stuck_reports",
        "reports.tasks.clean_expired_reports",
    }


PENDING = {
    "bulletin": lambda street: _bulletin(street),
    "report": lambda street: factories.ReportFactory(region=street.street),
    "supervision-order": lambda street: _order(street),
}


@pytest.mark.parametrize("name", PENDING)
def test_the_sweeper_resends_a_pending_document_whose_message_was_lost(
    name, street_a, django_capture_on_commit_callbacks
):
    row = PENDING[name](street_a)
    type(row).objects.filter(pk=row.pk).update(
        queued_at=timezone.now() - datetime.timedelta(hours=2)
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert documents.sweep()[name]["resent"] == 1
    assert len(callbacks) == 1
    assert documents.sweep()[name]["resent"] == 0  # not again until another timeout


def test_the_sweeper_answers_for_every_kind(street_a):
    assert documents.sweep() == {
        "assessment-round": {"requeued": 0, "failed": 0, "resent": 0},
        "bulletin": {"requeued": 0, "failed": 0, "resent": 0},
        "report": {"requeued": 0, "failed": 0, "resent": 0},
        "river-file": {"requeued": 0, "failed": 0, "resent": 0},
        "supervision-order": {"requeued": 0, "failed": 0, "resent": 0},
        "weekly-report": {"requeued": 0, "failed": 0, "resent": 0},
    }


# --- the list pages -----------------------------------------------------------------------------

# Each kind's list page, a document on it, and a field of its request form.
LISTS = {
    "bulletin": ("/bulletins/", _done_bulletin, 'name="month"'),
    "report": (
        "/reports/",
        lambda street: factories.ReportFactory(region=street.street),
        'name="period"',
    ),
}


@pytest.mark.parametrize("name", LISTS)
def test_a_leader_reads_a_list_page_without_its_request_form(client, street_a, name):
    url, make, field = LISTS[name]
    row = make(street_a)
    client.force_login(make_account(Role.LEADER, street_a.street))
    page = client.get(url).content.decode()
    assert f"{url}{row.pk}/" in page and field not in page
    assert (
        client.post(url, {"region": street_a.street.pk, "street": street_a.street.pk}).status_code
        == 403
    )


# --- the status view ----------------------------------------------------------------------------


def test_the_status_view_answers_the_row_as_it_is_never_cached(client, street_a, office_a):
    bulletin = _bulletin(street_a, status="running", progress=40)
    client.force_login(office_a)
    response = client.get(f"/documents/bulletin/{bulletin.pk}/status/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert response.json() == {
        "id": bulletin.pk,
        "kind": "bulletin",
        "status": "running",
        "status_label": "生成中",
        "progress": 40,
        "error": "",
        "detail_url": f"/bulletins/{bulletin.pk}/",
        "pdf_url": None,
    }
    # The bulletins' own address is the same view.
    assert client.get(f"/bulletins/{bulletin.pk}/status/").json() == response.json()
    Bulletin.objects.filter(pk=bulletin.pk).update(status="done", progress=100, pdf="b/x.pdf")
    done = client.get(f"/documents/bulletin/{bulletin.pk}/status/").json()
    assert (done["status"], done["progress"], done["pdf_url"]) == (
        "done",
        100,
        f"/bulletins/{bulletin.pk}/pdf/",
    )


def test_a_report_s_status_names_both_files_at_the_api(client, street_a, office_a):
    report = factories.ReportFactory(
        region=street_a.street,
        status="done",
        progress=100,
        pdf=ContentFile(PDF, name="r.pdf"),
        docx=ContentFile(b"PK", name="r.docx"),
    )
    client.force_login(office_a)
    body = client.get(f"/documents/report/{report.pk}/status/").json()
    assert (body["detail_url"], body["pdf_url"], body["docx_url"]) == (
        f"/reports/{report.pk}/",
        f"/api/v1/reports/{report.pk}/pdf/",
        f"/api/v1/reports/{report.pk}/docx/",
    )


def test_the_status_view_checks_the_scope(client, street_a, street_b, office_a, chief_a1):
    inside, outside = _bulletin(street_a), _bulletin(street_b)
    order = _order(street_a)
    assert client.get(f"/documents/bulletin/{inside.pk}/status/").status_code == 302  # login
    client.force_login(office_a)
    assert client.get(f"/documents/bulletin/{outside.pk}/status/").status_code == 404
    assert client.get(f"/documents/river-file/{inside.pk}/status/").status_code == 404
    client.force_login(chief_a1)
    # Bulletins name the chiefs who fell short: refused to a chief account, even its street's.
    assert client.get(f"/documents/bulletin/{inside.pk}/status/").status_code == 403
    # A supervision order is read by whoever sees its issue, the chief too.
    assert client.get(f"/documents/supervision-order/{order.pk}/status/").status_code == 200


# --- the download view --------------------------------------------------------------------------


def test_the_download_view_serves_a_done_document_with_its_name(client, street_a, office_a):
    bulletin = _done_bulletin(street_a)
    client.force_login(office_a)
    for url in (f"/documents/bulletin/{bulletin.pk}/pdf/", f"/bulletins/{bulletin.pk}/pdf/"):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        title = "街道12024年5月河长巡河情况通报.pdf"
        assert response["Content-Disposition"] == (f"attachment; filename*=utf-8''{quote(title)}")
        assert b"".join(response.streaming_content) == PDF


def test_the_download_view_checks_the_scope_and_the_state(
    client, street_a, street_b, office_a, chief_a1
):
    pending, outside = _bulletin(street_a), _done_bulletin(street_b)
    client.force_login(office_a)
    assert client.get(f"/documents/bulletin/{outside.pk}/pdf/").status_code == 404
    assert client.get(f"/documents/bulletin/{pending.pk}/docx/").status_code == 404  # no such file
    response = client.get(f"/documents/bulletin/{pending.pk}/pdf/")
    assert response.status_code == 409
    page = response.content.decode()
    assert "通报尚未生成完成（当前状态：排队中）。" in page
    # The page follows the build, at the bulletins' own status address.
    assert f'data-status-url="/bulletins/{pending.pk}/status/"' in page
    client.force_login(chief_a1)
    assert client.get(f"/documents/bulletin/{pending.pk}/pdf/").status_code == 403


def test_an_expired_report_answers_gone(client, api, street_a, office_a):
    report = factories.ReportFactory(
        region=street_a.street, status="done", expires_at=timezone.now()
    )
    client.force_login(office_a)
    response = client.get(f"/documents/report/{report.pk}/pdf/")
    assert response.status_code == 410
    assert "报告文件已过期删除，请重新生成。" in response.content.decode()
    answer = api.as_user(office_a).get(f"/api/v1/reports/{report.pk}/docx/")
    assert answer.status_code == 410
    assert answer.json() == {"detail": "报告文件已过期删除，请重新生成。"}


def test_the_files_of_expired_reports_are_cleaned_for_every_kind_that_expires(street_a):
    stored = factories.ReportFactory(
        region=street_a.street,
        status="done",
        pdf=ContentFile(PDF, name="r.pdf"),
        docx=ContentFile(b"PK", name="r.docx"),
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    bulletin = _done_bulletin(street_a)  # bulletins do not expire
    assert documents.clean_expired() == 1
    stored.refresh_from_db()
    bulletin.refresh_from_db()
    assert (stored.pdf.name, stored.docx.name) == ("", "")
    assert bulletin.pdf.storage.exists(bulletin.pdf.name)
    assert documents.clean_expired() == 0


# --- a supervision order: built in the request when no worker has -------------------------------


def test_a_pending_supervision_order_is_printed_by_its_download(api, street_a, office_a):
    order = _order(street_a, queued_at=timezone.now())
    response = api.as_user(office_a).get(f"/api/v1/supervision-orders/{order.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f"attachment; filename*=utf-8''{quote(order.number + '.pdf')}"
    )
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    order.refresh_from_db()
    # Through the same claim and publish as a worker's build: stored, and served from now on.
    assert (order.status, order.progress, order.attempts) == (JobStatus.DONE, 100, 1)
    assert order.pdf.name.startswith(f"supervision_orders/{street_a.street.code}-2024-")
    again = api.as_user(office_a).get(f"/api/v1/supervision-orders/{order.pk}/pdf/")
    assert b"".join(again.streaming_content) == content
    order.refresh_from_db()
    assert order.attempts == 1  # not built again


def test_issuing_a_supervision_order_queues_its_printing(
    street_a, office_a, django_capture_on_commit_callbacks, monkeypatch
):
    from issues import services

    sent = []
    monkeypatch.setattr("core.tasks.build_document.delay", lambda *args: sent.append(args))
    issue = factories.IssueFactory(
        reach=street_a.reaches[0],
        status="assigned",
        assignee_chief=street_a.chiefs[0],
        deadline=timezone.localdate(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_act(
            issue_id=issue.pk,
            user=office_a,
            action="escalate",
            deadline=timezone.localdate() + datetime.timedelta(days=10),
            comment="督办",
        )
    order = SupervisionOrder.objects.get(issue=issue)
    assert sent == [("supervision-order", order.pk)]
    assert order.status == JobStatus.PENDING and order.queued_at == order.issued_at


def test_a_supervision_order_without_fonts_says_so_on_the_page(
    client, street_a, monkeypatch, settings
):
    monkeypatch.setattr("core.pdf.cjk_font_families", set)
    order = _order(street_a)
    client.force_login(make_account(Role.OFFICE, street_a.street))
    response = client.get(f"/documents/supervision-order/{order.pk}/pdf/")
    assert response.status_code == 503
    assert "未安装中文字体（fonts-noto-cjk），无法生成 PDF" in response.content.decode()
    order.refresh_from_db()
    assert order.status == JobStatus.FAILED
    assert order.error == "未安装中文字体（fonts-noto-cjk），无法生成 PDF"
