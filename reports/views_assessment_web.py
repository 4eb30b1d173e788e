"""The office's assessment pages: the rounds of its region, and a round by rank with its breakdown
(50 subjects a page, searchable by name: a county round holds 10,000 chiefs), an adjustment form
(加分/扣分, a reason each), the round's adjustments, and, while a draft, the buttons that withdraw
an adjustment, compute the round again, delete it and publish it; a published round's Excel
ledger and PDF are asked for there (导出Excel / 导出PDF), followed while they are built and then
downloaded through the document pipeline (/documents/assessment-round/<pk>/...). Other roles are
refused (403); a round outside the account's region is not found (404)."""

from collections.abc import Callable
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Region, User
from accounts.roles import OFFICE_ROLES
from core.exceptions import StateConflict
from core.models import JobStatus
from core.pagination import CappedPaginator

from . import selectors_assessment as selectors
from . import services_assessment as services
from .assessment import CRITERIA


def _require_office(user: User) -> None:
    if user.effective_role not in OFFICE_ROLES:
        raise PermissionDenied(_("只有河长办和管理员可以查看和调整考核。"))


PAGE_SIZE = 50


class AdjustmentForm(forms.Form):
    # The choices are the subjects on the page shown; the service checks that the one posted is
    # in the round (a county round has too many subjects for one list).
    subject_id = forms.IntegerField(label=gettext_lazy("考核对象"), widget=forms.Select)
    points = forms.DecimalField(
        label=gettext_lazy("分值（扣分填负数）"), max_digits=6, decimal_places=2
    )
    reason = forms.CharField(label=gettext_lazy("理由"), max_length=200)


class RoundForm(forms.Form):
    scheme = forms.ModelChoiceField(label=gettext_lazy("考核方案"), queryset=None)
    region = forms.ModelChoiceField(label=gettext_lazy("区域"), queryset=None)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    period = forms.TypedChoiceField(
        label=gettext_lazy("季度"),
        choices=[("", gettext_lazy("—（年度考核不选）")), *[(q, q) for q in (1, 2, 3, 4)]],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = selectors.assessment_scheme_list(user=user)
        self.fields["region"].queryset = Region.objects.visible_to(user).order_by("code")


@login_required
@require_http_methods(["GET", "POST"])
def round_list(request):
    """The rounds of the account's region, and the form that computes a new draft."""
    _require_office(request.user)
    form = RoundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.assessment_round_compute(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("已计算考核草稿。"))
            return redirect("assessment-round-page", pk=round_.pk)
    rounds = selectors.assessment_round_list(user=request.user)[:200]
    status = 400 if request.method == "POST" else 200
    return render(
        request, "reports/assessment_rounds.html", {"rounds": rounds, "form": form}, status=status
    )


def _round_of(request, pk: int):
    _require_office(request.user)
    return get_object_or_404(selectors.assessment_round_list(user=request.user), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def round_page(request, pk: int):
    round_ = _round_of(request, pk)
    search = request.GET.get("search", "").strip()
    scores = selectors.assessment_scores(round_=round_)
    if search:
        scores = scores.filter(name__icontains=search)
    page = CappedPaginator(scores, PAGE_SIZE).get_page(request.GET.get("page"))
    form = AdjustmentForm(request.POST or None)
    form.fields["subject_id"].widget.choices = [(s.subject_id, s.name) for s in page]
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_adjustment_create(
                user=request.user,
                round=round_,
                subject_id=form.cleaned_data["subject_id"],
                points=Decimal(form.cleaned_data["points"]),
                reason=form.cleaned_data["reason"],
            )
        except StateConflict as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("已记录加减分。"))
            return redirect(request.get_full_path())
    labels = {key: criterion.label for key, criterion in CRITERIA.items()}
    rows = [
        {
            "score": s,
            "breakdown": [{**b, "label": labels.get(b["key"], b["key"])} for b in s.breakdown],
        }
        for s in page
    ]
    status = 400 if request.method == "POST" else 200
    # select_related by the selector: None until the files are asked for.
    document = getattr(round_, "document", None)
    return render(
        request,
        "reports/assessment_round.html",
        {
            "round": round_,
            "rows": rows,
            "page": page,
            "search": search,
            "adjustments": selectors.assessment_round_adjustments(round_=round_),
            "form": form,
            "document": document,
        },
        status=status,
    )


def _round_action(
    request, action: Callable[[], object], *, done: str, round_pk: int, done_to: str = ""
) -> HttpResponse:
    """Run a state-changing service for a round's page: a refusal (StateConflict, e.g. the round
    is published) is shown on the round's page, success says ``done`` and goes to ``done_to``
    (the round's page when empty)."""
    try:
        action()
    except StateConflict as exc:
        messages.error(request, str(exc))
        return redirect("assessment-round-page", pk=round_pk)
    messages.success(request, done)
    return redirect(done_to or reverse("assessment-round-page", args=[round_pk]))


@login_required
@require_POST
def round_recompute(request, pk: int):
    round_ = _round_of(request, pk)
    return _round_action(
        request,
        lambda: services.assessment_round_recompute(user=request.user, round_=round_),
        done=_("已按当前数据重新计算，加减分保留。"),
        round_pk=round_.pk,
    )


@login_required
@require_POST
def round_delete(request, pk: int):
    round_ = _round_of(request, pk)
    return _round_action(
        request,
        lambda: services.assessment_round_delete(instance=round_, user=request.user),
        done=_("已删除考核草稿。"),
        round_pk=round_.pk,
        done_to=reverse("assessment-rounds"),
    )


@login_required
@require_POST
def adjustment_delete(request, pk: int):
    _require_office(request.user)
    adjustment = get_object_or_404(selectors.assessment_adjustment_list(user=request.user), pk=pk)
    return _round_action(
        request,
        lambda: services.assessment_adjustment_delete(instance=adjustment, user=request.user),
        done=_("已撤销该项加减分。"),
        round_pk=adjustment.round_id,
    )


@login_required
@require_POST
def round_publish(request, pk: int):
    round_ = _round_of(request, pk)
    return _round_action(
        request,
        lambda: services.assessment_round_publish(user=request.user, round_=round_),
        done=_("考核结果已发布。"),
        round_pk=round_.pk,
    )


@login_required
@require_POST
def round_documents(request, pk: int):
    """Ask for the round's Excel ledger and PDF (both built at once; once built, kept); the
    round's page follows the build and then links the downloads."""
    _require_office(request.user)
    round_ = get_object_or_404(selectors.assessment_round_list(user=request.user), pk=pk)
    try:
        document = services.assessment_round_documents_request(round_=round_)
    except StateConflict as exc:
        messages.error(request, str(exc))
    else:
        if document.status != JobStatus.DONE:
            messages.success(request, _("已提交生成考核结果的Excel和PDF，完成后可在本页下载。"))
    return redirect("assessment-round-page", pk=round_.pk)
