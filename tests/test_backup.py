"""scripts/backup_restore_check.py: pg_dump -Fc, pg_restore into a new database, counts compared."""

import importlib.util
import io
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from issues.models import Issue
from patrols.models import Patrol

from . import factories
from .documents import database_url

SCRIPT = settings.BASE_DIR / "scripts" / "backup_restore_check.py"


def _script():
    spec = importlib.util.spec_from_file_location("backup_restore_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _scratch_databases() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            [f"{connection.settings_dict['NAME']}_restore_check_%"],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_backup_restores_into_a_new_database_with_every_row(street_a, tmp_path):
    for reach in street_a.reaches:
        factories.IssueFactory(reach=reach)
        factories.PatrolFactory(chief=street_a.chiefs[0], reach=reach)
    dump = tmp_path / "portal.dump"
    done = subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, str(SCRIPT), "--dump", str(dump)],
        env={"DATABASE_URL": database_url(), "PATH": "/usr/bin:/bin:/usr/local/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines() if line}
    assert lines["public.issues_issue"] == [str(Issue.objects.count())] * 2 + ["OK"]
    assert lines["public.patrols_patrol"] == [str(Patrol.objects.count())] * 2 + ["OK"]
    assert lines["django_migrations"][-1] == "OK"
    assert lines["public.issues_issue_id_seq"][-1] == "OK"  # sequences restored too
    assert "MISMATCH" not in done.stdout and done.stdout.rstrip().endswith(": OK")
    assert dump.read_bytes().startswith(b"PGDMP")  # the custom format, kept where asked
    assert _scratch_databases() == []  # the scratch copy is dropped


def test_a_difference_is_reported_as_a_mismatch():
    script = _script()
    rows = script.compare(
        {"public.issues_issue": 103, "public.a_seq (sequence)": 7, "public.gone": 1},
        {"public.issues_issue": 102, "public.a_seq (sequence)": 7},
    )
    out = io.StringIO()
    assert script.report(rows, out=out) is False
    text = out.getvalue()
    assert "public.issues_issue" in text and text.count("MISMATCH") == 3  # 2 rows + verdict
    assert "public.gone" in text and "absent" in text
    assert script.with_database("postgres://u:p@db:5432/portal?sslmode=require", "x") == (
        "postgres://u:p@db:5432/x?sslmode=require"
    )


def test_the_script_exits_2_with_a_message_when_the_database_is_unreachable(tmp_path):
    done = subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, str(SCRIPT)],
        env={"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "backup check failed" in done.stderr
