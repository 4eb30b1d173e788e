"""One set of pages for every record in the registry: list, detail, create, edit, delete and the
record's own actions. Reads go through the API viewset's selector and FilterSet (so scoping and
filters are the API's), writes through its serializer and services."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.request import Request

from core.exceptions import StateConflict
from core.filtering import PortalFilterBackend
from core.forms import error_messages, form_show_errors
from core.history import recent_history
from core.pagination import CappedPaginator
from core.pickers import PickerWidget, use_picker
from core.renderers import XLSXRenderer
from core.text import join_items

from . import display
from .forms import build_form, serializer_data
from .registry import RESOURCES, Resource
from .views_findings import can_open_issues_from_findings

PAGE_SIZE = 25
RELATED_ROWS = 10


def _resource(slug: str, user) -> Resource:
    resource = RESOURCES.get(slug)
    if resource is None:
        raise Http404
    if not resource.can_read(user):
        raise PermissionDenied
    return resource


def _viewset(resource: Resource, request: HttpRequest, action: str):
    """The API viewset, set up for this request: its selector, filters and services."""
    view = resource.viewset()
    view.request = Request(request)
    view.request.user = request.user  # the session's user, already authenticated
    view.args, view.kwargs = (), {}
    view.action = action
    view.format_kwarg = None
    return view


def _context(request: HttpRequest, view, **extra) -> dict[str, Any]:
    return {"request": view.request, "view": view, "format": None, **extra}


def _object(resource: Resource, request: HttpRequest, pk: int, action: str = "retrieve"):
    view = _viewset(resource, request, action)
    return view, get_object_or_404(view.get_queryset(), pk=pk)


def _check_write(resource: Resource, request: HttpRequest, view=None, instance=None) -> None:
    if not resource.can_write(request.user):
        raise PermissionDenied
    editable = getattr(view, "get_editable_queryset", None)
    if (
        instance is not None
        and editable is not None
        and not editable().filter(pk=instance.pk).exists()
    ):
        raise PermissionDenied


def _prepare_filter_form(filterset, user) -> None:
    """The API's filter form, made for people: choice lists offer only records the user can
    see, an open choice reads "全部", yes/no filters are a plain select, dates a date picker."""
    for form_field in filterset.form.fields.values():
        queryset = getattr(form_field, "queryset", None)
        if queryset is not None and hasattr(queryset, "visible_to"):
            form_field.queryset = display.label_queryset(queryset.visible_to(user))
        if queryset is not None and not isinstance(form_field.widget, PickerWidget):
            # Chiefs, regions, reaches, rivers, accounts: searched through the API, not listed.
            use_picker(form_field)
        if isinstance(form_field, forms.NullBooleanField):
            form_field.widget = forms.Select(
                choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))]
            )
        elif isinstance(form_field, forms.DateField):
            form_field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        elif isinstance(form_field, forms.ModelChoiceField):
            form_field.empty_label = _("全部")
        elif isinstance(form_field, forms.ChoiceField):
            # django-filter's choice fields add the blank choice themselves, with empty_label.
            choices = [c for c in form_field.choices if c[0] != ""]
            form_field.empty_label = _("全部")
            form_field.choices = choices


def _ordering_choices(resource: Resource, view) -> list[tuple[str, str]]:
    model = resource.model
    choices = []
    for name in getattr(view, "ordering_fields", None) or []:
        label = _lookup_label(model, name)
        choices += [(name, f"{label} ↑"), (f"-{name}", f"{label} ↓")]
    return choices


def _lookup_label(model, lookup: str) -> str:
    parts = lookup.split("__")
    labels = []
    for part in parts:
        try:
            field = model._meta.get_field(part)
        except Exception:
            return lookup
        labels.append(str(field.verbose_name))
        model = getattr(field, "related_model", None) or model
    if len(labels) == 1 or labels[-1].startswith(labels[-2]):
        return labels[-1]  # 河流 + 河流编码 reads 河流编码
    return "".join(labels[-2:])


def _columns(resource: Resource, serializer) -> list:
    return [serializer.fields[name] for name in resource.columns if name in serializer.fields]


def _rows(resource: Resource, serializer, objects) -> list[dict]:
    columns = _columns(resource, serializer)
    return [
        {"obj": obj, "cells": [display.cell(field, obj) for field in columns]} for obj in objects
    ]


@login_required
def record_list(request: HttpRequest, resource: str) -> HttpResponse:
    res = _resource(resource, request.user)
    view = _viewset(res, request, "list")
    queryset = view.get_queryset()
    filterset = None
    filterset_class = PortalFilterBackend().get_filterset_class(view, queryset)
    if filterset_class is not None:
        filterset = filterset_class(request.GET, queryset=queryset, request=view.request)
        _prepare_filter_form(filterset, request.user)
        queryset = filterset.qs if filterset.is_valid() else queryset.none()
    if getattr(view, "search_fields", None):
        queryset = SearchFilter().filter_queryset(view.request, queryset, view)
    ordering = request.GET.get("ordering", "")
    queryset = OrderingFilter().filter_queryset(view.request, queryset, view)
    page = CappedPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    serializer = res.serializer_class(context=_context(request, view))
    export_query = request.GET.copy()
    export_query.pop("page", None)
    export_query["format"] = "xlsx"
    return render(
        request,
        "workbench/list.html",
        {
            "resource": res,
            "filter": filterset,
            "search_enabled": bool(getattr(view, "search_fields", None)),
            "search": request.GET.get("search", ""),
            "ordering": ordering,
            "ordering_choices": _ordering_choices(res, view),
            "headers": [
                {"label": f.label or name, "numeric": False}
                for name, f in ((f.field_name, f) for f in _columns(res, serializer))
            ],
            "page": page,
            "rows": _rows(res, serializer, page.object_list),
            "filtered": any(k not in ("page", "ordering") and v for k, v in request.GET.items()),
            "can_write": res.can_write(request.user),
            "export_url": (
                reverse(f"{res.api_basename}-list") + "?" + export_query.urlencode()
                if _exports_ledger(view)
                else None
            ),
            "list_links": [(label, reverse(name)) for label, name in res.list_links],
        },
    )


def _exports_ledger(view) -> bool:
    """Whether the list's API answers ``?format=xlsx`` (a few lists have no ledger yet)."""
    return any(issubclass(renderer, XLSXRenderer) for renderer in view.renderer_classes)


