"""The water-quality pages (``/water/``): the monitoring points with their latest grade, and a
point's grades and trend."""

from django.urls import path

from . import views_web

urlpatterns = [
    path("points/", views_web.monitoring_point_list_page, name="monitoring-points"),
    path("points/<int:pk>/", views_web.monitoring_point_page, name="monitoring-point"),
    path("grades.css", views_web.grade_colours_css, name="water-grade-colours"),
]
