"""The notification pages, under ``notifications/``."""

from django.urls import path

from . import views_web

urlpatterns = [
    path("", views_web.notification_page, name="notification-index"),
    path("read-all/", views_web.notification_read_all, name="notification-read-all"),
    path("<int:pk>/open/", views_web.notification_open, name="notification-open"),
    path("<int:pk>/read/", views_web.notification_read, name="notification-read"),
    path("deliveries/", views_web.delivery_page, name="notification-deliveries"),
    path(
        "deliveries/<int:pk>/retry/", views_web.delivery_retry, name="notification-delivery-retry"
    ),
]
