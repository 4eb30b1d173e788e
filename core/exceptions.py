"""Errors answer with the API's shapes: 400 with field messages, 409 for state conflicts."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from .text import join_items


class StateConflict(Exception):
    """Raised by services when a record's state forbids the action; the API answers 409."""


def exception_handler(exc, context):
    if isinstance(exc, StateConflict):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ProtectedError | RestrictedError):
        # Deleting a record that others still point at: the state forbids it, not the input.
        blocking = getattr(exc, "protected_objects", None) or exc.restricted_objects
        kinds = join_items(sorted({str(obj._meta.verbose_name) for obj in blocking}))
        message = _("仍有关联的%(kinds)s，不能删除。") % {"kinds": kinds}
        return Response({"detail": message}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    response = drf_exception_handler(exc, context)
    request = context.get("request")
    if response is not None and response.status_code == 403 and request is not None:
        # Every refusal goes to the audit log (web pages: audit.context's middleware).
        from audit.services import audit_denied

        audit_denied(request=request._request, reason=str(exc))
    return response
