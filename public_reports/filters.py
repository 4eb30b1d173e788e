from accounts.filters import DatedFilterSet

from .models import PublicReport


class PublicReportFilter(DatedFilterSet):
    date_field = "created_at__date"

    class Meta:
        model = PublicReport
        fields = ["issue", "triage"]
