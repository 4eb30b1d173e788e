"""Schemathesis fuzzes every operation of the API in-process, as an office user, as a chief and
with no credentials at all.

The schema is the one the portal serves at /api/schema/; requests go through Django's WSGI
handler in this process, against the demo street (a region tree with records of every kind), with
a token like an outside client (or none). Each operation gets positive data (valid by the schema)
and negative data (invalid by the schema), drawn from a fixed seed. Every response must be no
server error, documented (status code, content type, body), negative data must be refused with
4xx, and every error must have the documented shape (shared/API.md: 400 with
``{"field": ["message", ...]}``, the other errors ``{"detail": "..."}``).

Each request runs in a savepoint that is rolled back, so a DELETE or a revoked token does not
starve the examples that follow: every operation sees the same demo data.
"""

import datetime
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import User
from demo.street import build_demo

TODAY = datetime.date(2026, 11, 22)


@schemathesis.check
def documented_error_shape(ctx, response, case) -> None:
    """A 4xx answers a JSON object: for 400 each field maps to a list of messages (or, for a
    nested serializer, to an object); any other error carries a ``detail`` string."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = response.json()
    except ValueError as error:
        raise AssertionError(f"{response.status_code} without a JSON body") from error
    if not isinstance(body, dict) or not body:
        raise AssertionError(f"{response.status_code} answers {body!r}, not an error object")
    if response.status_code == 400:
        bad = {k: v for k, v in body.items() if not isinstance(v, list | dict) or v in ([], {})}
        if bad:
            raise AssertionError(f"400 fields without a list of messages: {bad!r}")
    elif not isinstance(body.get("detail"), str):
        raise AssertionError(f"{response.status_code} without a detail string: {body!r}")
    return None


CHECKS = [
    documented_error_shape,
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
EXAMPLES = {"office": 8, "chief": 3, "anonymous": 2}
IDS_PER_RESOURCE = 3


@pytest.fixture
def wsgi_app(db) -> Iterator[WSGIHandler]:
    """Django's WSGI handler, in this process."""
    yield WSGIHandler()
    cache.clear()  # the token endpoint's throttle counts


