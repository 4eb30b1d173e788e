"""A 45-minute patrol uploads without a new login, in a real browser: the phone page holds the
patrol's upload credential (patrols.credentials), so the session's 30-minute idle limit passing
mid-patrol costs the chief nothing.

Started with a signal, or with none (the patrol takes the spare credential the page asked for
when it was loaded). The browser's clock is Playwright's (page.clock): installed 46 minutes in
the past and advanced 45 minutes mid-patrol. The server's view of the session is moved the same
way: its last request is stamped 45 minutes ago, so the session has really ended when the patrol
is sent.
"""

import threading
import time

import pytest
from django.conf import settings
from django.db import connections
from django.utils.module_loading import import_string

from accounts.middleware import SEEN_AT
from patrols.models import Patrol

from .browser import needs_browser, wait_until
from .phone_browser import log_in_to_phone, phone_page, wait_for_state, walk

PATROL_MINUTES = 45


def _idle_since(session_key: str, minutes: int) -> None:
    """Stamp the session's last request ``minutes`` ago, as the server sees it."""
    session = import_string(f"{settings.SESSION_ENGINE}.SessionStore")(session_key=session_key)
    session[SEEN_AT] = int(time.time()) - minutes * 60
    session.save()


def _in_a_thread(function, *args) -> None:
    """Between Playwright's calls, whose event loop makes Django refuse the ORM (it looks like
    async code): a thread of its own, which closes its connection when done."""
    errors = []

    def run():
        try:
            function(*args)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


@needs_browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
# "none": the patrol starts and is walked with no signal (the spare credential serves).
@pytest.mark.parametrize("signal", ["good", "none"])
def test_a_45_minute_patrol_uploads_without_a_new_login(
    signal,
    live_server,
    chief_account,
    media_root,
    request,
):
    user, chief, reach = chief_account
    started_at = time.time() - (PATROL_MINUTES + 1) * 60  # Playwright takes Unix seconds

    with phone_page(request, service_workers="block") as (context, page):
        page.clock.install(time=started_at)
        log_in_to_phone(page, live_server, user)
        wait_for_state(page, "idle")
        if signal == "none":
            # The page, loaded with a signal, keeps a spare credential for the next patrol.
            wait_until(page, f"localStorage.getItem('river-chief-patrol-spare-{user.pk}')")
            context.set_offline(True)
            wait_until(page, "!navigator.onLine")

        page.select_option("#reach", str(reach.pk))
        page.click("#start")
        wait_for_state(page, "recording")
        step = walk(context, page, 3, start_step=1)
        # The patrol holds its credential, asked for while the session was live.
        wait_until(
            page,
            """PatrolStore.patrolsOf(JSON.parse(document.getElementById('patrol-config')
                .textContent).account).then((p) => { window.__credential = Boolean(
                p[0] && p[0].credential && p[0].credential.token); }),
               window.__credential === true""",
        )

        # 45 minutes of walking with no request to the server.
        page.clock.fast_forward(f"{PATROL_MINUTES}:00")  # mm:ss
        (cookie,) = [c for c in context.cookies() if c["name"] == "sessionid"]
        _in_a_thread(_idle_since, cookie["value"], PATROL_MINUTES)
        if signal == "none":
            context.set_offline(False)
            wait_until(page, "navigator.onLine")
        # The session has ended: without the credential the upload would answer 401.
        assert page.evaluate("fetch('/api/v1/patrols/').then((r) => r.status)") == 401

        walk(context, page, 2, start_step=step)
        page.click("#finish")
        wait_for_state(page, "finished")
        page.fill("#notes", "长时间巡河")
        page.click("#submit")
        wait_for_state(page, "submitted")
        assert "登录已过期" not in page.locator("#patrol-status").inner_text()

    patrol = Patrol.objects.get(chief=chief)
    assert patrol.created_by == user
    assert patrol.notes == "长时间巡河"
    minutes = (patrol.ended_at - patrol.started_at).total_seconds() / 60
    assert PATROL_MINUTES <= minutes < PATROL_MINUTES + 2
