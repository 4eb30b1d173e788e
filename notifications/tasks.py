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


@shared_task(acks_late=True)
def sweep_deliveries() -> int:
    """Beat, every minute: send again the pending deliveries that are due (a retry after a
    failure, or a first send whose message was lost). Each is claimed by ``delivery_send``, so
    a row the first message is sending, or one queued twice, goes out once."""
    ids = services.due_delivery_ids()
    for delivery_id in ids:
        send_delivery.delay(delivery_id)
    return len(ids)
