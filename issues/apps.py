from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = _("问题")

    def ready(self) -> None:
        from core import documents
        from core.media import register_file_kind
        from core.signals import announce_changes

        from .documents import SUPERVISION_ORDERS
        from .models import Issue, IssuePhoto
        from .selectors import issue_photo_list
        from .signals import issues_changed

        announce_changes(Issue, issues_changed)
        register_file_kind(
            slug="issue-photo", model=IssuePhoto, field="image", visible=issue_photo_list
        )
        documents.register(SUPERVISION_ORDERS)
