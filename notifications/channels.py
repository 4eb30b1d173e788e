"""The channels a notification goes out on, named in ``settings.NOTIFICATION_CHANNELS``.

A channel is a class with a ``name`` (stored on each ``Delivery``), ``accepts(user)`` (whether
it can reach that account at all) and ``send(notification)``. Immediate channels are done when
the notification is stored (the portal: the row is the message); the others are sent by a
worker after the transaction commits. SMS or WeCom (企业微信) are added as another class here
and a line in the settings.
"""

from typing import ClassVar

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from accounts.models import User

from .models import Notification


class Channel:
    name: ClassVar[str]
    # True: nothing to send beyond storing the notification, so it is delivered at once.
    immediate: ClassVar[bool] = False

    def accepts(self, user: User) -> bool:
        return True

    def send(self, notification: Notification) -> None:
        raise NotImplementedError


class PortalChannel(Channel):
    """The portal's own message list (``/api/v1/notifications/``)."""

    name = "portal"
    immediate = True

    def send(self, notification: Notification) -> None:
        pass


class EmailChannel(Channel):
    """An email to the account's address, for accounts that have one."""

    name = "email"

    def accepts(self, user: User) -> bool:
        return bool(user.email)

    def send(self, notification: Notification) -> None:
        send_mail(
            subject=notification.title,
            message=notification.body,
            from_email=None,  # DEFAULT_FROM_EMAIL
            recipient_list=[notification.recipient.email],
            fail_silently=False,
        )


def configured_channels() -> list[Channel]:
    return [import_string(path)() for path in settings.NOTIFICATION_CHANNELS]


def channel_named(name: str) -> Channel | None:
    return next((channel for channel in configured_channels() if channel.name == name), None)
