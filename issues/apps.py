from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = _("问题")

    def ready(self) -> None:
        from calendars.signals import holiday_year_loaded
        from core import documents
        from core.media import register_file_kind
        from core.signals import announce_changes

        from .deadlines import holiday_year_loaded_receiver
        from .documents import SUPERVISION_ORDERS
        from .models import Issue, IssueDeadline, IssueEvent, IssuePhoto
        from .selectors import issue_photo_list
        from .signals import issues_changed

        announce_changes(Issue, issues_changed)
        # A deadline set or a timeline line (交办) moves the overdue and assigned figures even
        # when written without the issue: announced as changes of their issue.
        announce_changes(IssueDeadline, issues_changed)
        announce_changes(IssueEvent, issues_changed)
        register_file_kind(
            slug="issue-photo", model=IssuePhoto, field="image", visible=issue_photo_list
        )
        documents.register(SUPERVISION_ORDERS)
        holiday_year_loaded.connect(
            holiday_year_loaded_receiver, dispatch_uid="issues.provisional_deadlines_recount"
        )
