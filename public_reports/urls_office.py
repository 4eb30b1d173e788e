from django.urls import path

from . import views_office

# The office's pages (login, office roles); the public's pages are under /r/ (urls.py).
urlpatterns = [
    path("", views_office.report_index, name="public-report-index"),
    path("<int:pk>/", views_office.report_page, name="public-report-page"),
    path("<int:pk>/triage/", views_office.report_triage, name="public-report-triage"),
]
