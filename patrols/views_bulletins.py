"""Monthly bulletin pages: the list with a request form, and a bulletin.

Rankings name the chiefs who fell short, so the pages are for the office and leaders; chief
accounts are refused (403). Bulletins of streets outside the account's region are not found.
A bulletin's status and its PDF are the document pipeline's views (core.views_documents), at
the addresses these pages always had (patrols/urls_bulletins.py).
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

from .bulletins import BULLETINS, bulletin_request, bulletin_streets
from .filters import BulletinRegionFilter
from .models import Bulletin


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
        own_region_first(
            self.fields["street"], queryset=bulletin_streets(user=user).order_by("code"), user=user
        )


def _last_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


class BulletinIndex(DocumentListView):
    kind = BULLETINS
    template_name = "patrols/bulletin_list.html"
    form_class = BulletinRequestForm
    requesters = OFFICE_ROLES
    refusal = gettext_lazy("只有河长办和管理员可以生成通报。")

    def initial(self) -> dict:
        return {"month": _last_month()}

    def request_document(self, *, user: User, **data) -> Bulletin:
        return bulletin_request(**data)

    def requested(self, bulletin: Bulletin) -> HttpResponse:
        messages.success(
            self.request,
            _("已提交：%(street)s %(month)s 的通报，状态：%(status)s。")
            % {
                "street": bulletin.street.name,
                "month": f"{bulletin.month:%Y-%m}",
                "status": bulletin.get_status_display(),
            },
        )
        # Redirect so that reloading the page does not request the bulletin again.
        return redirect("bulletin-index")

    def listed(self, rows):
        # ?region= as the API's list takes it (that region and below; outside the account's: 400).
        filters = BulletinRegionFilter(self.request.GET, queryset=rows, request=self.request)
        if not filters.is_valid():
            return rows.none(), 400, {"filters": filters}
        return filters.qs, 200, {"filters": filters}


bulletin_index = BulletinIndex.as_view()


@login_required
@require_GET
def bulletin_view(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = get_object_or_404(BULLETINS.visible(request.user), pk=pk)
    context = {"kind": BULLETINS, "row": bulletin, "title": BULLETINS.title(bulletin)}
    return render(request, "patrols/bulletin_detail.html", context)
