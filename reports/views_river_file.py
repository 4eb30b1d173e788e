"""The river file (一河一档): the page ``/rivers/<pk>/file/``, the API ``GET rivers/{id}/file/``
(JSON) and ``POST rivers/{id}/file/pdf/`` (queue the PDF, 202), all reading
``reports.river_file.river_file`` for the account's region. A river the account does not see is
not found (404); ``?year=`` picks another year's patrols and issues (this year by default).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import EVERY_ROLE
from core import documents
from core.models import JobStatus
from rivers.models import River

from .models import RiverFile
from .river_file import file_region, river_file, river_file_rivers, shows_plan
from .river_file_documents import RIVER_FILES
from .services_river_file import river_file_request

MIN_YEAR, MAX_YEAR = 2000, 2100


class YearSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR, required=False)


def _year(data) -> int:
    form = YearSerializer(data=data)
    form.is_valid(raise_exception=True)
    return form.validated_data.get("year") or timezone.localdate().year


def _page_year(request: HttpRequest) -> int:
    """The page's ``?year=``; anything else than a year in range is this year."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if MIN_YEAR <= year <= MAX_YEAR else timezone.localdate().year


def _document(user, river, year: int) -> RiverFile | None:
    return RiverFile.objects.filter(
        river=river, region=file_region(user), year=year, with_plan=shows_plan(user)
    ).first()


@login_required
@require_GET
def river_file_page(request: HttpRequest, pk: int) -> HttpResponse:
    river = get_object_or_404(river_file_rivers(user=request.user), pk=pk)
    year = _page_year(request)
    sheet = river_file(
        river=river,
        region=file_region(request.user),
        year=year,
        with_plan=shows_plan(request.user),
    )
    this_year = timezone.localdate().year
    return render(
        request,
        "reports/river_file.html",
        {
            "river": river,
            "sheet": sheet,
            "document": _document(request.user, river, year),
            "years": list(range(this_year, this_year - 5, -1)),
        },
    )


@login_required
@require_POST
def river_file_pdf_request(request: HttpRequest, pk: int) -> HttpResponse:
    """导出PDF: queue the file's PDF (a snapshot, built again on every request); the page
    follows the build and then links the download."""
    river = get_object_or_404(river_file_rivers(user=request.user), pk=pk)
    year = _page_year(request)
    document = river_file_request(user=request.user, river=river, year=year)
    if document.status != JobStatus.DONE:
        messages.success(request, _("已提交生成河流档案PDF，完成后可在本页下载。"))
    return redirect(f"{reverse('river-file-page', args=[river.pk])}?year={year}")


YEAR_PARAMETER = OpenApiParameter(
    "year", OpenApiTypes.INT, description=_("年度（默认今年）：巡河和问题按该年统计")
)


class RiverFileViewSet(viewsets.GenericViewSet):
    """一河一档 at ``rivers/{id}/file/`` beside the rivers' own viewset (registered on the same
    prefix: rivers sits below reports and cannot import the river file). A river the account
    does not see is not found (404)."""

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    filter_backends: list = []
    pagination_class = None
    # Reading is every account's; so is asking for the PDF of a river it sees.
    write_roles = EVERY_ROLE

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return River.objects.none()
        return river_file_rivers(user=self.request.user)

    @extend_schema(parameters=[YEAR_PARAMETER], responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], url_path="file")
    def file(self, request: Request, pk=None) -> Response:
        """The river, its reaches with their chiefs (serving and past), signs, outfalls,
        facilities, the year's patrols (valid patrols of general, street and community chiefs
        while in post; a cleaner's round is not a patrol) and issues (found, of them closed,
        closed in the year), and the open issues with the deadline in force, overdue marked; as
        the account's region sees them."""
        river = self.get_object()
        sheet = river_file(
            river=river,
            region=file_region(request.user),
            year=_year(request.GET),
            with_plan=shows_plan(request.user),
        )
        return Response(sheet.as_json())

    @extend_schema(parameters=[YEAR_PARAMETER], request=None, responses={202: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="file/pdf", url_name="file-pdf")
    def file_pdf(self, request: Request, pk=None) -> Response:
        """Queue the PDF of the river's file (202) and answer its state as the document
        pipeline's status does: follow ``status_url`` until ``pdf_url`` is set. A file is a
        snapshot: asking again builds it again."""
        river = self.get_object()
        document = river_file_request(user=request.user, river=river, year=_year(request.GET))
        document.refresh_from_db()
        payload = documents.status_payload(RIVER_FILES, document)
        payload["status_url"] = documents.status_url(RIVER_FILES, document)
        return Response(payload, status=status.HTTP_202_ACCEPTED)
