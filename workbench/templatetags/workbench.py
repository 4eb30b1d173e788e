"""Template helpers of the portal's pages: query strings that keep the filters, cell values."""

from django import template
from django.http import QueryDict

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with ``changes`` applied (a value of None drops the key).

    ``?{% query_with page=2 %}`` keeps every filter, the search and the ordering."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = str(value)
    return query.urlencode()


@register.simple_tag(takes_context=True)
def query_without(context, *keys) -> str:
    """The current query string without ``keys`` (e.g. ``page`` for an export link)."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key in keys:
        query.pop(key, None)
    return query.urlencode()


@register.simple_tag(takes_context=True)
def portal_nav(context) -> list:
    """The main navigation of the current user (see workbench.nav)."""
    from workbench.nav import nav_for

    request = context.get("request")
    return nav_for(request) if request is not None else []
