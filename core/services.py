"""Plain record writes shared by the apps' services: validate the whole row, then save it."""

from typing import Any, TypeVar

from django.db import models, transaction

M = TypeVar("M", bound=models.Model)


def _split_many_to_many(model: type[models.Model], data: dict[str, Any]):
    m2m_names = {field.name for field in model._meta.many_to_many}
    fields = {k: v for k, v in data.items() if k not in m2m_names}
    m2m = {k: v for k, v in data.items() if k in m2m_names}
    return fields, m2m


@transaction.atomic
def model_create(*, model: type[M], data: dict[str, Any]) -> M:
    fields, m2m = _split_many_to_many(model, data)
    instance = model(**fields)
    instance.full_clean()
    instance.save()
    for name, values in m2m.items():
        getattr(instance, name).set(values)
    return instance


@transaction.atomic
def model_update(*, instance: M, data: dict[str, Any]) -> M:
    fields, m2m = _split_many_to_many(type(instance), data)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    for name, values in m2m.items():
        getattr(instance, name).set(values)
    return instance
