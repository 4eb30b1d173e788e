"""Weekly report pages (周汇报): the list with a request form, and a report.

Like the monthly bulletin's pages (patrols/views_bulletins.py): for the office and leaders,
chiefs refused (403), streets outside the account's region not found. The status and the PDF
are the document pipeline's own addresses (/documents/weekly-report/<pk>/...).
"""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import OFFICE_ROLES
from core.forms import StreetDocumentRequestForm, rebuild_field
from core.views_documents import DocumentListView, document_page

from .models import WeeklyReport
from .weekly import WEEKLY_REPORTS, week_label, weekly_report_request, weekly_streets


class WeeklyReportRequestForm(StreetDocumentRequestForm):
    # Any day of the week: the report covers its Monday to Sunday.
    week = forms.DateField(
        label=gettext_lazy("周内任一日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("请选择日期，如 2026-03-02。")},
    )
    rebuild = rebuild_field(
        label=gettext_lazy("该周周汇报已生成时"),
        keep=gettext_lazy("保留已发布的周汇报"),
        rebuild=gettext_lazy("按最新记录重新生成"),
    )

    def streets(self, *, user: User):
        return weekly_streets(user=user)


class WeeklyReportIndex(DocumentListView):
    kind = WEEKLY_REPORTS
    template_name = "reports/weekly_list.html"
    form_class = WeeklyReportRequestForm
    requesters = OFFICE_ROLES
    refusal = gettext_lazy("只有河长办和管理员可以生成周汇报。")
    index_url = "weekly-report-index"

    def initial(self) -> dict:
        return {"week": timezone.localdate() - datetime.timedelta(days=7)}

    def request_document(self, *, user: User, **data) -> WeeklyReport:
        return weekly_report_request(**data)

    def requested_message(self, report: WeeklyReport) -> str:
        return _("已提交：%(street)s %(week)s 的周汇报，状态：%(status)s。") % {
            "street": report.street.name,
            "week": week_label(report.week),
            "status": report.get_status_display(),
        }


weekly_report_index = WeeklyReportIndex.as_view()
weekly_report_view = document_page(WEEKLY_REPORTS, "reports/weekly_detail.html")
