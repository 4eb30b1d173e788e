"""One event table per tracked model, generated (history.tracking says which).

Each holds a snapshot of the row per insert, change and delete, written by a PostgreSQL
trigger on the tracked table (so the services, the API, the admin and a shell all leave one),
with ``pgh_context`` pointing at who and where (pghistory's context: the user and URL of a
request, the name of a Celery task). The tables are append-only: a trigger refuses any update
or delete of an event (PGHISTORY_APPEND_ONLY) and TRUNCATE (unless the test suite's flush says so).
"""

from importlib import import_module, util

import pghistory
import pgtrigger
from django.apps import apps

from .tracking import UNTRACKED_FIELDS, event_model_name, is_tracked, project_apps, trackers

# TRUNCATE is refused too, as on the audit log (audit/migrations/0003): unless the transaction
# ran ``SET LOCAL audit.allow_truncate = 'on'``, which only the test suite's flush does.
NO_TRUNCATE = pgtrigger.Trigger(
    name="append_only_truncate",
    operation=pgtrigger.Truncate,
    level=pgtrigger.Statement,
    when=pgtrigger.Before,
    func="""
        IF current_setting('audit.allow_truncate', true) = 'on' THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'history events are append-only: TRUNCATE refused'
            USING ERRCODE = 'restrict_violation';
    """,
)


def _generate() -> None:
    tracked = []
    for config in project_apps():
        if util.find_spec(f"{config.name}.models") is not None:
            import_module(f"{config.name}.models")
        # all_models, not config.models: an app listed after this one is not loaded yet.
        tracked += [m for m in apps.all_models[config.label].values() if is_tracked(m)]
    for model in sorted(tracked, key=lambda m: m._meta.label):
        pghistory.create_event_model(
            model,
            *trackers(model),
            exclude=list(UNTRACKED_FIELDS.get(model._meta.label, ())),
            # The tracked row's id, unconstrained (the row may be deleted), no reverse accessor
            # on the tracked model (an ``events`` one would clash with ours).
            obj_field=pghistory.ObjForeignKey(
                related_name="+", related_query_name="+", db_index=True
            ),
            model_name=event_model_name(model),
            app_label="history",
            meta={"triggers": [NO_TRUNCATE]},
            abstract=False,
        )


_generate()
