from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("报告")

    def ready(self) -> None:
        from core import documents

        from . import receivers  # noqa: F401  (connects to the lower apps' signals)
        from .assessment_documents import ASSESSMENT_DOCUMENTS
        from .river_file_documents import RIVER_FILES
        from .services import REPORTS
        from .weekly import WEEKLY_REPORTS

        documents.register(REPORTS)
        documents.register(WEEKLY_REPORTS)
        documents.register(ASSESSMENT_DOCUMENTS)
        documents.register(RIVER_FILES)
