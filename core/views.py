"""The base of every API list: scoped reads through a selector, writes through a service."""

from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any, Protocol

from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from .exports import LedgerExportMixin, check_export_size, exporting
from .history import HISTORY_ROLES, can_read_history, history_entries, history_events
from .ledgers import RowError
from .services import model_create, model_update


class RefusedImport(Protocol):
    file_errors: Sequence[str]
    row_errors: Sequence[RowError]


def import_refused(result: RefusedImport) -> Response:
    """An import that saved nothing: 400 with the file's errors and each bad row's (row,
    column, message), as every ledger import answers."""
    body: dict = {}
    if result.file_errors:
        body["file"] = list(result.file_errors)
    if result.row_errors:
        body["rows"] = [asdict(error) for error in result.row_errors]
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


class HistoryEntrySerializer(serializers.Serializer):
    """One change of a record (README, "Change history")."""

    at = serializers.DateTimeField()
    by = serializers.CharField(allow_null=True, help_text="the user's name; null from a shell")
    by_id = serializers.IntegerField(allow_null=True)
    action = serializers.ChoiceField(choices=["create", "update", "delete"])
    via = serializers.CharField(help_text="the request's path, task:<name>, or shell")
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=2, max_length=2),
        help_text="{field: [old, new]}; on create every field set, from null",
    )


class HistoryPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = HistoryEntrySerializer(many=True)


class RecordHistoryMixin:
    """``{id}/history/`` on a viewset of records: the record's changes, newest first."""

    read_roles = None  # RolePermission's reads: every account; the history action narrows it

    @extend_schema(responses=HistoryPageSerializer, filters=False)
    # read_roles: the roles the API's permission reads (a chief or leader gets 403 before any
    # lookup); the action checks again, for a viewset without that permission.
    @action(detail=True, methods=["get"], url_path="history", read_roles=HISTORY_ROLES)
    def history(self, request, *args, **kwargs):
        """Every change of the record: at, by, action, changes {field: [old, new]}; for the
        office and the admin, within their scope (404 outside it)."""
        if not can_read_history(request.user):
            raise PermissionDenied
        instance = self.get_object()
        events = history_events(instance=instance)
        page = self.paginator.paginate_queryset(events, request, view=self)
        entries = history_entries(model=type(instance), events=page)
        data = HistoryEntrySerializer([e.as_api() for e in entries], many=True).data
        return self.paginator.get_paginated_response(data)


class ScopedModelViewSet(RecordHistoryMixin, LedgerExportMixin, viewsets.ModelViewSet):
    """Subclasses set ``selector`` (``user`` -> the rows that user may see) and may set
    ``create_service`` / ``update_service`` / ``delete_service`` for writes with rules.
    ``?format=xlsx`` on the list answers its ledger (``core.exports.LedgerExportMixin``).
    ``{id}/history/`` answers the record's changes, newest first (``core.history``)."""

    selector: Callable[..., models.QuerySet]
    create_service: Callable[..., models.Model] | None = None
    update_service: Callable[..., models.Model] | None = None
    delete_service: Callable[..., None] | None = None

    def get_queryset(self) -> models.QuerySet:
        if getattr(self, "swagger_fake_view", False):
            # Schema generation runs with no user; it only needs to know the model.
            return self.get_serializer_class().Meta.model.objects.none()
        return type(self).selector(user=self.request.user)

    def paginate_queryset(self, queryset):
        if exporting(self.request):
            # Another action's list asked for as a spreadsheet: all of it, as a ledger is.
            check_export_size(queryset.count())
            return None
        return super().paginate_queryset(queryset)

    def perform_create(self, serializer) -> None:
        data: dict[str, Any] = dict(serializer.validated_data)
        service = type(self).create_service
        if service is None:
            serializer.instance = model_create(model=self.get_queryset().model, data=data)
        else:
            serializer.instance = service(user=self.request.user, **data)

    def perform_update(self, serializer) -> None:
        data: dict[str, Any] = dict(serializer.validated_data)
        service = type(self).update_service
        if service is None:
            serializer.instance = model_update(instance=serializer.instance, data=data)
        else:
            serializer.instance = service(
                instance=serializer.instance, user=self.request.user, **data
            )

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        if getattr(serializer.instance, "_prefetched_objects_cache", None):
            serializer.instance._prefetched_objects_cache = {}
        # The whole record, as GET answers it: on a partial serializer DRF leaves out a read-only
        # field whose relation is empty (its default is skipped on a partial update).
        return Response(self.get_serializer(serializer.instance).data)

    def perform_destroy(self, instance) -> None:
        service = type(self).delete_service
        if service is None:
            instance.delete()
        else:
            service(instance=instance, user=self.request.user)
