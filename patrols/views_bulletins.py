"""Monthly bulletin pages: the list with a request form, a bulletin, its status and its PDF.

Rankings name the chiefs who fell short, so the pages are for the office and leaders; chief
accounts are refused (403). Bulletins of streets outside the account's region are not found.
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role, User
from accounts.roles import OFFICE_ROLES
from core.media import stored_file_response

from .bulletins import bulletin_filename, bulletin_list, bulletin_request, bulletin_streets
from .filters import BulletinRegionFilter
from .models import Bulletin, BulletinStatus

READ_ROLES = frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER})


def _require_reader(user: User) -> None:
    if user.effective_role not in READ_ROLES:
        raise PermissionDenied(_("巡河月通报仅供河长办和领导查看。"))


class MonthField(forms.DateField):
    """A month as the browser's month picker sends it (YYYY-MM), cleaned to its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m"]

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid": gettext_lazy("请选择月份，如 2024-05。")})
        super().__init__(**kwargs)


class BulletinRequestForm(forms.Form):
    street = forms.ModelChoiceField(label=gettext_lazy("街道（镇）"), queryset=None)
    month = MonthField(label=gettext_lazy("月份"))
    # A choice rather than a checkbox: rebuilding replaces a published bulletin, so the form
    # says both outcomes in words.
    rebuild = forms.TypedChoiceField(
        label=gettext_lazy("该月通报已生成时"),
        choices=[
            ("keep", gettext_lazy("保留已发布的通报")),
            ("rebuild", gettext_lazy("按最新巡河记录重新生成")),
        ],
        coerce=lambda value: value == "rebuild",
        required=False,
        empty_value=False,
        initial="keep",
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        streets = bulletin_streets(user=user).order_by("code")
        self.fields["street"].queryset = streets
        if user.region_id and streets.filter(pk=user.region_id).exists():
            self.fields["street"].initial = user.region_id  # a street office's own street


def _last_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_index(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_reader(user)
    can_request = user.effective_role in OFFICE_ROLES
    form = BulletinRequestForm(user=user, initial={"month": _last_month()}) if can_request else None
    if request.method == "POST":
        if not can_request:
            raise PermissionDenied(_("只有河长办和管理员可以生成通报。"))
        form = BulletinRequestForm(request.POST, user=user)
        if form.is_valid():
            try:
                bulletin = bulletin_request(**form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("已提交：%(street)s %(month)s 的通报，状态：%(status)s。")
                    % {
                        "street": bulletin.street.name,
                        "month": f"{bulletin.month:%Y-%m}",
                        "status": bulletin.get_status_display(),
                    },
                )
                # Redirect so that reloading the page does not request the bulletin again.
                return redirect("bulletin-index")
    # ?region= as the API's list takes it (that region and below; outside the account's: 400).
    filters = BulletinRegionFilter(request.GET, queryset=bulletin_list(user=user), request=request)
    if not filters.is_valid():
        status = 400
        bulletins = bulletin_list(user=user).none()
    else:
        status = 200
        bulletins = filters.qs
    page = Paginator(bulletins, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "patrols/bulletin_list.html",
        {"form": form, "page": page, "can_request": can_request, "filters": filters},
        status=status,
    )


def _visible(request: HttpRequest, pk: int) -> Bulletin:
    _require_reader(request.user)
    return get_object_or_404(bulletin_list(user=request.user), pk=pk)


@login_required
@require_GET
def bulletin_view(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _visible(request, pk)
    return render(request, "patrols/bulletin_detail.html", {"bulletin": bulletin})


def bulletin_status_payload(bulletin: Bulletin) -> dict:
    done = bulletin.status == BulletinStatus.DONE and bool(bulletin.pdf)
    return {
        "id": bulletin.pk,
        "status": bulletin.status,
        "status_label": bulletin.get_status_display(),
        "progress": bulletin.progress,
        "error": bulletin.error,
        "detail_url": reverse("bulletin-view", args=[bulletin.pk]),
        "pdf_url": reverse("bulletin-download", args=[bulletin.pk]) if done else None,
    }


@login_required
@never_cache  # polled: every answer must come from the row as it is now
@require_GET
def bulletin_status(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(bulletin_status_payload(_visible(request, pk)))


@login_required
@require_GET
def bulletin_download(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _visible(request, pk)
    if bulletin.status != BulletinStatus.DONE or not bulletin.pdf:
        # The bulletin exists but is not ready: a conflict with its state, not a missing page.
        return render(
            request,
            "patrols/bulletin_detail.html",
            {"bulletin": bulletin, "not_ready": True},
            status=409,
        )
    return stored_file_response(
        bulletin.pdf,
        as_attachment=True,
        filename=bulletin_filename(bulletin),
        content_type="application/pdf",
    )
