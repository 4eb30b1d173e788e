"""Every kind of document built by real Celery workers (subprocesses) through Redis, by the one
task (core.tasks.build_document): end to end, and with the worker killed mid-build (SIGKILL)
and the document still ending done, built by a second worker once the sweeper re-queues it.

The workers and the pause that makes the kill land mid-build: tests/documents.py.
"""

import datetime
import io
import os
import signal
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from core import documents
from core.models import Job, JobStatus
from core.renderers import DOCX_MEDIA_TYPE
from patrols.models import Bulletin
from reports.models import Report, ReportKind

from . import factories
from .test_patrols import make_patrol

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("media_root"),
]


# Rows made by hand and sent by the test: committed before any worker looks for them.


def _bulletin(street) -> Bulletin:
    make_patrol(street.chiefs[0], street.reaches[0], datetime.date(2024, 5, 6))
    return Bulletin.objects.create(
        street=street.street, month=datetime.date(2024, 5, 1), queued_at=timezone.now()
    )


def _report(region) -> Report:
    return Report.objects.create(
        region=region,
        kind=ReportKind.QUARTERLY,
        year=2024,
        period=2,
        queued_at=timezone.now(),
    )


def _supervision_order(street):
    issue = factories.IssueFactory(reach=street.reaches[0])
    return factories.SupervisionOrderFactory(
        issue=issue, street=street.street, queued_at=timezone.now()
    )


def _report_built(report: Report) -> None:
    with report.docx.open("rb") as stored, zipfile.ZipFile(io.BytesIO(stored.read())) as docx:
        assert "word/document.xml" in docx.namelist()
    assert report.data["title"] and report.expires_at > timezone.now()


@dataclass
class Case:
    make: object
    # What a built row of the kind holds besides its files (None: nothing more to check).
    built: object = None


CASES = {
    "bulletin": Case(make=_bulletin),
    "report": Case(make=lambda street: _report(street.street), built=_report_built),
    "supervision-order": Case(make=_supervision_order),
}
MAGIC = {"application/pdf": b"%PDF", DOCX_MEDIA_TYPE: b"PK"}


def _files_are_stored(kind, row: Job) -> None:
    for name, spec in kind.files.items():
        with getattr(row, name).open("rb") as stored:
            assert stored.read().startswith(MAGIC[spec.content_type]), name


def _only_these_files_stored(kind, row: Job) -> None:
    """The killed build saved nothing: the kind's folder holds the finished files alone."""
    names = [getattr(row, name).name for name in kind.files]
    folder = Path(settings.MEDIA_ROOT, Path(names[0]).parent)
    assert sorted(path.name for path in folder.iterdir()) == sorted(Path(n).name for n in names)


@pytest.mark.parametrize("name", CASES)
def test_a_real_worker_builds_the_document_end_to_end(workers, street_a, name):
    kind, case = documents.kind(name), CASES[name]
    worker = workers.start()
    row = case.make(street_a)
    workers.send(name, row.pk)

    def ended(r: Job) -> bool:
        assert worker.poll() is None, f"worker exited:\n{workers.logs()}"
        return r.status in (JobStatus.DONE, JobStatus.FAILED)

    row = workers.wait_for(row, ended)
    assert row.status == JobStatus.DONE, f"{row.error}\n{workers.logs()}"
    assert row.progress == 100 and row.attempts == 1
    _files_are_stored(kind, row)
    if case.built:
        case.built(row)
    assert "build_document" in workers.logs()  # it was the worker, not this process


@pytest.mark.parametrize("name", CASES)
def test_a_worker_killed_mid_build_leaves_the_document_done_not_running(workers, street_a, name):
    kind, case = documents.kind(name), CASES[name]
    slow = workers.start(pause=2)
    row = case.make(street_a)
    workers.send(name, row.pk)
    # Past the claim and the first step: in the middle of the build.
    workers.wait_for(row, lambda r: r.status == JobStatus.RUNNING and r.progress >= 5)
    os.kill(slow.pid, signal.SIGKILL)
    slow.wait(timeout=10)
    time.sleep(1)
    row.refresh_from_db()
    assert row.status == JobStatus.RUNNING  # its worker is gone: stuck until swept
    assert not any(getattr(row, file) for file in kind.files)

    workers.start()
    # The sweeper's run once the timeout has passed (its clock moved on instead of waiting).
    minutes = getattr(settings, kind.jobs.stuck_setting)
    later = timezone.now() + datetime.timedelta(minutes=minutes + 1)
    assert documents.sweep(now=later)[name] == {"requeued": 1, "failed": 0, "resent": 0}
    row = workers.wait_for(row, lambda r: r.status in (JobStatus.DONE, JobStatus.FAILED))
    assert row.status == JobStatus.DONE, f"{row.error}\n{workers.logs()}"
    assert row.attempts == 2 and row.progress == 100
    _files_are_stored(kind, row)
    _only_these_files_stored(kind, row)
