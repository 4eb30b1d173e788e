"""The document pipeline: every document the portal builds in the background is a kind of it.

A document is a row that is its own job (core.models.Job, core.jobs): requested by a service
of its app, built by the one Celery task (core.tasks.build_document), followed by the one
status view and polling script, served by the one download view. What differs between the
monthly bulletins, the work reports, the supervision orders, the weekly reports and the
assessment rounds' ledgers (and the river files to come) is said once, in a ``DocumentKind``
that the app registers from its ``AppConfig.ready()`` (a subclass, as pretix's exporters
subclass its ``BaseExporter``):

- ``jobs``: the model and its job machinery (core.jobs.Jobs; ``jobs.kind`` is the kind's name);
- ``build(claim)``: what a worker does with its claim (store the files, ``claim.publish``);
- ``files``: the file fields it fills, each with its content type and download name;
- ``rows(user)``, ``readers``: the rows of the account's region, and the roles that may see
  the kind at all; ``visible(user)`` is the scope check: ``PermissionDenied`` for another role
  (403), and a row outside the account's region is simply not found (404);
- ``label``, ``title(row)``, ``detail_url(row)``: how pages name a row and link to it;
- the addresses it keeps from before the pipeline (``url_names``), the messages of a download
  that is not ready or has expired, and whether a download builds a missing file at once
  (``build_on_request``: one page, fast) or files expire (``expires``: the daily cleanup).

The model is pretix's exporters and ``CachedFile``: the base app owns the machinery and the
registry, the apps above it bring their kinds. This module imports no app of ours.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status
from rest_framework.exceptions import APIException

from .exceptions import StateConflict
from .jobs import Claim, J, Jobs
from .media import stored_file_response
from .models import JobStatus

logger = logging.getLogger(__name__)

# How long a download of a ``build_on_request`` kind waits for a build another process holds.
BUILD_WAIT_SECONDS = 20
# What a download says, unless the kind says it in its own words.
NOT_READY = gettext_lazy("文件尚未生成完成（当前状态：%(status)s）。")
GONE = gettext_lazy("文件已过期删除，请重新生成。")
REFUSED = gettext_lazy("当前角色无权查看此类文件。")
DOWNLOAD_PDF = gettext_lazy("下载 PDF")


@dataclass(frozen=True)
class DocumentFile:
    """One file a kind's build stores in the row's FileField of the same name."""

    content_type: str
    # The name the browser saves it under (the row's title, in Chinese).
    filename: Callable[[Any], str]
    # The link's text on the pages: "下载 PDF".
    label: Any

    @classmethod
    def pdf(cls, filename: Callable[[Any], str]) -> DocumentFile:
        return cls(content_type="application/pdf", filename=filename, label=DOWNLOAD_PDF)


class DocumentKind(Generic[J]):
    """What one kind of document is (see the module's docstring): subclass it, say what the
    class attributes say, implement ``build`` and ``rows`` (and ``title``, ``detail_url`` if
    the pages show the kind), and register an instance."""

    # The model's job machinery; its ``kind`` is this kind's name.
    jobs: Jobs[J]
    label: Any
    files: Mapping[str, DocumentFile]
    # The kind's own addresses, kept from before the pipeline: "status" and file names -> a
    # URL name that takes the pk. Without one, the pipeline's own /documents/<kind>/<pk>/...
    url_names: Mapping[str, str] = {}
    not_ready: Any = NOT_READY
    gone: Any = GONE
    # The roles that may see this kind at all (None: every role), and what the others are told.
    readers: frozenset[str] | None = None
    refusal: Any = REFUSED
    # A download of a row not built yet builds it there and then, through the same claim.
    build_on_request: bool = False
    # The files are deleted at the row's ``expires_at`` by the daily cleanup (the row stays).
    expires: bool = False

    @property
    def name(self) -> str:
        return self.jobs.kind

    @property
    def model(self) -> type[J]:
        return self.jobs.model

    def __str__(self) -> str:
        return self.name

    def build(self, claim: Claim[J]) -> None:
        """What a worker does with its claim: make the files, store them, ``claim.publish``."""
        raise NotImplementedError

    def rows(self, user: Any) -> models.QuerySet:
        """The rows of the account's region (the app's selector)."""
        raise NotImplementedError

    def visible(self, user: Any) -> models.QuerySet:
        """The rows ``user`` may see: ``PermissionDenied`` for a role that may see none (403);
        a row outside the account's region is not in them (404)."""
        if self.readers is not None and user.effective_role not in self.readers:
            raise PermissionDenied(str(self.refusal))
        return self.rows(user)

    def title(self, row: J) -> str:
        """How the pages name a row, built or not."""
        return str(row)

    def detail_url(self, row: J) -> str | None:
        """The row's own page, if it has one."""
        return None


_KINDS: dict[str, DocumentKind] = {}


def register(kind: DocumentKind) -> None:
    """Make ``kind`` a document of the pipeline (from its app's ``AppConfig.ready()``)."""
    known = _KINDS.get(kind.name)
    if known is not None and known is not kind:
        raise LookupError(f"document kind {kind.name!r} is registered twice")
    _KINDS[kind.name] = kind


def kind(name: str) -> DocumentKind:
    """The registered kind called ``name``; LookupError if there is none."""
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"no document kind {name!r}") from None


def kinds() -> list[DocumentKind]:
    return list(_KINDS.values())


def kind_of(row: models.Model) -> DocumentKind:
    for registered in _KINDS.values():
        if isinstance(row, registered.model):
            return registered
    raise LookupError(f"no document kind is registered for {type(row).__name__}")


