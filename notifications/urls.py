"""The notification pages, under ``notifications/``."""

from django.urls import path

from . import views_web

urlpatterns = [
    path("", views_web.notification_page, name="notice-index"),
    path("read-all/", views_web.notification_read_all, name="notice-read-all"),
    path("<int:pk>/open/", views_web.notification_open, name="notice-open"),
    path("<int:pk>/read/", views_web.notification_read, name="notice-read"),
    path("deliveries/", views_web.delivery_page, name="notice-deliveries"),
    path("deliveries/<int:pk>/retry/", views_web.delivery_retry, name="notice-delivery-retry"),
]
