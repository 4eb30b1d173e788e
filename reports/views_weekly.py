"""Weekly report pages (周汇报): the list with a request form, and a report.

Like the monthly bulletin's pages (patrols/views_bulletins.py): for the office and leaders,
chiefs refused (403), streets outside the account's region not found. The status and the PDF
are the document pipeline's own addresses (/documents/weekly-report/<pk>/...).
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.models import User
from accounts.roles import OFFICE_ROLES
from core.forms import own_region_first
from core.views_documents import DocumentListView

from .models import WeeklyReport
from .weekly import WEEKLY_REPORTS, week_label, weekly_report_request, weekly_streets


class WeeklyReportRequestForm(forms.Form):
    street = forms.ModelChoiceField(label=gettext_lazy("街道（镇）"), queryset=None)
    # Any day of the week: the report covers its Monday to Sunday.
    week = forms.DateField(
        label=gettext_lazy("周内任一日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("请选择日期，如 2026-03-02。")},
    )
    rebuild = forms.TypedChoiceField(
        label=gettext_lazy("该周周汇报已生成时"),
        choices=[
            ("keep", gettext_lazy("保留已发布的周汇报")),
            ("rebuild", gettext_lazy("按最新记录重新生成")),
        ],
        coerce=lambda value: value == "rebuild",
        required=False,
        empty_value=False,
        initial="keep",
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        own_region_first(
            self.fields["street"], queryset=weekly_streets(user=user).order_by("code"), user=user
        )


class WeeklyReportIndex(DocumentListView):
    kind = WEEKLY_REPORTS
    template_name = "reports/weekly_list.html"
    form_class = WeeklyReportRequestForm
    requesters = OFFICE_ROLES
    refusal = gettext_lazy("只有河长办和管理员可以生成周汇报。")

    def initial(self) -> dict:
        return {"week": timezone.localdate() - datetime.timedelta(days=7)}

    def request_document(self, *, user: User, **data) -> WeeklyReport:
        return weekly_report_request(**data)

    def requested(self, report: WeeklyReport) -> HttpResponse:
        messages.success(
            self.request,
            _("已提交：%(street)s %(week)s 的周汇报，状态：%(status)s。")
            % {
                "street": report.street.name,
                "week": week_label(report.week),
                "status": report.get_status_display(),
            },
        )
        return redirect("weekly-report-index")


weekly_report_index = WeeklyReportIndex.as_view()


@login_required
@require_GET
def weekly_report_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(WEEKLY_REPORTS.visible(request.user), pk=pk)
    context = {"kind": WEEKLY_REPORTS, "row": report, "title": WEEKLY_REPORTS.title(report)}
    return render(request, "reports/weekly_detail.html", context)
