"""The base of every API list: scoped reads through a selector, writes through a service."""

from collections.abc import Callable
from typing import Any

from django.db import models
from rest_framework import viewsets
from rest_framework.response import Response

from .exports import LedgerExportMixin, check_export_size, exporting
from .services import model_create, model_update


class ScopedModelViewSet(LedgerExportMixin, viewsets.ModelViewSet):
    """Subclasses set ``selector`` (``user`` -> the rows that user may see) and may set
    ``create_service`` / ``update_service`` / ``delete_service`` for writes with rules.
    ``?format=xlsx`` on the list answers its ledger (``core.exports.LedgerExportMixin``)."""

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
