"""The supervision order (督办单) as a printable one-page PDF, through core.pdf."""

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.pdf import html_to_pdf, require_cjk_fonts

from .models import SupervisionOrder
from .notices import date_label, issue_place

# An official Chinese document, whatever language the requesting page is in.
DOCUMENT_LANGUAGE = "zh-hans"


def supervision_order_filename(order: SupervisionOrder) -> str:
    return f"{order.number}.pdf"


def supervision_order_data(*, order: SupervisionOrder) -> dict[str, Any]:
    issue = order.issue
    with translation.override(DOCUMENT_LANGUAGE):
        location = issue_place(issue)
        if issue.reach_id is not None:
            location = f"{issue.region.name} {location}"
        if issue.lat is not None and issue.lon is not None:
            location += _("（北纬 %(lat)s，东经 %(lon)s）") % {"lat": issue.lat, "lon": issue.lon}
        return {
            "title": _("河长制工作督办单"),
            "number": order.number,
            "code": issue.code,
            "issue_title": issue.title,
            "description": issue.description,
            "location": location,
            "category": issue.get_category_display(),
            "reported_on": date_label(timezone.localdate(issue.reported_at)),
            "assignee": order.assignee or "—",
            "original_deadline": date_label(order.original_deadline),
            "deadline": date_label(order.deadline),
            "reason": order.reason or "—",
            "issuer": _("%(street)s河长制办公室") % {"street": order.street.name},
            "issued_on": date_label(timezone.localdate(order.issued_at)),
            "automatic": order.issued_by_id is None,
        }


def supervision_order_pdf(*, order: SupervisionOrder) -> bytes:
    """One A4 page; raises ``core.pdf.PDFUnavailable`` when this machine cannot print Chinese."""
    require_cjk_fonts()
    html = render_to_string(
        "issues/supervision_order_pdf.html", {"data": supervision_order_data(order=order)}
    )
    return html_to_pdf(html)
