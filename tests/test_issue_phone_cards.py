"""The chief's issue pages on a phone (the layout is proved in a browser by
tests/test_phone_width_browser.py): every listed issue says how far its deadline is, flagged
when overdue or due within three days, and the issue page puts the actions the account may take
now in a bar for the thumb."""

import datetime
import re

from django.utils import timezone

from accounts.models import Role
from issues.models import IssueStatus

from .conftest import make_account
from .test_issue_pages import make_issue


def _chief(street):
    chief = street.chiefs[0]
    return chief, make_account(Role.CHIEF, chief.region, chief=chief)


def _row(page: str, code: str) -> str:
    match = re.search(rf"<tr data-issue=[^>]*>(?:(?!</tr>).)*{re.escape(code)}.*?</tr>", page, re.S)
    assert match, f"{code} not listed"
    return match.group(0)


def test_each_listed_issue_says_how_far_its_deadline_is(client, street_a):
    chief, user = _chief(street_a)
    today = timezone.localdate()
    later = make_issue(
        street_a, status=IssueStatus.ASSIGNED, chief=chief, deadline=today + datetime.timedelta(10)
    )
    soon = make_issue(
        street_a, status=IssueStatus.ASSIGNED, chief=chief, deadline=today + datetime.timedelta(2)
    )
    late = make_issue(
        street_a, status=IssueStatus.RECTIFYING, chief=chief, deadline=today - datetime.timedelta(3)
    )
    client.force_login(user)
    page = client.get("/issues/").content.decode()

    assert '<span class="badge deadline-note">剩余10天</span>' in _row(page, later.code)
    assert '<span class="badge deadline-note warn">剩余2天</span>' in _row(page, soon.code)
    assert '<span class="badge deadline-note bad">超期3天</span>' in _row(page, late.code)
    assert 'class="overdue"' in _row(page, late.code)
    assert 'class="issue-table as-cards"' in page


def test_the_chief_has_the_rectification_in_the_thumb_bar(client, street_a):
    chief, user = _chief(street_a)
    issue = make_issue(street_a, status=IssueStatus.RECTIFYING, chief=chief)
    client.force_login(user)
    page = client.get(f"/issues/{issue.pk}/").content.decode()

    bar = re.search(r'<nav class="action-bar".*?</nav>', page, re.S)
    assert bar, "no action bar"
    targets = re.findall(r'href="#([\w-]+)"', bar.group(0))
    assert targets[0] == "photo-upload"
    assert "上传整改后照片" in bar.group(0)
    # Every jump lands on a form of the page, the action forms among them.
    for target in targets:
        assert f'id="{target}"' in page
    assert any(target.startswith("action-") for target in targets)


def test_a_leader_who_may_do_nothing_has_no_bar(client, street_a):
    chief, _user = _chief(street_a)
    issue = make_issue(street_a, status=IssueStatus.CLOSED, chief=chief)
    client.force_login(make_account(Role.LEADER, street_a.street))
    page = client.get(f"/issues/{issue.pk}/").content.decode()
    assert 'class="action-bar"' not in page
