"""The signals of the bottom layer, and how a lower app announces that its records changed.

``core`` imports no app of ours: where something here concerns an app above, ``core`` sends a
signal and that app subscribes in its ``AppConfig.ready`` (pretix's ``base/signals.py`` is the
model). Every signal is documented here with what it means and the arguments it sends.

``request_refused``
    An API request was answered 403 by the API's exception handler
    (``core.exceptions.exception_handler``): the role may not do this, or a ``write_check``
    said no. Sent with ``sender=None``, ``request`` (the Django ``HttpRequest``) and ``reason``
    (the refusal's message). ``audit`` subscribes and records the refusal
    (``audit.receivers``). Receivers run in the request, before the 403 goes out.

``announce_changes(model, signal)``
    Not a signal but the tie between Django's model signals and an app's own. The work apps
    (patrols, issues, activities) and rivers each declare their signals in their own
    ``signals.py`` and the apps above them subscribe: the figures' rollups in ``reports``
    listen, so no work app imports ``reports``. A service, the API, the admin and the shell
    all save through the model, so the announcement is tied to the model's save and delete:
    ``announce_changes`` connects Django's model signals to the app's signal once.

    Receivers get ``records``: for a change, the row as it was before (read back from the
    database) and as it is after; for a creation the new row; for a deletion the deleted row.
    A receiver uses both to know every place (month, region) a record counted in before and
    counts in now. Bulk writes (``bulk_create``, ``QuerySet.update``) send nothing; code that
    makes them announces by sending the signal itself (the demo seeder rebuilds the rollups
    instead).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import Signal

request_refused = Signal()  # kwargs: request, reason (see the module's docstring)

_BEFORE = "_announced_before"
# Large columns the receivers never read: not fetched when the old row is read back.
_HEAVY = (models.JSONField, models.TextField, models.FileField, models.BinaryField)


def _light_fields(model: type[models.Model]) -> list[str]:
    return [
        field.attname
        for field in model._meta.concrete_fields
        if not isinstance(field, _HEAVY) or field.primary_key
    ]


def announce_changes(model: type[models.Model], signal: Signal) -> None:
    """Send ``signal(sender=model, records=[...])`` after every save and delete of ``model``."""
    uid = f"announce:{model._meta.label}:{id(signal)}"

    def before(sender: type[models.Model], instance: Any, raw: bool = False, **kwargs) -> None:
        if raw or instance._state.adding or instance.pk is None:
            return
        old = sender._base_manager.filter(pk=instance.pk).only(*_light_fields(sender)).first()
        instance.__dict__[_BEFORE] = old

    def after(sender: type[models.Model], instance: Any, raw: bool = False, **kwargs) -> None:
        if raw:
            return
        old = instance.__dict__.pop(_BEFORE, None)
        signal.send(sender=sender, records=[row for row in (old, instance) if row is not None])

    def deleted(sender: type[models.Model], instance: Any, **kwargs) -> None:
        signal.send(sender=sender, records=[instance])

    pre_save.connect(before, sender=model, weak=False, dispatch_uid=f"{uid}:pre")
    post_save.connect(after, sender=model, weak=False, dispatch_uid=f"{uid}:post")
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"{uid}:delete")
