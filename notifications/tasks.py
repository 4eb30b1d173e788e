"""Celery tasks of notifications: deliveries over the channels that are not immediate (email).

A task takes a delivery's id; the row says whether it is still to be sent, so a duplicate
message sends nothing.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services


# A database that is briefly away is retried (about 10, 20, 40, 80, 160 s); a channel's own
# failure is recorded on the row by the service, not retried.
@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=5,
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
    acks_late=True,
)
def send_delivery(delivery_id: int) -> str:
    delivery = services.delivery_send(delivery_id=delivery_id)
    return "skipped" if delivery is None else delivery.status
