"""Errors answer with the API's shapes: 400 with field messages, 409 for state conflicts."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .signals import request_refused
from .text import join_items


class StateConflict(Exception):
    """Raised by services when a record's state forbids the action; the API answers 409."""


def _answer_in_json(request) -> None:
    """An error is a JSON body, also where a file was asked for (``?format=xlsx``, the PDFs and
    Word files): a spreadsheet or PDF content type around an error message is a broken file."""
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is not None and renderer.format not in ("json", "api"):
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type


def documented_shape(data):
    """The documented error object: ``{"field": ["message", ...]}`` for bad input (nested
    serializers keep their nested objects), ``{"detail": "..."}`` for the rest.

    DRF answers a bare list for ``raise ValidationError("...")`` or a failed field outside a
    serializer (``?search=``'s validators); it becomes the non-field errors. A bare string in
    a 400 (a JSON parse error's ``detail``) becomes a one-item list.
    """
    if isinstance(data, list):
        return {api_settings.NON_FIELD_ERRORS_KEY: data}
    if isinstance(data, str):
        return {api_settings.NON_FIELD_ERRORS_KEY: [data]}
    return data


def _input_error_shape(data):
    data = documented_shape(data)
    return {key: [value] if isinstance(value, str) else value for key, value in data.items()}


def exception_handler(exc, context):
    _answer_in_json(context.get("request"))
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
    if response is not None:
        if response.status_code == status.HTTP_400_BAD_REQUEST:
            response.data = _input_error_shape(response.data)
        else:
            response.data = documented_shape(response.data)
    request = context.get("request")
    if response is not None and response.status_code == 403 and request is not None:
        # Every refusal is announced; the audit log records it (web pages: its middleware).
        request_refused.send(sender=None, request=request._request, reason=str(exc))
    return response


def page_not_found(request, exception):
    """handler404: an address under /api/ that matches no route answers like the API, in JSON."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("未找到。")}, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)
