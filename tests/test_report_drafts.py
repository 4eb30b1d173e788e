"""The office's report texts are saved as a draft while typing, and the page warns before the
session ends: nothing typed is lost (issue #14, point 5)."""

import time

import pytest
from django.conf import settings
from django.test import Client

from accounts.middleware import LOGIN_AT, SEEN_AT
from reports.models import Report, ReportKind

from .browser import ARTIFACTS, launch, needs_browser, sync_api, wait_until
from .conftest import make_account

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


@pytest.fixture
def report(street_a) -> Report:
    return Report.objects.create(region=street_a.street, kind=ReportKind.ANNUAL, year=2025)


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_draft_is_saved_without_leaving_the_page(office_a, report):
    response = _logged_in(office_a).post(
        f"/reports/{report.pk}/texts/",
        {"opening": "  今年我街道全面推行河长制。 ", "plans": "加强巡河。", "rounding": "exact"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"saved_at"}
    report.refresh_from_db()
    assert report.opening == "今年我街道全面推行河长制。"
    assert report.plans == "加强巡河。"
    assert report.problems_note == ""


def test_a_draft_too_long_is_refused_field_by_field_and_nothing_changes(office_a, report):
    response = _logged_in(office_a).post(
        f"/reports/{report.pk}/texts/", {"opening": "字" * 5001, "rounding": "exact"}
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["opening"]
    report.refresh_from_db()
    assert report.opening == ""


def test_an_ended_session_answers_401_not_the_login_page(report):
    response = Client().post(f"/reports/{report.pk}/texts/", {"opening": "x"})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("role", ["leader", "chief"])
def test_only_the_office_saves_drafts(street_a, report, role):
    user = make_account(role, street_a.street)
    response = _logged_in(user).post(f"/reports/{report.pk}/texts/", {"opening": "x"})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.opening == ""


def test_another_streets_report_is_not_found(office_b, report):
    response = _logged_in(office_b).post(f"/reports/{report.pk}/texts/", {"opening": "x"})
    assert response.status_code == 404


def test_continue_working_restarts_the_idle_clock(office_a, settings):
    client = Client()
    client.post("/accounts/login/", {"username": office_a.username, "password": PASSWORD})
    session = client.session
    session[SEEN_AT] = int(time.time()) - 20 * 60  # idle for 20 of the 30 minutes
    session.save()
    response = client.post("/accounts/session/")
    assert response.status_code == 200
    body = response.json()
    now = int(time.time())
    assert now + 30 * 60 - 5 <= body["idle_ends_at"] <= now + 30 * 60
    assert body["ends_at"] == client.session[LOGIN_AT] + 12 * 3600
    assert client.session[SEEN_AT] >= now - 1


def test_continue_working_is_post_only_and_needs_a_session():
    assert Client().post("/accounts/session/").status_code == 401
    assert Client().get("/accounts/session/").status_code == 405


def test_pages_of_a_signed_in_user_carry_the_session_limits(office_a):
    client = Client()
    client.post("/accounts/login/", {"username": office_a.username, "password": PASSWORD})
    page = client.get("/reports/").content.decode()
    assert 'data-session-idle="1800"' in page
    assert f'data-session-ends="{client.session[LOGIN_AT] + 12 * 3600}"' in page
    assert "js/session.js" in page
    assert "data-session-idle" not in Client().get("/accounts/login/").content.decode()


@needs_browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_typed_text_survives_a_session_that_ends_and_the_page_warns_first(
    live_server, street_a, request, monkeypatch
):
    # The test reads the database between the browser's steps (Playwright's loop runs here).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    office = make_account("office", street_a.street)
    report = Report.objects.create(region=street_a.street, kind=ReportKind.ANNUAL, year=2025)

    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(20_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        def log_in() -> None:
            page.goto(f"{live_server.url}/accounts/login/?next=/reports/{report.pk}/")
            page.fill("#id_username", office.username)
            page.fill("#id_password", PASSWORD)
            with page.expect_navigation():
                page.press("#id_password", "Enter")
            page.wait_for_url(f"**/reports/{report.pk}/")

        try:
            page.clock.install()
            log_in()
            # Typing saves a draft two seconds after the last key, without a click.
            page.fill("#id_opening", "第一段：全年巡河。")
            page.clock.run_for(2500)
            wait_until(
                page,
                "document.querySelector('[data-autosave-status]').textContent.includes('自动保存')",
            )
            report.refresh_from_db()
            assert report.opening == "第一段：全年巡河。"

            # 26 idle minutes: the page warns; "继续工作" keeps the session.
            page.clock.fast_forward("26:00")
            warning = page.locator("[data-session-warning]")
            warning.wait_for(state="visible")
            assert "分钟后超时" in warning.inner_text()
            page.click("[data-session-continue]")
            warning.wait_for(state="hidden")

            # The session ends anyway (its cookie is gone, as when the server ends it); what is
            # typed now stays in the browser, and comes back and is saved after signing in again.
            context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
            page.fill("#id_opening", "第二段：一个字也不能丢。")
            page.clock.run_for(2500)
            wait_until(
                page,
                "document.querySelector('[data-autosave-status]').textContent"
                ".includes('登录已超时')",
            )
            report.refresh_from_db()
            assert report.opening == "第一段：全年巡河。"
            log_in()
            assert page.input_value("#id_opening") == "第二段：一个字也不能丢。"
            wait_until(
                page,
                "document.querySelector('[data-autosave-status]').textContent.includes('已恢复')",
            )
            page.clock.run_for(1000)
            wait_until(
                page,
                "document.querySelector('[data-autosave-status]').textContent.includes('自动保存')",
            )
            report.refresh_from_db()
            assert report.opening == "第二段：一个字也不能丢。"
            assert errors == []
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            raise
        finally:
            browser.close()
