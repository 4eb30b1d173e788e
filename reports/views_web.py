"""Work report pages: the list with a request form, and a report with its status, downloads and
(for the office) its text parts and a regenerate button.

The pages are the document pipeline's (templates/documents/): the status is followed in the
browser by its polling script (static/js/documents.js) and its status view; the files are
downloaded from the API, which checks the account. Leaders read, chief accounts are refused
(403), reports of regions outside the account's region are not found (404).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.exceptions import ValidationError as DRFValidationError

from accounts.models import User
from accounts.roles import OFFICE_ROLES
from core.exceptions import StateConflict
from core.forms import error_messages
from core.views_documents import DocumentListView

from . import selectors, services
from .filters import ReportFilter
from .models import Report, ReportKind, ReportStatus, Rounding
from .services import REPORTS
from .views_stats import records_from

EDITORS_ONLY = gettext_lazy("只有河长办和管理员可以生成和修改报告。")


def _require_editor(user: User) -> None:
    if user.effective_role not in OFFICE_ROLES:
        raise PermissionDenied(str(EDITORS_ONLY))


class ReportRequestForm(forms.Form):
    region = forms.ModelChoiceField(label=gettext_lazy("区域"), queryset=None)
    kind = forms.ChoiceField(label=gettext_lazy("报告类型"), choices=ReportKind.choices)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    period = forms.TypedChoiceField(
        label=gettext_lazy("期次"),
        choices=[
            ("", gettext_lazy("—（年度总结不选）")),
            (1, gettext_lazy("第一季度 / 上半年")),
            (2, gettext_lazy("第二季度 / 下半年")),
            (3, gettext_lazy("第三季度")),
            (4, gettext_lazy("第四季度")),
        ],
        coerce=int,
        empty_value=None,
        required=False,
    )
    rounding = forms.ChoiceField(
        label=gettext_lazy("数字写法"), choices=Rounding.choices, initial=Rounding.EXACT
    )
    document_date = forms.DateField(
        label=gettext_lazy("成文日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("印在报告末尾的日期；留空则为生成当天。"),
    )
    issuer = forms.CharField(
        label=gettext_lazy("发文单位"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("在报告末尾署名的单位；留空则为区域名称加河长制办公室。"),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        # The period list stays on the page whatever the type: an annual report ignores it
        # rather than refusing the request over a field the user had no reason to touch.
        if cleaned.get("kind") == ReportKind.ANNUAL:
            cleaned["period"] = None
        return cleaned

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        regions = selectors.report_regions(user=user)
        self.fields["region"].queryset = regions
        if user.region_id:
            self.fields["region"].initial = user.region_id


class ReportTextsForm(forms.ModelForm):
    class Meta:
        model = Report
        fields = ["rounding", "document_date", "issuer", "opening", "problems_note", "plans"]
        widgets = {
            "document_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "opening": forms.Textarea(attrs={"rows": 4}),
            "problems_note": forms.Textarea(attrs={"rows": 6}),
            "plans": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "opening": gettext_lazy("留空则使用自动生成的开头段落。"),
            "problems_note": gettext_lazy("补充在自动列出的问题之后；可留空。"),
            "plans": gettext_lazy("留空则使用自动生成的下一步工作打算。"),
        }


def _last_quarter_initial() -> dict:
    today = timezone.localdate()
    quarter = (today.month - 1) // 3  # the last quarter that has ended; 0: last year's fourth
    year = today.year if quarter else today.year - 1
    return {"kind": ReportKind.QUARTERLY, "year": year, "period": quarter or 4}


class ReportIndex(DocumentListView):
    kind = REPORTS
    template_name = "reports/report_list.html"
    form_class = ReportRequestForm
    requesters = OFFICE_ROLES
    refusal = EDITORS_ONLY

    def initial(self) -> dict:
        return _last_quarter_initial()

    def request_document(self, *, user: User, **data) -> Report:
        return services.report_request(user=user, **data)

    def requested(self, report: Report) -> HttpResponse:
        status = report.get_status_display()
        title = selectors.report_title(report)
        messages.success(
            self.request,
            _("已提交：%(title)s，状态：%(status)s。") % {"title": title, "status": status},
        )
        # To the report, whose page follows the build; reloading does not ask again.
        return redirect("report-view", pk=report.pk)

    def listed(self, rows):
        # ?region= (that region and below), ?kind=, ?year=, ?status= as the API's list takes
        # them: the home page links the failed ones (?status=failed).
        filters = ReportFilter(self.request.GET, queryset=rows, request=self.request)
        if not filters.is_valid():
            return rows.none(), 400, {"filters": filters}
        return filters.qs, 200, {"filters": filters}

    def annotate(self, report: Report) -> None:
        report.period_name = selectors.report_period_name(report)


report_index = ReportIndex.as_view()


def _visible(request: HttpRequest, pk: int) -> Report:
    return get_object_or_404(REPORTS.visible(request.user), pk=pk)


def _detail(request: HttpRequest, report: Report, texts_form=None, status: int = 200):
    can_edit = request.user.effective_role in OFFICE_ROLES
    figures = selectors.report_figures(report)
    if can_edit and texts_form is None:
        texts_form = ReportTextsForm(instance=report)
    # Done but without files: the cleanup removed them once they expired.
    expired = report.status == ReportStatus.DONE and not report.pdf
    return render(
        request,
        "reports/report_detail.html",
        {
            "kind": REPORTS,
            "row": report,
            "title": selectors.report_title(report),
            "texts_form": texts_form if can_edit else None,
            "can_edit": can_edit,
            "expired": expired,
            "figures": figures,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = _visible(request, pk)
    if request.method == "GET":
        return _detail(request, report)
    _require_editor(request.user)
    form = ReportTextsForm(request.POST, instance=Report.objects.get(pk=report.pk))
    if not form.is_valid():
        return _detail(request, report, texts_form=form, status=400)
    texts = dict(form.cleaned_data)
    services.report_update_texts(
        report=report,
        user=request.user,
        clear_document_date=texts.get("document_date") is None,
        **texts,
    )
    messages.success(request, _("已保存。重新生成后，新的文字才会写入报告。"))
    return redirect("report-view", pk=report.pk)


@never_cache
@require_POST
def report_texts_autosave(request: HttpRequest, pk: int) -> JsonResponse:
    """The report page's draft, saved while the office types (static/js/reports.js): the same
    form and service as "保存文字", answered in JSON. Not signed in (the session ended): 401,
    never a redirect to the login page, so that the page keeps the text and says so."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("登录已超时，请重新登录。")}, status=401)
    if request.user.effective_role not in OFFICE_ROLES:
        return JsonResponse({"detail": str(EDITORS_ONLY)}, status=403)
    report = _visible(request, pk)
    form = ReportTextsForm(request.POST, instance=Report.objects.get(pk=report.pk))
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    texts = dict(form.cleaned_data)
    services.report_update_texts(
        report=report,
        user=request.user,
        clear_document_date=texts.get("document_date") is None,
        **texts,
    )
    return JsonResponse({"saved_at": timezone.localtime().strftime("%H:%M:%S")})


