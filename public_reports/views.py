from accounts.roles import OFFICE_ROLES
from core.views import ScopedModelViewSet

from . import selectors
from .filters import PublicReportFilter
from .serializers import PublicReportSerializer


class PublicReportViewSet(ScopedModelViewSet):
    """Reports from the public through the signs' QR codes, with the reporter's phone number:
    for the office and admins only, in their region (the issue's) and below. Read only: the
    issue itself is handled at ``issues/``."""

    selector = selectors.public_report_list
    serializer_class = PublicReportSerializer
    filterset_class = PublicReportFilter
    search_fields = ["tracking_code", "issue__code", "issue__title"]
    ordering_fields = ["created_at"]
    read_roles = OFFICE_ROLES
    http_method_names = ["get", "head", "options"]
