"""Which models have a change history, and how each is tracked.

Every concrete model of the project's apps is tracked, new ones included (run
``manage.py makemigrations history`` after adding one), except the rows below: logs that are
themselves a history, caches rebuilt from other tables, counters, and document job rows.
"""

from pathlib import Path

import pghistory
import pgtrigger
from django.apps import AppConfig, apps
from django.conf import settings
from django.db import models

# Logs, caches, counters and job rows: their history would be noise (README, "Change history").
UNTRACKED = frozenset(
    {
        "audit.AuditEntry",  # the audit log: append-only itself
        "issues.IssueEvent",  # an issue's workflow log: append-only itself
        "issues.IssueSequence",  # number counters
        "issues.SupervisionOrderSequence",
        "notifications.Delivery",  # delivery attempts of a notice
        # Statistics rollups, rebuilt from the records by reports.rollups.
        "reports.RegionMonth",
        "reports.IssueMonth",
        "reports.ChiefMonth",
        "reports.IssueSourceMonth",
        "reports.OverdueSpan",
        "reports.TreeMonth",
        "reports.TreeIssueMonth",
        "reports.TreeClosedMonth",
        "reports.TreeIssueSourceMonth",
        "reports.TreeOverdue",
    }
)

# Fields never copied into a history, and whose change alone records nothing: a secret's hash,
# and times that move on every sign-in or every use (an account's history is its name, role,
# region and so on; a device token's is its name, its owner and its revocation).
UNTRACKED_FIELDS = {
    "accounts.User": ("password", "last_login"),
    "accounts.ApiToken": ("key_hash", "last_used_at"),
}

# Apps whose models are never tracked although they live in the project: none has models.
UNTRACKED_APPS = frozenset({"history", "demo", "workbench"})


def project_apps() -> list[AppConfig]:
    """The project's own apps (their code under BASE_DIR, not in a virtualenv)."""
    root = Path(settings.BASE_DIR).resolve()
    found = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if config.label in UNTRACKED_APPS or not path.is_relative_to(root):
            continue
        if any(part in {".venv", "site-packages"} for part in path.relative_to(root).parts):
            continue
        found.append(config)
    return found


def is_tracked(model: type[models.Model]) -> bool:
    # Imported here: core is the bottom layer, but a job row is recognised by its base class.
    from core.models import Job

    opts = model._meta
    return not (
        opts.abstract
        or opts.proxy
        or not opts.managed
        or opts.auto_created
        or opts.label in UNTRACKED
        or issubclass(model, Job)
    )


def event_model_name(model: type[models.Model]) -> str:
    label = "".join(part.capitalize() for part in model._meta.app_label.split("_"))
    return f"{label}{model._meta.object_name}Event"


def trackers(model: type[models.Model]) -> tuple[pghistory.RowEvent, ...]:
    """A row on insert, one on an update that changed something (an ``auto_now`` stamp alone
    is no change), one on delete: the row as it was."""
    excluded = list(UNTRACKED_FIELDS.get(model._meta.label, ()))
    return (
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(condition=pgtrigger.AnyChange(exclude=excluded, exclude_auto=True)),
        pghistory.DeleteEvent(),
    )
