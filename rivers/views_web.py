"""Ledger pages: import the roster, sign, outfall and facility ledgers from an Excel (or, for the
last three, CSV) file, and download their templates."""

from io import BytesIO

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from accounts.roles import OFFICE_ROLES
from core.ledgers import XLSX_MEDIA_TYPE
from core.text import join_clauses, join_items

from . import selectors
from . import water_quality as wq
from .ledger import (
    TEMPLATE_FILENAME,
    RosterImportResult,
    count_labels,
    roster_import,
    roster_template,
)
from .ledger_assets import ASSET_LEDGERS, AssetImportResult, asset_import, asset_template
from .water_charts import point_trends
from .water_ledger import (
    NOTES as WATER_NOTES,
)
from .water_ledger import (
    TEMPLATE_FILENAME as WATER_TEMPLATE_FILENAME,
)
from .water_ledger import (
    water_reading_import,
    water_reading_template,
)


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("台账文件（.xlsx）"))


def _require_office(user: User) -> None:
    # Importing rewrites the roster, so it is the offices' job, as in the API.
    if user.effective_role not in OFFICE_ROLES:
        raise PermissionDenied(_("只有河长办和管理员可以导入台账。"))


def _summary(result: RosterImportResult) -> str:
    labels = count_labels()

    def listed(counts: dict[str, int]) -> str:
        return join_items(f"{labels[key]} {n}" for key, n in counts.items() if n)

    created, updated = listed(result.created), listed(result.updated)
    if not created and not updated:
        return _("导入完成：台账与系统中的记录一致，没有新增或更新。")
    parts = []
    if created:
        parts.append(_("新增 %(items)s") % {"items": created})
    if updated:
        parts.append(_("更新 %(items)s") % {"items": updated})
    return _("导入完成：%(parts)s。") % {"parts": join_clauses(parts)}


@login_required
@require_http_methods(["GET", "POST"])
def roster_import_page(request: HttpRequest) -> HttpResponse:
    _require_office(request.user)
    form = RosterUploadForm()
    result = None
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            result = roster_import(user=request.user, file=form.cleaned_data["file"])
            if result.ok:
                messages.success(request, _summary(result))
                # Redirect so that reloading the page does not upload the file again.
                return redirect("ledger-import")
    return render(request, "rivers/ledger_import.html", {"form": form, "result": result})


@login_required
@require_GET
def roster_template_download(request: HttpRequest) -> HttpResponse:
    _require_office(request.user)
    return FileResponse(
        BytesIO(roster_template()),
        as_attachment=True,
        filename=TEMPLATE_FILENAME,
        content_type=XLSX_MEDIA_TYPE,
    )


# --- the sign, outfall and facility ledgers: one page pattern for the three -----------------------


class AssetUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("台账文件（.xlsx 或 CSV）"))


def _asset_summary(result: AssetImportResult, label: str) -> str:
    if not result.created and not result.updated:
        return _("导入完成：台账与系统中的记录一致，没有新增或更新。")
    return _("导入完成：%(label)s新增 %(created)d，更新 %(updated)d，无变化 %(unchanged)d。") % {
        "label": label,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }


@login_required
@require_http_methods(["GET", "POST"])
def asset_import_page(request: HttpRequest, kind: str) -> HttpResponse:
    _require_office(request.user)
    ledger = ASSET_LEDGERS[kind]  # the URLs name only the three
    form = AssetUploadForm()
    result = None
    if request.method == "POST":
        form = AssetUploadForm(request.POST, request.FILES)
        if form.is_valid():
            result = asset_import(user=request.user, kind=kind, file=form.cleaned_data["file"])
            if result.ok:
                messages.success(request, _asset_summary(result, ledger.label))
                # Redirect so that reloading the page does not upload the file again.
                return redirect(f"ledger-import-{kind}")
    return render(
        request,
        "rivers/asset_ledger_import.html",
        {
            "form": form,
            "result": result,
            "ledger": ledger,
            "template_url": f"ledger-template-{kind}",
            "breadcrumbs": [
                (ledger.label, reverse("workbench:list", args=[kind])),
                (_("台账导入"), ""),
            ],
        },
    )


@login_required
@require_GET
def asset_template_download(request: HttpRequest, kind: str) -> HttpResponse:
    _require_office(request.user)
    ledger = ASSET_LEDGERS[kind]  # the URLs name only the three
    return FileResponse(
        BytesIO(asset_template(kind=kind)),
        as_attachment=True,
        filename=ledger.template_filename,
        content_type=XLSX_MEDIA_TYPE,
    )


# --- water quality: the readings ledger and a monitoring point's page --------------------------


@login_required
@require_http_methods(["GET", "POST"])
def water_import_page(request: HttpRequest) -> HttpResponse:
    _require_office(request.user)
    form = AssetUploadForm()
    result = None
    if request.method == "POST":
        form = AssetUploadForm(request.POST, request.FILES)
        if form.is_valid():
            result = water_reading_import(user=request.user, file=form.cleaned_data["file"])
            if result.ok:
                messages.success(request, _asset_summary(result, _("水质监测数据")))
                return redirect("ledger-import-water-readings")
    return render(
        request,
        "rivers/water_ledger_import.html",
        {"form": form, "result": result, "notes": WATER_NOTES},
    )


@login_required
@require_GET
def water_template_download(request: HttpRequest) -> HttpResponse:
    _require_office(request.user)
    return FileResponse(
        BytesIO(water_reading_template()),
        as_attachment=True,
        filename=WATER_TEMPLATE_FILENAME,
        content_type=XLSX_MEDIA_TYPE,
    )


@login_required
@require_GET
def monitoring_point_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A monitoring point: its target, each reading's grade, and a trend chart per parameter
    with the target's limit drawn."""
    point = get_object_or_404(selectors.monitoring_point_list(user=request.user), pk=pk)
    breadcrumbs = [(_("监测断面"), reverse("monitoring-points")), (point.name, "")]
    readings = list(selectors.point_readings(point=point))
    return render(
        request,
        "rivers/monitoring_point.html",
        {
            "point": point,
            # The latest first in the table, each with its values in the parameters' order.
            "rows": [
                (reading, [getattr(reading, p) for p in wq.PARAMETERS], reading.assessment)
                for reading in reversed(readings)
            ],
            "latest": readings[-1] if readings else None,
            "charts": point_trends(point, readings),
            "parameters": [(p, wq.PARAMETER_LABELS[p]) for p in wq.PARAMETERS],
            "breadcrumbs": breadcrumbs,
        },
    )


@login_required
@require_GET
def monitoring_point_list_page(request: HttpRequest) -> HttpResponse:
    """The account's monitoring points with their latest grade and whether it meets target."""
    return render(
        request,
        "rivers/monitoring_points.html",
        {"rows": selectors.points_with_latest(user=request.user)},
    )


@require_GET
def grade_colours_css(request: HttpRequest) -> HttpResponse:
    """``/water/grades.css``: the grades' colours (``.grade-*``) from the one table of them
    (``water_quality.GRADE_COLOURS``), for the badges, the map's markers and its legend."""
    response = HttpResponse(wq.grade_css(), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
