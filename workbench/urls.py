from django.urls import path

from . import views, views_findings, views_river_plans

app_name = "workbench"

urlpatterns = [
    path(
        "patrols/<int:pk>/findings/<int:finding_pk>/issue/",
        views_findings.finding_issue,
        name="finding-issue",
    ),
    path("river-plans/tasks/", views_river_plans.open_tasks, name="river-plan-tasks"),
    path(
        "river-plans/<int:pk>/tasks/new/",
        views_river_plans.plan_task_add,
        name="river-plan-task-add",
    ),
    path(
        "river-plans/<int:pk>/tasks/<int:task_pk>/edit/",
        views_river_plans.plan_task_edit,
        name="river-plan-task-edit",
    ),
    path(
        "river-plans/<int:pk>/tasks/<int:task_pk>/note/",
        views_river_plans.plan_task_note,
        name="river-plan-task-note",
    ),
    path(
        "river-plans/<int:pk>/tasks/<int:task_pk>/status/",
        views_river_plans.plan_task_status,
        name="river-plan-task-status",
    ),
    path("<slug:resource>/", views.record_list, name="list"),
    path("<slug:resource>/new/", views.record_create, name="create"),
    path("<slug:resource>/<int:pk>/", views.record_detail, name="detail"),
    path("<slug:resource>/<int:pk>/edit/", views.record_edit, name="edit"),
    path("<slug:resource>/<int:pk>/delete/", views.record_delete, name="delete"),
    path("<slug:resource>/<int:pk>/<slug:action>/", views.record_action, name="action"),
]
