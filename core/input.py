"""Control characters are refused at the door: one check for every query, form and JSON field.

A NUL in ``?search=`` used to reach PostgreSQL (which refuses it: a 500 on the pages) or DRF's
search field (a bare-list 400); other control characters were stored and later broke exports and
printed sheets. No field of ours has a use for them, so every request is checked here, before any
view runs: tab, line feed and carriage return stay allowed (multi-line text), every other C0 or
C1 control character and DEL answer 400: on the API the documented ``{"field": ["message"]}``,
on the pages a page that says which field.
"""

import json
import re
from collections.abc import Callable, Iterator

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

# C0 controls but \t \n \r, DEL, and the C1 controls.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What reading the query or the form may raise: Django would answer its bare HTML 400 page.
UNREADABLE = (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_control_characters(value: str) -> bool:
    return CONTROL.search(value) is not None


def _field_name(name: str) -> str:
    # The name itself may carry the control character; the answer must not echo it.
    return CONTROL.sub("", name) or "non_field_errors"


def _json_strings(value, field: str) -> Iterator[tuple[str, str]]:
    """(top-level field, text) for every key and string inside a JSON document."""
    if isinstance(value, str):
        yield field, value
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item, field)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = key if field == "non_field_errors" else field
            yield name, key
            yield from _json_strings(item, name)


def _fields(request: HttpRequest) -> Iterator[tuple[str, str]]:
    """(field, text) for every query parameter, form field and JSON string of the request."""
    for name, values in request.GET.lists():
        yield name, name
        for value in values:
            yield name, value
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    content_type = request.content_type or ""
    if content_type in FORM_TYPES:
        # Django's parser; DRF reads the same parsed data later (it cannot re-read the stream).
        for name, values in request.POST.lists():
            yield name, name
            for value in values:
                yield name, value
        for name, files in request.FILES.lists():
            for upload in files:
                yield name, upload.name or ""
    elif content_type == "application/json" or content_type.endswith("+json"):
        try:
            document = json.loads(request.body or b"null")
        except ValueError:
            return  # malformed JSON: the parser's own 400 says so
        yield from _json_strings(document, "non_field_errors")


def control_character_errors(request: HttpRequest) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, text in _fields(request):
        if has_control_characters(text):
            field = _field_name(name)
            errors[field] = [_("不能包含控制字符（如 NUL、退格、换页等不可见字符）。")]
    return errors


class ControlCharactersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            errors = control_character_errors(request)
        except UNREADABLE:
            errors = {"non_field_errors": [_("请求内容无法读取：格式有误、字段过多或内容过大。")]}
        if not errors:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(errors, status=400, json_dumps_params={"ensure_ascii": False})
        return render(request, "400.html", {"errors": errors}, status=400)
