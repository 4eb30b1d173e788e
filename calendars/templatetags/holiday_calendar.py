"""``{% holiday_calendar_banner %}``: the office's warning that a year's holidays are missing."""

from django import template
from django.utils import timezone

from accounts.roles import OFFICE_ROLES

from ..selectors import holiday_year_missing

register = template.Library()


@register.inclusion_tag("calendars/_banner.html", takes_context=True)
def holiday_calendar_banner(context) -> dict:
    """One query, for the office and the admins only: the year ``holiday_year_missing`` names
    on the page's ``today`` (the view's, else the local date)."""
    user = getattr(context.get("request"), "user", None)
    if user is None or getattr(user, "effective_role", None) not in OFFICE_ROLES:
        return {"missing_year": None}
    today = context.get("today") or timezone.localdate()
    return {"missing_year": holiday_year_missing(today=today)}
