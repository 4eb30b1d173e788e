"""The notification pages: one's own messages (``/notifications/``, the bell's target) and, for
the office, the deliveries over every channel with their errors and a retry."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import OFFICE_ROLES

from . import selectors, services
from .channels import channel_labels
from .models import DeliveryStatus

PAGE_SIZE = 20


@login_required
@require_GET
def notification_page(request: HttpRequest) -> HttpResponse:
    rows = selectors.notification_list(user=request.user).only(
        "id", "kind", "title", "body", "url", "created_at", "read_at", "issue__code"
    )
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page_obj": page, "rows": page.object_list, "unread_only": unread_only},
    )


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a notification's page (its issue, ...) and mark it read: the list's links go
    through here, so that opening a message is reading it. Only one's own."""
    notification = get_object_or_404(selectors.notification_list(user=request.user), pk=pk)
    target = services.notification_open(notification=notification)
    return redirect(target or "notice-index")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(selectors.notification_list(user=request.user), pk=pk)
    services.notification_mark_read(notification=notification)
    return redirect(_back(request))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    marked = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(n)s 条消息标为已读。") % {"n": marked})
    return redirect("notice-index")


def _back(request: HttpRequest) -> str:
    page = request.POST.get("page", "")
    query = f"?page={page}" if page.isdigit() else ""
    return f"/notifications/{query}"


def _office_only(request: HttpRequest) -> None:
    if request.user.effective_role not in OFFICE_ROLES:
        raise PermissionDenied(_("只有河长办可以查看消息发送记录。"))


@login_required
@require_GET
def delivery_page(request: HttpRequest) -> HttpResponse:
    _office_only(request)
    rows = selectors.delivery_list(user=request.user)
    status = request.GET.get("status", "")
    if status in DeliveryStatus.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = channel_labels()
    for delivery in page.object_list:
        delivery.channel_label = labels.get(delivery.channel, delivery.channel)
    return render(
        request,
        "notifications/deliveries.html",
        {
            "page_obj": page,
            "rows": page.object_list,
            "status": status,
            "statuses": DeliveryStatus.choices,
            "retry_minutes": "、".join(str(m) for m in settings.NOTIFICATION_RETRY_MINUTES),
            "max_attempts": settings.NOTIFICATION_MAX_ATTEMPTS,
        },
    )


@login_required
@require_POST
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    _office_only(request)
    delivery = get_object_or_404(selectors.delivery_list(user=request.user), pk=pk)
    if delivery.status != DeliveryStatus.FAILED:
        messages.error(request, _("只有发送失败的记录可以重试。"))
    else:
        services.delivery_retry(delivery_id=delivery.pk, user=request.user)
        messages.success(request, _("已重新发送，请稍后刷新查看结果。"))
    return redirect("notice-deliveries")
