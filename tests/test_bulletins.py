"""Monthly bulletins (月通报): figures, PDF, jobs that run once and never stay stuck, access."""

import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.utils import timezone

from accounts.models import Role
from core import pdf
from core.documents import build
from core.jobs import BUILD_MAX_RETRIES
from core.tasks import build_document
from patrols import bulletins
from patrols.models import Bulletin, BulletinStatus
from rivers.models import ChiefRole

from . import factories
from .browser import launch, needs_browser, sync_api
from .conftest import make_account
from .documents import stuck
from .test_patrols import make_patrol

pytestmark = pytest.mark.usefixtures("media_root")

D = datetime.date
MAY = D(2024, 5, 1)
TITLE = "东风街道2024年5月河长巡河情况通报"


@pytest.fixture
def may(street_a):
    """Street A renamed 东风街道, with patrols in May 2024 under the default rules.

    Community chiefs patrol weekly: May 2024 (Wed 1 - Fri 31) owes the four whole weeks ending
    in it (5, 12, 19 and 26 May; the week of 29 April counts in full, the week ending 2 June is
    June's), 4 patrols each. Street chiefs patrol per dekad: 3 in May.
    """
    street = street_a.street
    street.name = "东风街道"
    street.save()
    good, weak = street_a.chiefs
    reach1, reach2 = street_a.reaches
    idle = factories.ChiefFactory(
        name="赵六",
        region=street_a.communities[1],
        reaches=[reach2],
        role=ChiefRole.COMMUNITY_CHIEF,
    )
    leader = factories.ChiefFactory(
        name="钱七", region=street, reaches=[reach1], role=ChiefRole.STREET_CHIEF
    )
    good.name, weak.name = "张三", "李四"
    good.save()
    weak.save()
    for day in (2, 6, 7, 13, 20, 27):  # every week, twice in the week of the 6th
        make_patrol(good, reach1, D(2024, 5, day))
    make_patrol(weak, reach2, D(2024, 5, 6))
    make_patrol(weak, reach2, D(2024, 5, 13))
    make_patrol(weak, reach2, D(2024, 5, 20), minutes=3, valid=False)  # too short: not counted
    make_patrol(leader, reach1, D(2024, 5, 5))
    make_patrol(leader, reach1, D(2024, 5, 15))
    return street_a, {"good": good, "weak": weak, "idle": idle, "leader": leader}


def _requested(street, month=MAY, **kwargs) -> Bulletin:
    # The queueing waits for a commit that never comes inside a test: the tests build by hand.
    return bulletins.bulletin_request(street=street, month=month, **kwargs)


def _built(street, month=MAY) -> Bulletin:
    bulletin = _requested(street, month)
    return build(bulletins.BULLETINS, bulletin.pk)


# --- figures and PDF ----------------------------------------------------------------------------


def test_bulletin_names_the_chiefs_short_of_their_rule_and_ranks_communities(may):
    street_a, _chiefs = may
    bulletin = _built(street_a.street)
    assert bulletin.status == BulletinStatus.DONE, bulletin.error
    assert bulletin.progress == 100
    assert bulletin.attempts == 1
    assert bulletin.error == ""
    assert bulletin.started_at <= bulletin.finished_at
    data = bulletin.data
    assert data["title"] == TITLE
    rows = {row["name"]: row for row in data["chiefs"]}
    assert set(rows) == {"张三", "李四", "赵六", "钱七"}
    # Done: 6 patrols in May; counted: one in each of the 4 owed weeks (the 27th is June's).
    assert (rows["张三"]["required"], rows["张三"]["done"], rows["张三"]["counted"]) == ("4", 6, 4)
    assert rows["张三"]["rate_display"] == "100.0%" and not rows["张三"]["short"]
    assert (rows["李四"]["done"], rows["李四"]["counted"]) == (2, 2)  # the short one not counted
    assert rows["李四"]["rate_display"] == "50.0%"  # 2 of 4 weeks
    assert (rows["钱七"]["required"], rows["钱七"]["counted"]) == ("3", 2)
    assert rows["钱七"]["role_label"] == "街级河长"
    assert rows["钱七"]["rate_display"] == "66.7%"
    assert rows["赵六"]["rate_display"] == "0.0%"
    # Short of their rule, worst first.
    assert [row["name"] for row in data["short"]] == ["赵六", "李四", "钱七"]
    # Communities ranked; the street chief is in the table but in no community.
    assert [(row["rank"], row["region"], row["short_chiefs"]) for row in data["ranking"]] == [
        (1, street_a.communities[0].name, 0),
        (2, street_a.communities[1].name, 2),
    ]
    totals = data["totals"]
    assert (totals["chiefs"], totals["done"], totals["counted"]) == (4, 10, 8)
    assert totals["required"] == "15"  # 4 + 4 + 4 weeks, 3 dekads
    assert (totals["short"], totals["idle"], totals["communities"]) == (3, 1, 2)
    summary = "".join(data["summary"])
    assert summary.startswith(f"按照“周汇报、月通报”制度，现将{TITLE}如下。")
    assert "3名河长未达到巡河要求" in summary and "1名河长本月未巡河" in summary
    # Whole periods owe whole patrols: no "约" in the prose any more.
    assert "本月实际巡河10次，计入考核8次，应巡河15次，总体巡河率53.3%。" in summary


