"""Monthly bulletin pages: the list with a request form, and a bulletin.

Rankings name the chiefs who fell short, so the pages are for the office and leaders; chief
accounts are refused (403). Bulletins of streets outside the account's region are not found.
A bulletin's status and its PDF are the document pipeline's views (core.views_documents), at
the addresses these pages always had (patrols/urls_bulletins.py).
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


class BulletinRequestForm(StreetDocumentRequestForm):
    month = MonthField(label=gettext_lazy("月份"))
    rebuild = rebuild_field(
        label=gettext_lazy("该月通报已生成时"),
        keep=gettext_lazy("保留已发布的通报"),
        rebuild=gettext_lazy("按最新巡河记录重新生成"),
    )

    def streets(self, *, user: User):
        return bulletin_streets(user=user)


def _last_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


class BulletinIndex(DocumentListView):
    kind = BULLETINS
    template_name = "patrols/bulletin_list.html"
    form_class = BulletinRequestForm
    requesters = OFFICE_ROLES
    refusal = gettext_lazy("只有河长办和管理员可以生成通报。")
    index_url = "bulletin-index"

    def initial(self) -> dict:
        return {"month": _last_month()}

    def request_document(self, *, user: User, **data) -> Bulletin:
        return bulletin_request(**data)

    def requested_message(self, bulletin: Bulletin) -> str:
        return _("已提交：%(street)s %(month)s 的通报，状态：%(status)s。") % {
            "street": bulletin.street.name,
            "month": f"{bulletin.month:%Y-%m}",
            "status": bulletin.get_status_display(),
        }

    def listed(self, rows):
        # ?region= as the API's list takes it (that region and below; outside the account's: 400).
        filters = BulletinRegionFilter(self.request.GET, queryset=rows, request=self.request)
        if not filters.is_valid():
            return rows.none(), 400, {"filters": filters}
        return filters.qs, 200, {"filters": filters}


bulletin_index = BulletinIndex.as_view()
bulletin_view = document_page(BULLETINS, "patrols/bulletin_detail.html")
