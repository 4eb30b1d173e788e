"""Reads for issues: scoped lists with ``overdue`` worked out in SQL."""

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User

from .models import Issue, IssueEvent, IssuePhoto, IssueStatus, SupervisionOrder


def with_overdue(queryset: QuerySet[Issue]) -> QuerySet[Issue]:
    """Open and past its deadline (today is the last day, not overdue yet)."""
    today = timezone.localdate()
    return queryset.annotate(
        overdue=Case(
            When(Q(deadline__lt=today) & ~Q(status=IssueStatus.CLOSED), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def issue_list(*, user: User) -> QuerySet[Issue]:
    return with_overdue(
        Issue.objects.visible_to(user).select_related(
            "region", "reach__river", "assignee_region", "assignee_chief"
        )
    )


def issue_timeline(*, issue: Issue) -> QuerySet[IssueEvent]:
    return issue.events.select_related("by").prefetch_related("photos")


def issue_photos(*, issue: Issue) -> QuerySet[IssuePhoto]:
    return issue.photos.all()


def supervision_order_list(*, user: User) -> QuerySet[SupervisionOrder]:
    return SupervisionOrder.objects.visible_to(user).select_related("issue", "issued_by")


def issue_supervision_orders(*, issue: Issue) -> QuerySet[SupervisionOrder]:
    return issue.supervision_orders.select_related("issue", "issued_by")
