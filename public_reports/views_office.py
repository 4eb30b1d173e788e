"""The office's pages for public reports (分拣): the queue, and each report's page where the
office sets the category and a full title, sees the reporter's phone, accepts the report as
the issue it opened, merges it into an issue already known, or does not accept it.

Office and admins only (403 for every other role); another region's report is not found.
Every step goes through ``public_reports.services`` and is audited there.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.roles import OFFICE_ROLES
from core.exceptions import StateConflict
from core.forms import form_show_errors
from issues.models import Issue, IssueCategory, IssueStatus
from issues.selectors import category_guess

from . import selectors, services
from .forms import TriageClassifyForm, TriageMergeForm, TriageVoidForm
from .models import PublicReport, Triage

PAGE_SIZE = 25
TRIAGE_STEPS = ("classify", "accept", "merge", "void")


def _check_office(user: User) -> None:
    if user.effective_role not in OFFICE_ROLES:
        raise PermissionDenied(_("只有河长办可以查看和分拣群众举报。"))


def _report_or_404(user: User, pk: int) -> PublicReport:
    report = selectors.public_report_for_office(user=user, pk=pk)
    if report is None:
        raise Http404(_("未找到该群众举报，或不在您的管辖范围内。"))
    return report


@login_required
@require_GET
def report_index(request: HttpRequest) -> HttpResponse:
    user = request.user
    _check_office(user)
    triage = request.GET.get("triage", Triage.PENDING)
    reports = selectors.public_report_list(user=user).select_related("issue__reach__river")
    if triage in Triage.values:
        reports = reports.filter(triage=triage)
    else:
        triage = ""
    search = request.GET.get("search", "").strip()
    if search:
        reports = reports.filter(
            Q(tracking_code__icontains=search)
            | Q(issue__code__icontains=search)
            | Q(issue__title__icontains=search)
        )
    page = Paginator(reports.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "public_reports/office_list.html",
        {
            "page": page,
            "triage": triage,
            "triage_choices": Triage.choices,
            "search": search,
            "pending": selectors.public_reports_to_triage(user=user).count(),
        },
    )


def _page(
    request: HttpRequest,
    report: PublicReport,
    *,
    shown: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    shown = shown or {}
    issue = report.issue
    query = request.GET.get("q", "").strip()
    pending = report.triage == Triage.PENDING
    reopenable = report.triage in services.REOPENABLE and issue.status not in (
        IssueStatus.CLOSED,
        IssueStatus.VOIDED,
    )
    # 其他 is what every report arrives as: start from what its words suggest.
    category = issue.category
    if category == IssueCategory.OTHER:
        category = category_guess(issue.description)
    classify = shown.get("classify") or TriageClassifyForm(
        initial={"title": issue.title, "category": category}
    )
    return render(
        request,
        "public_reports/office_report.html",
        {
            "report": report,
            "issue": issue,
            "photos": list(issue.photos.all()),
            "pending": pending,
            "reopenable": reopenable,
            "classify_form": classify if pending else None,
            "merge_form": (shown.get("merge") or TriageMergeForm()) if reopenable else None,
            "void_form": (shown.get("void") or TriageVoidForm()) if reopenable else None,
            "query": query,
            "candidates": selectors.merge_candidates(user=user, report=report, query=query)
            if reopenable
            else [],
        },
        status=status,
    )


@login_required
@require_GET
def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    _check_office(request.user)
    return _page(request, _report_or_404(request.user, pk))


def _merge_target(user: User, code: str) -> Issue:
    target = Issue.objects.visible_to(user).filter(code__iexact=code.strip()).first()
    if target is None:
        raise ValidationError(
            {"target": [_("未找到编号为“%(code)s”的问题，或不在您的管辖范围内。") % {"code": code}]}
        )
    return target


DONE = {
    "classify": gettext_lazy("已保存类别和标题。"),
    "accept": gettext_lazy("已受理，请在问题页交办。"),
    "merge": gettext_lazy("已并入问题 %(code)s，举报人可在查询页看到该问题的进度。"),
    "void": gettext_lazy("已不予受理。"),
}


@login_required
@require_POST
def report_triage(request: HttpRequest, pk: int) -> HttpResponse:
    """One triage step from the report's page; bad input comes back next to the fields with
    what was typed, a refusal of the report's state (409) as a message."""
    user = request.user
    _check_office(user)
    report = _report_or_404(user, pk)
    step = request.POST.get("step", "")
    if step not in TRIAGE_STEPS:
        raise Http404(_("未知的操作。"))
    form_class = {
        "classify": TriageClassifyForm,
        "accept": TriageClassifyForm,
        "merge": TriageMergeForm,
        "void": TriageVoidForm,
    }[step]
    form = form_class(request.POST)
    shown_as = "classify" if step == "accept" else step
    if form.is_valid():
        data = form.cleaned_data
        try:
            if step == "classify":
                services.public_report_classify(report=report, user=user, **data)
            elif step == "accept":
                services.public_report_accept(report=report, user=user, **data)
            elif step == "merge":
                target = _merge_target(user, data["target"])
                services.public_report_merge(
                    report=report, user=user, target=target, comment=data["comment"]
                )
            else:
                services.public_report_void(report=report, user=user, **data)
        except (PermissionDenied, StateConflict) as error:
            messages.error(request, str(error))
            return redirect("public-report-page", pk=report.pk)
        except ValidationError as error:
            form_show_errors(form, error)
        else:
            done = DONE[step]
            if step == "merge":
                done = done % {"code": target.code}
            messages.success(request, done)
            if step == "accept":
                return redirect("issue-page", pk=report.issue_id)
            return redirect("public-report-page", pk=report.pk)
    report = _report_or_404(user, pk)
    return _page(request, report, shown={shown_as: form}, status=400)
