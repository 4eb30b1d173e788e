"""The supervision order (督办单) as a printable one-page PDF: a kind of document of the one
pipeline (core.documents; ``SUPERVISION_ORDERS``, registered by IssuesConfig.ready).

The order is queued when it is issued (``supervision_order_queue``, on commit) and a worker
prints it through core.pdf; its download builds it in the request if no worker has yet (one
page, fast), through the same claim, so the address always answers with the page.
"""

from collections.abc import Callable
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.documents import DocumentFile, DocumentKind
from core.jobs import Claim, Jobs
from core.pdf import PDFUnavailable, html_to_pdf, require_cjk_fonts

from .models import SupervisionOrder
from .notices import date_label, issue_place
from .selectors import supervision_order_list

# An official Chinese document, whatever language the requesting page is in.
DOCUMENT_LANGUAGE = "zh-hans"

JOBS: Jobs[SupervisionOrder] = Jobs(
    model=SupervisionOrder,
    kind="supervision-order",
    error_message=gettext_lazy("生成督办单时出错：%(detail)s。请稍后重试，或联系管理员。"),
    language=DOCUMENT_LANGUAGE,
    # A missing font or library: said as it is (the download answers 503 with it).
    readable_errors=(PDFUnavailable,),
)


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


def supervision_order_pdf(
    *, order: SupervisionOrder, on_progress: Callable[[int], None] | None = None
) -> bytes:
    """One A4 page; raises ``core.pdf.PDFUnavailable`` when this machine cannot print Chinese."""
    require_cjk_fonts()
    html = render_to_string(
        "issues/supervision_order_pdf.html", {"data": supervision_order_data(order=order)}
    )
    return html_to_pdf(html, on_progress=on_progress)


def supervision_order_queue(*, order: SupervisionOrder) -> None:
    """Have a worker print the order once the transaction that issued it commits."""
    JOBS.send(order.pk)


class SupervisionOrderDocument(DocumentKind[SupervisionOrder]):
    """The supervision orders in the document pipeline (core.documents): one A4 page each,
    read by whoever sees its issue, and printed in the request when no worker has yet."""

    jobs = JOBS
    label = gettext_lazy("督办单")
    files = {"pdf": DocumentFile.pdf(supervision_order_filename)}
    url_names = {"pdf": "supervision-order-pdf"}
    not_ready = gettext_lazy("督办单尚未生成完成（当前状态：%(status)s）。")
    build_on_request = True

    def build(self, claim: Claim[SupervisionOrder]) -> None:
        orders = SupervisionOrder.objects.select_related("issue__region", "issue__reach", "street")
        order = orders.get(pk=claim.pk)
        claim.progress(5)
        pdf = supervision_order_pdf(order=order, on_progress=claim.progress)
        name = f"supervision_orders/{order.street.code}-{order.year}-{order.serial}.pdf"
        claim.publish(order, files={"pdf": claim.store(order, "pdf", name, pdf)})

    def rows(self, user: User):
        return supervision_order_list(user=user)

    def title(self, order: SupervisionOrder) -> str:
        return order.number

    def detail_url(self, order: SupervisionOrder) -> str:
        """The order is read on its issue's page, which links to its PDF."""
        return reverse("issue-page", args=[order.issue_id])


SUPERVISION_ORDERS = SupervisionOrderDocument()