def test_cleaners_rounds_are_not_patrols_in_the_bulletin(may):
    street_a, _chiefs = may
    cleaner = factories.ChiefFactory(
        name="孙八", region=street_a.communities[0], role=ChiefRole.CLEANER
    )
    make_patrol(cleaner, street_a.reaches[0], D(2024, 5, 6))
    data = _built(street_a.street).data
    assert "孙八" not in {row["name"] for row in data["chiefs"]}
    assert data["totals"]["chiefs"] == 4


def test_a_week_cut_by_the_month_s_end_is_not_a_shortfall(may):
    """A chief with a patrol in each of May's four whole weeks is not short for the week of
    27 May - 2 June: it is June's, owed in full there."""
    street_a, _chiefs = may
    data = _built(street_a.street).data
    row = next(row for row in data["chiefs"] if row["name"] == "张三")
    assert (row["required"], row["counted"], row["short"]) == ("4", 4, False)


def test_bulletin_prose_writes_whole_required_counts():
    assert bulletins._whole_times("12") == "12"
    assert bulletins._whole_times("12.00") == "12"
    assert bulletins._whole_times("241.44") == "约241"
    assert bulletins._whole_times("4.5") == "约5"


def test_bulletin_pdf_is_a_real_pdf_with_the_title_in_an_embedded_chinese_font(may, tmp_path):
    street_a, _chiefs = may
    bulletin = _built(street_a.street)
    assert bulletin.pdf.name.startswith("bulletins/")
    content = bulletin.pdf.read()
    assert content.startswith(b"%PDF")
    path = tmp_path / "bulletin.pdf"
    path.write_bytes(content)
    # Poppler's tools read the PDF as a reader would; CI installs them (poppler-utils).
    if pdftotext := shutil.which("pdftotext"):
        text = subprocess.run(  # noqa: S603 (our own command line)
            [pdftotext, "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True
        ).stdout
        flat = re.sub(r"\s+", "", text)
        assert TITLE in flat
        assert "李四" in flat and "未达到巡河要求的河长" in flat
        # The prose reads in whole patrols, as the tables do.
        assert "本月实际巡河10次，计入考核8次，应巡河15次，总体巡河率53.3%。" in flat
        assert "约" not in flat
    if pdffonts := shutil.which("pdffonts"):
        fonts = subprocess.run(  # noqa: S603 (our own command line)
            [pdffonts, str(path)], capture_output=True, text=True
        ).stdout
        cjk = [line for line in fonts.splitlines() if re.search(r"Noto[\w-]*CJK", line)]
        assert cjk, fonts
        # Embedded (and subset): the reader needs no Chinese font of its own.
        assert all(" yes " in line for line in cjk), fonts


def test_detail_page_shows_the_same_content_as_the_pdf(client, may, office_a):
    street_a, _chiefs = may
    bulletin = _built(street_a.street)
    client.force_login(office_a)
    html = client.get(f"/bulletins/{bulletin.pk}/").content.decode()
    assert TITLE in html
    for name in ("张三", "李四", "赵六", "钱七"):
        assert name in html
    assert f"/bulletins/{bulletin.pk}/pdf/" in html
    response = client.get(f"/bulletins/{bulletin.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


def test_published_bulletin_keeps_its_figures_until_rebuilt(may):
    street_a, chiefs = may
    first = _built(street_a.street)
    old_pdf = first.pdf.name
    make_patrol(chiefs["idle"], street_a.reaches[1], D(2024, 5, 8))  # a late correction

    again = _requested(street_a.street)
    assert again.status == BulletinStatus.DONE  # asking again does not rebuild
    assert build(bulletins.BULLETINS, again.pk) is None
    assert {row["name"]: row["done"] for row in again.data["chiefs"]}["赵六"] == 0

    rebuilt = _requested(street_a.street, rebuild=True)
    assert rebuilt.status == BulletinStatus.PENDING
    rebuilt = build(bulletins.BULLETINS, rebuilt.pk)
    assert {row["name"]: row["done"] for row in rebuilt.data["chiefs"]}["赵六"] == 1
    assert not first.pdf.storage.exists(old_pdf)  # the replaced version is gone
    assert rebuilt.pdf.storage.exists(rebuilt.pdf.name)


def test_request_refuses_months_not_over_and_regions_not_streets(street_a):
    today = timezone.localdate()
    with pytest.raises(bulletins.ValidationError) as error:
        _requested(street_a.street, month=today.replace(day=1))
    assert "month" in error.value.message_dict
    with pytest.raises(bulletins.ValidationError) as error:
        _requested(street_a.communities[0])
    assert "street" in error.value.message_dict


def test_monthly_job_queues_one_bulletin_per_street_once(
    may, street_b, django_capture_on_commit_callbacks
):
    street_a, _chiefs = may
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        made = bulletins.bulletins_for_last_month(today=D(2024, 6, 1))
    assert {b.street_id for b in made} == {street_a.street.pk, street_b.street.pk}
    assert len(callbacks) == 2
    assert set(Bulletin.objects.values_list("month", "status")) == {(MAY, BulletinStatus.DONE)}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        bulletins.bulletins_for_last_month(today=D(2024, 6, 1))
    assert callbacks == []  # built already: nothing queued, nothing rebuilt
    assert Bulletin.objects.count() == 2


# --- jobs: claimed once, failures recorded, nothing stuck ---------------------------------------


def test_claiming_twice_builds_once(may, monkeypatch):
    street_a, _chiefs = may
    renders = []
    real = bulletins.render_pdf

    def counting(**kwargs):
        renders.append(1)
        return real(**kwargs)

    monkeypatch.setattr(bulletins, "render_pdf", counting)
    bulletin = _requested(street_a.street)
    assert build(bulletins.BULLETINS, bulletin.pk).status == BulletinStatus.DONE
    finished = Bulletin.objects.get(pk=bulletin.pk).finished_at
    assert build(bulletins.BULLETINS, bulletin.pk) is None
    assert build_document.delay("bulletin", bulletin.pk).get() == "skipped"  # a duplicate message
    assert renders == [1]
    assert Bulletin.objects.get(pk=bulletin.pk).finished_at == finished
    assert Bulletin.objects.get(pk=bulletin.pk).attempts == 1


def test_a_running_bulletin_is_not_claimed_again(street_a):
    bulletin = _requested(street_a.street)
    Bulletin.objects.filter(pk=bulletin.pk).update(
        status=BulletinStatus.RUNNING, started_at=timezone.now()
    )
    assert build(bulletins.BULLETINS, bulletin.pk) is None
    # Nor reset by asking again, even for a rebuild: the running build finishes first.
    assert _requested(street_a.street, rebuild=True).status == BulletinStatus.RUNNING


def test_missing_chinese_font_fails_the_bulletin_instead_of_drawing_boxes(may, monkeypatch):
    street_a, _chiefs = may
    monkeypatch.setattr(bulletins, "cjk_font_families", set)
    bulletin = _built(street_a.street)
    assert bulletin.status == BulletinStatus.FAILED
    assert bulletin.error == "未安装中文字体（fonts-noto-cjk），无法生成 PDF"
    assert not bulletin.pdf
    assert bulletin.finished_at is not None


def test_an_error_in_the_task_fails_the_row_with_a_readable_message(may, monkeypatch):
    street_a, _chiefs = may

    def broken(**kwargs):
        raise ValueError("表格排版失败")

    monkeypatch.setattr(bulletins, "render_pdf", broken)
    bulletin = _requested(street_a.street)
    # Not raised.
    assert build_document.delay("bulletin", bulletin.pk).get() == BulletinStatus.FAILED
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.FAILED
    assert "表格排版失败" in bulletin.error
    assert bulletin.error.startswith("生成通报时出错")

    # The office asks again once it is fixed: the failed row is queued and builds.
    monkeypatch.undo()
    again = _requested(street_a.street)
    assert again.status == BulletinStatus.PENDING and again.error == ""
    assert build(bulletins.BULLETINS, again.pk).status == BulletinStatus.DONE


def test_transient_errors_are_retried_then_the_row_is_failed(may, monkeypatch):
    street_a, _chiefs = may
    calls = []

    def database_gone(**kwargs):
        calls.append(1)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(bulletins, "render_pdf", database_gone)
    bulletin = _requested(street_a.street)
    # In-process, retries run at once (no countdown); not raised, as in a worker.
    monkeypatch.setitem(build_document.app.conf, "task_eager_propagates", False)
    result = build_document.apply(args=["bulletin", bulletin.pk])
    assert result.state == "FAILURE" and isinstance(result.result, OperationalError)
    assert len(calls) == BUILD_MAX_RETRIES + 1  # each retry could claim the row again
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.FAILED
    assert "重试 5 次后仍未成功" in bulletin.error
    assert bulletin.attempts == BUILD_MAX_RETRIES + 1


def test_a_transient_error_once_is_retried_and_builds(may, monkeypatch):
    street_a, _chiefs = may
    real, calls = bulletins.render_pdf, []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("could not connect to server")
        return real(**kwargs)

    monkeypatch.setattr(bulletins, "render_pdf", flaky)
    bulletin = _requested(street_a.street)
    result = build_document.apply(args=["bulletin", bulletin.pk], throw=False)
    assert result.get() == BulletinStatus.DONE
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.DONE and len(calls) == 2


def test_sweeper_requeues_a_stuck_bulletin_once_and_it_builds(
    may, django_capture_on_commit_callbacks
):
    street_a, _chiefs = may
    bulletin = stuck(_requested(street_a.street), attempts=1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        counts = bulletins.JOBS.sweep()
    assert counts == {"requeued": 1, "failed": 0, "resent": 0}
    assert len(callbacks) == 1  # sent to a worker again (here: run in-process)
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.DONE and bulletin.attempts == 2


def test_sweeper_fails_a_bulletin_stuck_twice_and_leaves_recent_ones(street_a, street_b):
    twice = stuck(_requested(street_a.street), attempts=2)
    recent = stuck(_requested(street_b.street), attempts=1, minutes=5, beating=True)
    assert bulletins.JOBS.sweep() == {"requeued": 0, "failed": 1, "resent": 0}
    twice.refresh_from_db()
    recent.refresh_from_db()
    assert twice.status == BulletinStatus.FAILED
    assert twice.error == "生成超时：已尝试 2 次仍未完成，请重新生成。"
    assert recent.status == BulletinStatus.RUNNING


def test_a_build_the_sweeper_took_back_does_not_overwrite_its_replacement(may, monkeypatch):
    street_a, _chiefs = may
    real = bulletins.render_pdf

    def slow(**kwargs):
        # While this worker is busy, the sweeper decides it is lost and queues the row again.
        later = timezone.now() + datetime.timedelta(minutes=settings.BULLETIN_STUCK_MINUTES + 1)
        assert bulletins.JOBS.sweep(now=later)["requeued"] == 1
        return real(**kwargs)

    monkeypatch.setattr(bulletins, "render_pdf", slow)
    bulletin = _requested(street_a.street)
    build(bulletins.BULLETINS, bulletin.pk)
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.PENDING  # for the next worker, untouched
    assert not bulletin.pdf and bulletin.data == {}
    assert not list(Path(settings.MEDIA_ROOT, "bulletins").glob("*.pdf"))  # result discarded


# --- the PDF reads nothing but our static files ------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/style.css",
        "ftp://example.com/x",
        "file://attacker.example/share/x.css",
    ],
)
def test_url_fetcher_refuses_anything_but_static_files(url):
    with pytest.raises(pdf.ForbiddenURL):
        pdf.static_url_fetcher().fetch(url)


def test_url_fetcher_refuses_a_way_out_of_the_static_folder():
    base = pdf.static_base_url()
    with pytest.raises(pdf.ForbiddenURL):
        pdf.static_url_fetcher().fetch(base + "../../../../../../etc/passwd")
    with pytest.raises(pdf.ForbiddenURL):
        pdf.static_url_fetcher().fetch(base + "no-such-file.css")


def test_url_fetcher_reads_our_static_files():
    response = pdf.static_url_fetcher().fetch(pdf.static_base_url() + "css/portal.css")
    assert b"--brand" in response.read()
    assert response.content_type == "text/css"


def test_pdf_of_hostile_html_does_not_fetch_outside(monkeypatch):
    from weasyprint import HTML

    fetcher = pdf.static_url_fetcher()
    asked = []
    original = fetcher.fetch

    def spy(url, headers=None):
        asked.append(url)
        return original(url, headers)

    monkeypatch.setattr(fetcher, "fetch", spy)
    html = (
        '<link rel="stylesheet" href="http://169.254.169.254/x.css">'
        '<img src="file:///etc/passwd"><p>测试</p>'
    )
    printed = HTML(string=html, base_url=pdf.static_base_url(), url_fetcher=fetcher).write_pdf()
    assert printed.startswith(b"%PDF")
    assert set(asked) == {"http://169.254.169.254/x.css", "file:///etc/passwd"}  # and refused


# --- who may see what ---------------------------------------------------------------------------


def test_chief_accounts_are_refused_pages_and_api(client, api, chief_a1, street_a):
    bulletin = _built(street_a.street)
    client.force_login(chief_a1)
    for url in ("", f"{bulletin.pk}/", f"{bulletin.pk}/status/", f"{bulletin.pk}/pdf/"):
        assert client.get(f"/bulletins/{url}").status_code == 403, url
    assert client.post("/bulletins/", {"street": street_a.street.pk}).status_code == 403
    api_client = api.as_user(chief_a1)
    for url in ("", f"{bulletin.pk}/", f"{bulletin.pk}/pdf/"):
        assert api_client.get(f"/api/v1/bulletins/{url}").status_code == 403, url


def test_office_of_one_street_cannot_see_anothers_bulletin(client, api, office_a, street_b):
    bulletin_b = _built(street_b.street)
    client.force_login(office_a)
    for url in (f"{bulletin_b.pk}/", f"{bulletin_b.pk}/status/", f"{bulletin_b.pk}/pdf/"):
        assert client.get(f"/bulletins/{url}").status_code == 404, url
    assert street_b.street.name not in client.get("/bulletins/").content.decode()
    api_client = api.as_user(office_a)
    for url in (f"{bulletin_b.pk}/", f"{bulletin_b.pk}/pdf/"):
        assert api_client.get(f"/api/v1/bulletins/{url}").status_code == 404, url
    assert api_client.get("/api/v1/bulletins/").json()["count"] == 0
    # Nor request one for it: the street is not among the form's choices.
    response = client.post("/bulletins/", {"street": street_b.street.pk, "month": "2024-05"})
    assert response.status_code == 200 and not Bulletin.objects.filter(month=MAY).exclude(
        pk=bulletin_b.pk
    )


def test_leaders_read_the_api(api, street_a):
    """(The pages: tests/test_documents.py, a leader on every kind's list page.)"""
    leader = make_account(Role.LEADER, street_a.street)
    bulletin = _built(street_a.street)
    assert api.as_user(leader).get(f"/api/v1/bulletins/{bulletin.pk}/").status_code == 200


# --- the web page and the API -------------------------------------------------------------------


def test_office_requests_a_bulletin_and_follows_its_status(
    client, may, office_a, django_capture_on_commit_callbacks
):
    street_a, _chiefs = may
    client.force_login(office_a)
    page = client.get("/bulletins/").content.decode()
    assert "<script" in page and "js/documents.js" in page
    assert "<script>" not in page  # no inline script: a strict CSP is coming
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/bulletins/", {"street": street_a.street.pk, "month": "2024-05"})
    assert response.status_code == 302
    bulletin = Bulletin.objects.get(street=street_a.street, month=MAY)
    status = client.get(f"/bulletins/{bulletin.pk}/status/").json()
    assert status["status"] == "done" and status["progress"] == 100
    assert status["status_label"] == "已完成"
    assert status["pdf_url"] == f"/bulletins/{bulletin.pk}/pdf/"

    # Asked again: kept as published, unless the office chooses to rebuild it.
    payload = {"street": street_a.street.pk, "month": "2024-05", "rebuild": "keep"}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert client.post("/bulletins/", payload).status_code == 302
    assert callbacks == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert client.post("/bulletins/", payload | {"rebuild": "rebuild"}).status_code == 302
    assert len(callbacks) == 1
    rebuilt = Bulletin.objects.get(pk=bulletin.pk)
    assert rebuilt.status == BulletinStatus.DONE and rebuilt.finished_at > bulletin.finished_at


def test_form_refuses_a_month_not_over(client, office_a, street_a):
    client.force_login(office_a)
    month = timezone.localdate().strftime("%Y-%m")
    response = client.post("/bulletins/", {"street": street_a.street.pk, "month": month})
    assert response.status_code == 200
    assert "只能生成已结束月份的通报" in response.content.decode()
    assert not Bulletin.objects.exists()


def test_pdf_is_a_conflict_until_the_bulletin_is_done(client, api, office_a, street_a):
    bulletin = _requested(street_a.street)
    client.force_login(office_a)
    response = client.get(f"/bulletins/{bulletin.pk}/pdf/")
    assert response.status_code == 409
    assert "通报尚未生成完成" in response.content.decode()
    assert f'data-status-url="/bulletins/{bulletin.pk}/status/"' in response.content.decode()
    api_client = api.as_user(office_a)
    response = api_client.get(f"/api/v1/bulletins/{bulletin.pk}/pdf/")
    assert response.status_code == 409
    assert "排队中" in response.json()["detail"]
    response = api_client.get(
        f"/api/v1/bulletins/{bulletin.pk}/pdf/", HTTP_ACCEPT="application/pdf"
    )
    assert response.status_code == 409 and response["Content-Type"] == "application/json"
    body = api_client.get(f"/api/v1/bulletins/{bulletin.pk}/").json()
    assert body["pdf"] is None and body["status"] == "pending"


def test_api_lists_bulletins_with_their_pdf(api, may, office_a):
    street_a, _chiefs = may
    bulletin = _built(street_a.street)
    client = api.as_user(office_a)
    body = client.get("/api/v1/bulletins/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert {k: row[k] for k in ("id", "street", "month", "status", "progress", "error")} == {
        "id": bulletin.pk,
        "street": street_a.street.pk,
        "month": "2024-05-01",
        "status": "done",
        "progress": 100,
        "error": "",
    }
    assert row["pdf"] == f"http://testserver/api/v1/bulletins/{bulletin.pk}/pdf/"
    response = client.get(row["pdf"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


# --- a real worker: tests/test_document_worker.py, for every kind of document -------------------


# --- the page in a real browser -----------------------------------------------------------------


@needs_browser
# The live server runs in another thread: the test's data must be committed to be seen.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_list_page_follows_a_build_until_its_pdf_can_be_downloaded(
    live_server, client, street_a, monkeypatch
):
    # Playwright's sync API keeps an event loop in this thread; the ORM calls below are plain
    # blocking calls between browser steps, which is not what this check exists to prevent.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    def update(**fields) -> None:
        Bulletin.objects.filter(pk=bulletin.pk).update(**fields)
        # Inside the loop's context Django opens a connection of its own; left open, it would
        # keep the test database from being dropped.
        connection.close()

    office = make_account(Role.OFFICE, street_a.street)
    bulletin = Bulletin.objects.create(
        street=street_a.street,
        month=MAY,
        status=BulletinStatus.RUNNING,
        progress=40,
        started_at=timezone.now(),
    )
    client.force_login(office)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    problems: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            context = browser.new_context(locale="zh-CN")
            context.set_default_timeout(20_000)
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
            page = context.new_page()
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(f"{live_server.url}/bulletins/")
            row = page.locator(f"tr[data-bulletin][data-status-url$='/{bulletin.pk}/status/']")
            expect = sync_api.expect
            expect(row.locator("[data-role=status]")).to_have_text("生成中")
            expect(row.locator("[data-role=pdf]")).to_be_hidden()

            update(progress=80)
            # A locator assertion, not wait_for_function: the page's CSP forbids evaluating strings.
            expect(row.locator("[data-role=progress]")).to_have_js_property("value", 80)
            update(status=BulletinStatus.DONE, progress=100, pdf="bulletins/x.pdf")
            expect(row.locator("[data-role=status]")).to_have_text("已完成")
            expect(row.locator("[data-role=pdf]")).to_be_visible()
            assert row.locator("[data-role=pdf]").get_attribute("href") == (
                f"/bulletins/{bulletin.pk}/pdf/"
            )
        finally:
            browser.close()
    assert problems == []
