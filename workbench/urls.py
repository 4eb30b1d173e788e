from django.urls import path

from . import views, views_findings

app_name = "workbench"

urlpatterns = [
    path(
        "patrols/<int:pk>/findings/<int:finding_pk>/issue/",
        views_findings.finding_issue,
        name="finding-issue",
    ),
    path("<slug:resource>/", views.record_list, name="list"),
    path("<slug:resource>/new/", views.record_create, name="create"),
    path("<slug:resource>/<int:pk>/", views.record_detail, name="detail"),
    path("<slug:resource>/<int:pk>/edit/", views.record_edit, name="edit"),
    path("<slug:resource>/<int:pk>/delete/", views.record_delete, name="delete"),
    path("<slug:resource>/<int:pk>/<slug:action>/", views.record_action, name="action"),
]
