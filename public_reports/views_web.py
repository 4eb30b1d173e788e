"""Public pages (no login): a sign's report form, the tracking pages; and, for the office, the
signs' QR codes on A4 sheets.

The report form is a plain HTML form that works without JavaScript; a static script only adds
the browser's position and a guard against sending twice. No inline scripts: a strict
Content-Security-Policy is coming.
"""

import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import OFFICE_ROLES
from core.clientip import client_ip  # the sender, for the limits (TRUSTED_PROXIES)
from core.forms import form_show_errors
from core.photos import ALLOWED_FORMATS

from . import qr, selectors, services
from .forms import PrintRegionForm, PublicReportForm, TrackForm
from .models import TRACKING_LENGTH
from .selectors import NEARBY_RADIUS_M


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "public_reports/not_found.html", {"message": message}, status=404)


def _sign_or_404(request: HttpRequest, sign_code: str):
    sign = selectors.sign_for_report(code=sign_code)
    if sign is None:
        return None, _not_found(
            request, _("未找到编号为“%(code)s”的公示牌。") % {"code": sign_code}
        )
    return sign, None


def _page_strings() -> dict:
    """Texts the page script shows, translated here so that the script holds no UI text."""
    return {
        "locating": _("正在获取您的位置……"),
        "located": _("已使用您的当前位置（精度约 %(m)s 米）。"),
        "locateFailed": _("无法获取您的位置，将使用公示牌的位置。"),
        "noGeolocation": _("此浏览器不支持定位，将使用公示牌的位置。"),
        "photoTooLarge": _("照片不能超过 %(mb)s MB，请重新拍摄或选择。"),
        "photoChosen": _("已选择：%(name)s"),
        "sending": _("正在提交，请稍候……"),
    }


@never_cache  # the form carries a CSRF token
@require_http_methods(["GET", "POST"])
def report_page(request: HttpRequest, sign_code: str) -> HttpResponse:
    sign, missing = _sign_or_404(request, sign_code)
    if missing:
        return missing
    status = 200
    if request.method == "POST":
        form = PublicReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = services.public_report_file(
                    sign=sign,
                    description=data["description"],
                    photo=data["photo"],
                    phone=data["phone"],
                    lat=data["lat"],
                    lon=data["lon"],
                    client_ip=client_ip(request),
                    client_key=data.get("client_key"),
                )
            except services.ReportLimitReached as error:
                context = {"message": str(error), "sign": sign}
                return render(request, "public_reports/limited.html", context, status=429)
            except ValidationError as error:
                form_show_errors(form, error)
            else:
                target = reverse("public-track-status", kwargs={"code": report.tracking_code})
                return redirect(f"{target}?new=1")
        status = 400
    else:
        form = PublicReportForm(initial={"client_key": uuid.uuid4()})
    context = {
        "sign": sign,
        "form": form,
        "nearby": selectors.open_issues_near(lat=sign.lat, lon=sign.lon),
        "radius_m": NEARBY_RADIUS_M,
        "page_config": {
            "photoMaxBytes": settings.PHOTO_MAX_BYTES,
            "photoMaxMb": settings.PHOTO_MAX_BYTES // (1024 * 1024),
        },
        "page_strings": _page_strings(),
        "photo_formats": ", ".join(sorted(ALLOWED_FORMATS)),
    }
    return render(request, "public_reports/report_form.html", context, status=status)


@require_GET
def track_form(request: HttpRequest) -> HttpResponse:
    status = 200
    if "code" in request.GET:
        form = TrackForm(request.GET)
        if form.is_valid():
            return redirect("public-track-status", code=form.cleaned_data["code"])
        status = 400
    else:
        form = TrackForm()
    context = {"form": form, "code_length": TRACKING_LENGTH}
    return render(request, "public_reports/track_form.html", context, status=status)


@never_cache  # the status changes; a stale copy would mislead
@require_GET
def track_status(request: HttpRequest, code: str) -> HttpResponse:
    report = selectors.public_status(tracking_code=code)
    if report is None:
        return _not_found(request, _("未找到该查询码对应的举报，请核对查询码。"))
    context = {"report": report, "new": request.GET.get("new") == "1"}
    return render(request, "public_reports/track_status.html", context)


@cache_control(max_age=3600)
@require_GET
def sign_qr_svg(request: HttpRequest, sign_code: str) -> HttpResponse:
    sign, missing = _sign_or_404(request, sign_code)
    if missing:
        return missing
    body = qr.qr_svg(qr.report_url(sign_code=sign.code, request=request))
    return HttpResponse(body, content_type="image/svg+xml")


@cache_control(max_age=3600)
@require_GET
def sign_qr_png(request: HttpRequest, sign_code: str) -> HttpResponse:
    sign, missing = _sign_or_404(request, sign_code)
    if missing:
        return missing
    body = qr.qr_png(qr.report_url(sign_code=sign.code, request=request))
    response = HttpResponse(body, content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="qr-{sign.pk}.png"'
    return response


@login_required
@require_GET
def signs_print(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.effective_role not in OFFICE_ROLES:
        raise PermissionDenied(_("只有河长办和管理员可以打印公示牌二维码。"))
    form = PrintRegionForm(request.GET or None, regions=selectors.print_regions(user=user))
    if request.GET and not form.is_valid():
        context = {"form": form, "labels": []}
        return render(request, "public_reports/signs_print.html", context, status=400)
    region = form.cleaned_data.get("region") if request.GET else None
    labels = [
        {
            "sign": sign,
            "url": (url := qr.report_url(sign_code=sign.code, request=request)),
            "svg": qr.qr_svg_inline(url),
        }
        for sign in selectors.signs_for_print(user=user, region=region)
    ]
    return render(
        request,
        "public_reports/signs_print.html",
        {"form": form, "labels": labels, "region": region},
    )