@login_required
@require_POST
def report_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    report = _visible(request, pk)
    _require_editor(request.user)
    try:
        services.report_regenerate(report=report, user=request.user)
    except StateConflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已提交重新生成。"))
    return redirect("report-view", pk=report.pk)


@login_required
@require_GET
def figure_records(request: HttpRequest) -> HttpResponse:
    """The records behind one figure of a region and period: what the office checks before it
    signs (the same rows as ``stats/records/``)."""
    REPORTS.visible(request.user)  # the readers of the reports, no one else
    try:
        records = records_from(request)
    except DRFValidationError as exc:
        return render(
            request,
            "reports/figure_records.html",
            {"errors": error_messages(exc)},
            status=400,
        )
    page = Paginator(records.rows, 50).get_page(request.GET.get("page"))
    fig = records.figure
    return render(
        request,
        "reports/figure_records.html",
        {
            "records": records,
            "figure": fig,
            "listed": records.listed,
            "rows": [records.describe(row) for row in page.object_list],
            "page": page,
            "count": page.paginator.count,
            "part_label": _part_label(records, request.GET.get("part")),
        },
    )


def _part_label(records, part: str | None) -> str:
    fig = records.figure
    if not part or not fig.by:
        return ""
    return str(fig.choices(part).label) if fig.choices else part
