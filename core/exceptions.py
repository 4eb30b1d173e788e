"""Errors answer with the API's shapes: 400 with field messages, 409 for state conflicts."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "记录的当前状态不允许此操作。"
    default_code = "conflict"


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, ProtectedError | RestrictedError):
        names = (
            sorted({obj._meta.verbose_name for obj in exc.protected_objects})
            if isinstance(exc, ProtectedError)
            else sorted({obj._meta.verbose_name for obj in exc.restricted_objects})
        )
        return Response(
            {"detail": f"仍有关联的{'、'.join(str(n) for n in names)}，不能删除。"},
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)
