"""The bell in the top bar: ``{% unread_notifications as n %}``, one indexed count."""

from django import template

from notifications.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    # Asked once per request, however many times the page shows it.
    cached = getattr(request, "_unread_notifications", None)
    if cached is None:
        cached = request._unread_notifications = unread_count(user=user)
    return cached
