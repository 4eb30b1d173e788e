"""The issue workflow as data: which action moves which status to which, and who may do it.

发现、交办、整改、验收、销号: reported -> assigned -> rectifying -> awaiting acceptance -> closed,
with reject sending work back, and escalate (督办), remind (催办) and refer (提请研究) leaving the
status as it is. void (作废) ends an open issue without work: a duplicate, not a real problem, or
not ours to fix. The service reads this table; nothing else decides what is allowed.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from accounts.roles import OFFICE_AND_CHIEFS, OFFICE_ROLES

from .models import IssueStatus as S

IN_HAND = frozenset({S.ASSIGNED, S.RECTIFYING, S.AWAITING_ACCEPTANCE})
OPEN = frozenset({S.REPORTED}) | IN_HAND


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: the status stays as it is
    roles: frozenset[str]
    needs_comment: bool = False
    needs_deadline: bool = False
    needs_assignee: bool = False
    needs_after_photo: bool = False
    needs_reason: bool = False  # a VoidReason


TRANSITIONS: dict[str, Transition] = {
    "assign": Transition(
        frozenset({S.REPORTED, S.ASSIGNED}), S.ASSIGNED, OFFICE_ROLES, needs_assignee=True
    ),
    "start": Transition(frozenset({S.ASSIGNED}), S.RECTIFYING, OFFICE_AND_CHIEFS),
    "submit": Transition(frozenset({S.RECTIFYING}), S.AWAITING_ACCEPTANCE, OFFICE_AND_CHIEFS),
    "accept": Transition(
        frozenset({S.AWAITING_ACCEPTANCE}), S.CLOSED, OFFICE_ROLES, needs_after_photo=True
    ),
    "reject": Transition(
        frozenset({S.AWAITING_ACCEPTANCE}), S.RECTIFYING, OFFICE_ROLES, needs_comment=True
    ),
    "escalate": Transition(IN_HAND, None, OFFICE_ROLES, needs_deadline=True),
    "remind": Transition(frozenset({S.ASSIGNED, S.RECTIFYING}), None, OFFICE_ROLES),
    "refer": Transition(
        frozenset({S.ASSIGNED, S.RECTIFYING}), None, OFFICE_ROLES, needs_comment=True
    ),
    "void": Transition(OPEN, S.VOIDED, OFFICE_ROLES, needs_reason=True),
}
ACTIONS = tuple(TRANSITIONS)
# What the office may still correct with an edit (title, category, place, source...): every
# open issue; a closed or voided one is the record of how it ended.
EDITABLE = OPEN
# Where an edit may also move the deadline (kept in the deadline history as 修改时限): once
# assigned and before work starts, where a new assignment could set it anyway. Later a new
# deadline comes only with a 督办 (escalate) and its supervision order.
DEADLINE_EDITABLE = frozenset({S.ASSIGNED})
# The event that opens every timeline; not an action anyone can take afterwards.
REPORT = "report"
# The line an edit writes in the timeline (what changed); the status stays as it is.
EDIT = "edit"

# What each line of the timeline is called in the office's words.
ACTION_LABELS = {
    REPORT: gettext_lazy("发现"),
    EDIT: gettext_lazy("编辑"),
    "assign": gettext_lazy("交办"),
    "start": gettext_lazy("整改"),
    "submit": gettext_lazy("提交验收"),
    "accept": gettext_lazy("销号"),
    "reject": gettext_lazy("退回整改"),
    "escalate": gettext_lazy("督办"),
    "remind": gettext_lazy("催办"),
    "refer": gettext_lazy("提请研究"),
    "void": gettext_lazy("作废"),
}


def allowed_actions(*, status: str, role: str) -> list[str]:
    return [
        action
        for action, transition in TRANSITIONS.items()
        if status in transition.sources and role in transition.roles
    ]
