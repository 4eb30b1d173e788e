"""Celery tasks of notifications: deliveries over the channels that are not immediate (email).

A task takes a delivery's id; the row says whether it is still to be sent, so a duplicate
message sends nothing.
"""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def send_delivery(delivery_id: int) -> str:
    delivery = services.delivery_send(delivery_id=delivery_id)
    return "skipped" if delivery is None else delivery.status
