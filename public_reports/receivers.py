"""What public reports do when an issue changes (``issues.signals.issues_changed``): a report
still waiting for triage whose issue the office assigned or voided from the issue page is
triaged by that move (``services.public_report_follow_issue``)."""

from django.dispatch import receiver

from issues.models import Issue
from issues.signals import issues_changed

from .services import public_report_follow_issue


@receiver(issues_changed, dispatch_uid="public_reports.follow_issue")
def follow_issue(sender, records, **kwargs) -> None:
    issue = records[-1]
    if isinstance(issue, Issue) and issue.pk is not None:
        public_report_follow_issue(issue=issue)
