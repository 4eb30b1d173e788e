from rest_framework import viewsets

from accounts.roles import ADMINS
from core.exports import LedgerExportMixin

from . import selectors
from .filters import AuditEntryFilter
from .serializers import AuditEntrySerializer


class AuditEntryViewSet(LedgerExportMixin, viewsets.ReadOnlyModelViewSet):
    """The audit log (administrators only): read, filter, never write (PUT, PATCH, DELETE and
    POST answer 405)."""

    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilter
    read_roles = write_roles = ADMINS
    search_fields = ["username", "object_repr", "path"]
    # The user is named by username and the record by object_repr: their ids mean nothing on paper.
    ledger_exclude = ("user", "object_id")
    ordering_fields = ["at", "action", "username"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.AuditEntry.objects.none()
        return selectors.audit_entry_list(user=self.request.user)
