from django.urls import path

from . import views_weekly

urlpatterns = [
    path("", views_weekly.weekly_report_index, name="weekly-report-index"),
    path("<int:pk>/", views_weekly.weekly_report_view, name="weekly-report-view"),
]