@contextmanager
def in_test_transaction() -> Iterator[None]:
    """Requests through the WSGI handler share this test's connection and transaction.

    The handler closes "old" connections at the start and end of each request; inside the test's
    transaction that would end it, so those two receivers are off meanwhile (the test client does
    the same), and the request runs in a savepoint rolled back afterwards.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def server_errors() -> Iterator[list[str]]:
    """Tracebacks of exceptions the views raised, to show beside a 500."""
    errors: list[str] = []

    def record(sender, request, **kwargs):
        errors.append(f"{request.method} {request.get_full_path()}\n{traceback.format_exc()}")

    got_request_exception.connect(record)
    yield errors
    got_request_exception.disconnect(record)


def _known_ids(user: User, schema) -> dict[str, list[int]]:
    """Ids the user can see, per collection path (``/api/v1/issues/``), read from the API."""
    client = APIClient()
    client.force_authenticate(user=user)
    collections = {
        operation.path.split("{")[0]
        for operation in (result.ok() for result in schema.get_all_operations())
        if "{id}" in operation.path
    }
    known = {}
    for collection in collections:
        response = client.get(collection)
        rows = response.json()["results"] if response.status_code == 200 else []
        known[collection] = [row["id"] for row in rows[:IDS_PER_RESOURCE]]
    return known


def _finding_ids(user: User) -> list[tuple[int, int]]:
    from patrols.models import Finding, Patrol

    patrols = Patrol.objects.visible_to(user)
    return list(
        Finding.objects.filter(patrol__in=patrols).values_list("patrol_id", "id").order_by("id")[:3]
    )


def _lenient(case) -> bool:
    """Negative cases the API reads as "not given" or cannot tell from valid, on purpose.

    - an empty query value means "no filter" (the web filter bars send them);
    - a query string cannot carry an object or a list: only its last value counts;
    - a boolean filter reads anything but true/false/1/0 as "not given" and a number filter
      accepts any decimal (django-filter): such a filter then matches nothing, it is no error;
    - ``?format=xlsx`` exports the whole filtered list, so ``page`` and ``page_size`` are unused;
    - a form-encoded body has no types: "an integer instead of an object" cannot be expressed.
    """
    query = case.query or {}
    if any(value in ("", [""], {}, []) for value in query.values()):
        return True
    phase = case.meta.phase.data if case.meta else None
    location = getattr(getattr(phase, "parameter_location", None), "value", None)
    if location == "body" or (location is None and case.body is not None):
        return case.media_type != "application/json"
    name = getattr(phase, "parameter", None)
    if location != "query" or name is None:
        return False
    if isinstance(query.get(name), dict | list):
        return True
    if name in ("page", "page_size") and query.get("format") == "xlsx":
        return True
    parameter = next((p for p in case.operation.query if p.name == name), None)
    kind = parameter.definition.get("schema", {}).get("type") if parameter else None
    return kind == "boolean" or (kind == "integer" and isinstance(query[name], float))


def _strategy(operation, mode, known, findings):
    """Cases for the operation; path ids come from records the user can see (and one unknown).

    Negative cases also come with free (mostly unknown or malformed) path ids: an operation whose
    only other input is optional may have nothing left to make invalid.
    """
    if "{finding_id}" in operation.path:
        pairs = [*findings, (999_999, 999_999)]
        known_paths = st.sampled_from(pairs).map(lambda p: {"id": p[0], "finding_id": p[1]})
    elif "{id}" in operation.path:
        ids = [*known[operation.path.split("{")[0]], 999_999]
        known_paths = st.sampled_from(ids).map(lambda pk: {"id": pk})
    else:
        return operation.as_strategy(generation_mode=mode).filter(
            lambda case: mode.is_positive or not _lenient(case)
        )
    strategy = known_paths.flatmap(
        lambda path: operation.as_strategy(generation_mode=mode, path_parameters=path)
    )
    if mode.is_negative:
        strategy = st.one_of(strategy, operation.as_strategy(generation_mode=mode))
        strategy = strategy.filter(lambda case: not _lenient(case))
    return strategy


def _fuzz(role: str, wsgi_app, server_errors) -> list[str]:
    demo = build_demo(today=TODAY)
    # Anonymous calls aim at the office's records: they exist, and must still answer 401.
    who = "office" if role == "anonymous" else role
    user = next(account.user for account in demo.accounts if account.user.role == who)
    if role == "anonymous":
        headers = {}
    else:
        headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    with in_test_transaction():
        schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    known = _known_ids(user, schema)
    findings = _finding_ids(user)
    failures, timings = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        form_only = operation.body and all(
            body.media_type != "application/json" for body in operation.body
        )
        for mode in MODES:
            if mode.is_negative and form_only:
                continue  # a file upload form: see _lenient(), nothing invalid to send

            @settings(
                max_examples=EXAMPLES[role],
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=_strategy(operation, mode, known, findings))
            def run(case):
                with in_test_transaction():
                    response = case.call(headers=headers)
                    case.validate_response(response, checks=CHECKS, headers=headers)

            del server_errors[:]
            started = time.monotonic()
            try:
                run()
            except (Exception, BaseExceptionGroup) as error:  # every failure is reported below
                failures.append(
                    f"== {operation.label} [{mode.value}]\n{error}\n" + "\n".join(server_errors)
                )
            timings.append((time.monotonic() - started, f"{operation.label} [{mode.value}]"))
    print("slowest:", *sorted(timings, reverse=True)[:8], sep="\n  ")
    return failures


@pytest.mark.parametrize("role", ["office", "chief", "anonymous"])
def test_every_api_operation_answers_by_its_schema_to_valid_and_invalid_input(
    role, wsgi_app, server_errors
):
    failures = _fuzz(role, wsgi_app, server_errors)
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)
