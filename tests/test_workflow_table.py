"""The issue workflow table, written out literally: a wrong entry in issues.workflow fails here,
whatever the tests that walk the table (test_issues, test_issue_pages) derive from it."""

import pytest

from issues.workflow import TRANSITIONS, allowed_actions

OFFICE_ALLOWS = {
    "reported": ["assign", "void"],
    "assigned": ["assign", "start", "escalate", "remind", "refer", "void"],
    "rectifying": ["submit", "escalate", "remind", "refer", "void"],
    "awaiting_acceptance": ["accept", "reject", "escalate", "void"],
    "closed": [],
    "voided": [],
}
CHIEF_ALLOWS = {
    "reported": [],
    "assigned": ["start"],
    "rectifying": ["submit"],
    "awaiting_acceptance": [],
    "closed": [],
    "voided": [],
}


@pytest.mark.parametrize("status", list(OFFICE_ALLOWS))
def test_what_each_role_may_do_in_each_status(status):
    assert allowed_actions(status=status, role="admin") == OFFICE_ALLOWS[status]
    assert allowed_actions(status=status, role="office") == OFFICE_ALLOWS[status]
    assert allowed_actions(status=status, role="chief") == CHIEF_ALLOWS[status]
    # Leaders read; they never move an issue.
    assert allowed_actions(status=status, role="leader") == []


def test_where_each_action_leads_and_what_it_asks_for():
    table = {
        action: (
            t.target,
            t.needs_comment,
            t.needs_deadline,
            t.needs_assignee,
            t.needs_after_photo,
            t.needs_reason,
        )
        for action, t in TRANSITIONS.items()
    }
    assert table == {
        "assign": ("assigned", False, False, True, False, False),
        "start": ("rectifying", False, False, False, False, False),
        "submit": ("awaiting_acceptance", False, False, False, False, False),
        "accept": ("closed", False, False, False, True, False),
        "reject": ("rectifying", True, False, False, False, False),
        "escalate": (None, False, True, False, False, False),
        "remind": (None, False, False, False, False, False),
        "refer": (None, True, False, False, False, False),
        "void": ("voided", False, False, False, False, True),
    }
