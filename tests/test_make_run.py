"""`make run` (issue #15 item 7): it says how to pick another port, serves on the one given, and
logs no broker warning when the tasks run in-process (no REDIS_URL: no broker at all)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_says_how_to_pick_another_port_and_serves_on_it():
    make = shutil.which("make")
    result = subprocess.run(  # noqa: S603 (our own command line)
        [make, "-n", "run", "PORT=8001"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "PORT=8001 make run" in result.stdout
    assert "manage.py runserver 127.0.0.1:8001" in result.stdout


def test_readme_says_how_to_pick_another_port():
    assert "PORT=8001 make run" in (ROOT / "README.md").read_text(encoding="utf-8")


def _send_a_task_in_process(redis_url: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE", "CELERY_TASK_ALWAYS_EAGER")
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    if redis_url:
        env["REDIS_URL"] = redis_url
    script = "\n".join(
        [
            "import django",
            "django.setup()",
            "from celery import shared_task",
            "from django.conf import settings",
            "from core.broker import send_now",
            "ran = []",
            "@shared_task(name='tests.make_run.ping')",
            "def ping():",
            "    ran.append(1)",
            "print('eager', settings.CELERY_TASK_ALWAYS_EAGER, 'sent', send_now(ping), 'ran', ran)",
        ]
    )
    return subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_in_process_tasks_log_no_broker_warning():
    result = _send_a_task_in_process("")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "eager True sent True ran [1]" in result.stdout
    assert "WARNING" not in result.stderr, result.stderr[-3000:]
    assert "hostname" not in result.stderr