def _related(request: HttpRequest, res: Resource, obj) -> list[dict]:
    blocks = []
    for rel in res.related:
        other = RESOURCES[rel.resource]
        if not other.can_read(request.user):
            continue
        url = reverse("workbench:list", args=[other.slug]) + f"?{rel.param}={obj.pk}"
        block = {"label": rel.label or other.title, "url": url, "resource": other}
        if rel.table:
            view = _viewset(other, request, "list")
            objects = list(view.get_queryset().filter(**{rel.lookup: obj.pk})[: RELATED_ROWS + 1])
            serializer = other.serializer_class(context=_context(request, view))
            block["more"] = len(objects) > RELATED_ROWS
            block["headers"] = [f.label or f.field_name for f in _columns(other, serializer)]
            block["rows"] = _rows(other, serializer, objects[:RELATED_ROWS])
        blocks.append(block)
    return blocks


@login_required
def record_detail(request: HttpRequest, resource: str, pk: int) -> HttpResponse:
    res = _resource(resource, request.user)
    view, obj = _object(res, request, pk)
    serializer = res.serializer_class(obj, context=_context(request, view))
    editable = res.can_write(request.user)
    if editable and getattr(view, "get_editable_queryset", None) is not None:
        editable = view.get_editable_queryset().filter(pk=obj.pk).exists()
    fields = [display.cell(f, obj, links=True) for f in display.readable_fields(serializer)]
    return render(
        request,
        res.detail_template,
        {
            "resource": res,
            "obj": obj,
            "fields": [f for f in fields if f.name != "id"],
            "data": serializer.data if res.detail_template != "workbench/detail.html" else None,
            "related": _related(request, res, obj),
            "can_write": editable,
            "can_delete": editable and res.can_delete(),
            "actions": [a for a in res.actions if a.available(obj)] if editable else [],
            "place_map": res.place(obj, request.user) if res.place is not None else None,
            "can_open_issues": can_open_issues_from_findings(request.user),
            "change_history": recent_history(user=request.user, instance=obj),
        },
    )


def _save(request, res, view, serializer, exclude, *, instance=None):
    """Validate with the serializer and write with the viewset's service; the form to show
    again on errors, or None when saved."""
    form = build_form(serializer, data=request.POST, exclude=exclude)
    if serializer.is_valid():
        try:
            if instance is None:
                view.perform_create(serializer)
            else:
                view.perform_update(serializer)
            return None, serializer.instance
        except DjangoValidationError as error:
            form_show_errors(form, error)
        except StateConflict as error:
            form_show_errors(form, str(error))
    else:
        form_show_errors(form, serializer.errors)
    return form, None


