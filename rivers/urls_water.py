"""The water-quality pages: a monitoring point's grades and trend (``/water/``)."""

from django.urls import path

from . import views_web

urlpatterns = [
    path("points/<int:pk>/", views_web.monitoring_point_page, name="monitoring-point"),
]