# --- addresses and state ------------------------------------------------------------------------


def _url(kind: DocumentKind, what: str, row: models.Model, generic: str, *args: str) -> str:
    own = kind.url_names.get(what)
    if own:
        return reverse(own, args=[row.pk])
    return reverse(generic, args=[kind.name, row.pk, *args])


def status_url(kind: DocumentKind, row: models.Model) -> str:
    return _url(kind, "status", row, "document-status")


def file_url(kind: DocumentKind, row: models.Model, name: str) -> str:
    return _url(kind, name, row, "document-file", name)


def is_ready(row: models.Model, name: str) -> bool:
    return row.status == JobStatus.DONE and bool(getattr(row, name))


def is_building(row: models.Model) -> bool:
    return row.status in (JobStatus.PENDING, JobStatus.RUNNING)


def status_payload(kind: DocumentKind, row: models.Model) -> dict[str, Any]:
    """What the status view answers and the polling script reads: the row's state, and the
    address of each file once it can be downloaded (``pdf_url``: null until then)."""
    payload = {
        "id": row.pk,
        "kind": kind.name,
        "status": row.status,
        "status_label": row.get_status_display(),
        "progress": row.progress,
        "error": row.error,
        "detail_url": kind.detail_url(row),
    }
    for name in kind.files:
        payload[f"{name}_url"] = file_url(kind, row, name) if is_ready(row, name) else None
    return payload


# --- building -----------------------------------------------------------------------------------


def build(kind: DocumentKind[J], pk: int, *, redelivered: bool = False) -> J | None:
    """Claim row ``pk`` and build it (core.jobs.Jobs.run); the row as it ended, or None when
    there was nothing to build (done already, or being built by a live worker)."""
    if not kind.jobs.run(pk, kind.build, redelivered=redelivered):
        return None
    return kind.model.objects.filter(pk=pk).first()


def build_now(kind: DocumentKind[J], row: J) -> J:
    """The row, built here if it is not done (a ``build_on_request`` download): a failed or
    lost one is reset without a message and built through the same claim as in a worker; a
    build another process holds is waited for. A readable error (a missing font) is raised."""
    jobs = kind.jobs
    jobs.requeue(row.pk, send=False)
    jobs.run(row.pk, kind.build, raise_readable=True)
    deadline = time.monotonic() + BUILD_WAIT_SECONDS
    row = kind.model.objects.get(pk=row.pk)
    while row.status == JobStatus.RUNNING and time.monotonic() < deadline:
        time.sleep(0.2)
        row.refresh_from_db()
    return row


# --- downloads ----------------------------------------------------------------------------------


class DocumentNotReady(StateConflict):
    """The row exists but its file is not built (queued, being built, failed): 409."""


class DocumentGone(APIException):
    """The row is done but its files have expired and were deleted: 410."""

    status_code = status.HTTP_410_GONE
    default_code = "files_expired"


class DocumentUnavailable(APIException):
    """This server cannot print the document (a font or a library is missing): 503."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "pdf_unavailable"


def file_response(kind: DocumentKind, row: models.Model, name: str) -> HttpResponse:
    """The download of file ``name`` of ``row``, which the caller found in the account's
    scope (``kind.visible``, or the API's own scoped queryset). Raises ``DocumentNotReady``
    (409) or ``DocumentGone`` (410), and core.pdf.PDFUnavailable where a build in the
    request cannot print."""
    spec = kind.files[name]
    if kind.build_on_request and not is_ready(row, name):
        row = build_now(kind, row)
    if row.status != JobStatus.DONE or (not getattr(row, name) and not kind.expires):
        raise DocumentNotReady(kind.not_ready % {"status": row.get_status_display()})
    if not getattr(row, name):
        raise DocumentGone(str(kind.gone))
    return stored_file_response(
        getattr(row, name),
        as_attachment=True,
        filename=spec.filename(row),
        content_type=spec.content_type,
    )


# --- upkeep: the beat's jobs over every kind ----------------------------------------------------


def sweep(*, now: datetime.datetime | None = None) -> dict[str, dict[str, int]]:
    """Re-queue or fail the rows of every kind no worker is going to finish (Jobs.sweep)."""
    return {registered.name: registered.jobs.sweep(now=now) for registered in _KINDS.values()}


def clean_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of the rows past their ``expires_at`` (kinds that ``expires``); the
    rows and their data stay, and regenerating makes the files again."""
    now = now or timezone.now()
    cleaned = 0
    for registered in _KINDS.values():
        if registered.expires:
            cleaned += _clean_expired(registered, now=now)
    return cleaned


def _clean_expired(kind: DocumentKind, *, now: datetime.datetime) -> int:
    names = list(kind.files)
    expired = kind.model.objects.filter(expires_at__lte=now).exclude(**dict.fromkeys(names, ""))
    cleaned = 0
    for pk, *stored in expired.values_list("pk", *names):
        # Conditional on the names: a build that replaced the files meanwhile keeps its own.
        if not kind.model.objects.filter(pk=pk, **dict(zip(names, stored, strict=True))).update(
            **dict.fromkeys(names, "")
        ):
            continue
        for name, value in zip(names, stored, strict=True):
            if value:
                kind.model._meta.get_field(name).storage.delete(value)
        cleaned += 1
    return cleaned


def problem_message(exc: BaseException) -> str:
    """The text of a download's refusal, for the web page that says why."""
    detail = getattr(exc, "detail", None)
    return str(detail if detail is not None else exc) or _("文件暂时无法下载。")