@login_required
def record_create(request: HttpRequest, resource: str) -> HttpResponse:
    res = _resource(resource, request.user)
    if res.read_only:
        raise Http404
    _check_write(res, request)
    view = _viewset(res, request, "create")
    context = _context(request, view)
    exclude = res.form_exclude
    if request.method == "POST":
        serializer = res.serializer_class(
            data=serializer_data(request.POST, res.serializer_class(context=context), exclude),
            context=context,
        )
        form, saved = _save(request, res, view, serializer, exclude)
        if saved is not None:
            messages.success(request, _("已新增%(label)s：%(name)s") % _named(res, saved))
            return redirect("workbench:detail", res.slug, saved.pk)
    else:
        form = build_form(res.serializer_class(context=context), exclude=exclude)
    return render(request, "workbench/form.html", {"resource": res, "form": form, "obj": None})


def _named(res: Resource, obj) -> dict:
    return {"label": res.label, "name": str(obj)}


@login_required
def record_edit(request: HttpRequest, resource: str, pk: int) -> HttpResponse:
    res = _resource(resource, request.user)
    if res.read_only:
        raise Http404
    view, obj = _object(res, request, pk, "update")
    _check_write(res, request, view, obj)
    context = _context(request, view)
    exclude = res.form_exclude
    if request.method == "POST":
        serializer = res.serializer_class(
            obj,
            data=serializer_data(request.POST, res.serializer_class(obj, context=context), exclude),
            context=context,
        )
        form, saved = _save(request, res, view, serializer, exclude, instance=obj)
        if saved is not None:
            messages.success(request, _("已保存%(label)s：%(name)s") % _named(res, saved))
            return redirect("workbench:detail", res.slug, saved.pk)
    else:
        form = build_form(res.serializer_class(obj, context=context), exclude=exclude)
    return render(request, "workbench/form.html", {"resource": res, "form": form, "obj": obj})


@login_required
def record_delete(request: HttpRequest, resource: str, pk: int) -> HttpResponse:
    res = _resource(resource, request.user)
    if not res.can_delete():
        raise Http404
    view, obj = _object(res, request, pk, "destroy")
    _check_write(res, request, view, obj)
    if request.method == "POST":
        name = str(obj)
        try:
            view.perform_destroy(obj)
        except (ProtectedError, RestrictedError) as error:
            blocking = getattr(error, "protected_objects", None) or error.restricted_objects
            kinds = join_items(sorted({str(o._meta.verbose_name) for o in blocking}))
            messages.error(request, _("仍有关联的%(kinds)s，不能删除。") % {"kinds": kinds})
            return redirect("workbench:detail", res.slug, obj.pk)
        except (StateConflict, DjangoValidationError) as error:
            text = "；".join(error_messages(error))
            messages.error(request, text)
            return redirect("workbench:detail", res.slug, obj.pk)
        messages.success(
            request,
            _("已%(action)s%(label)s：%(name)s")
            % {"action": res.delete_label, "label": res.label, "name": name},
        )
        return redirect("workbench:list", res.slug)
    return render(request, "workbench/delete.html", {"resource": res, "obj": obj})


@login_required
def record_action(request: HttpRequest, resource: str, pk: int, action: str) -> HttpResponse:
    res = _resource(resource, request.user)
    chosen = next((a for a in res.actions if a.slug == action), None)
    if chosen is None:
        raise Http404
    view, obj = _object(res, request, pk, action)
    _check_write(res, request, view, obj)
    if request.method == "POST":
        serializer = chosen.serializer(data=request.POST, context=_context(request, view))
        form = build_form(serializer, data=request.POST)
        if serializer.is_valid():
            try:
                result = chosen.service(obj, request.user, dict(serializer.validated_data))
            except DjangoValidationError as error:
                form_show_errors(form, error)
            except StateConflict as error:
                form_show_errors(form, str(error))
            else:
                messages.success(request, chosen.done_message)
                return redirect("workbench:detail", res.slug, result.pk)
        else:
            form_show_errors(form, serializer.errors)
    else:
        form = build_form(chosen.serializer(context=_context(request, view)))
    return render(
        request,
        "workbench/form.html",
        {"resource": res, "form": form, "obj": obj, "action": chosen},
    )
