from django.urls import path

from . import views_assessment_web, views_web

urlpatterns = [
    path("", views_web.report_index, name="report-index"),
    path("assessment/", views_assessment_web.round_list, name="assessment-rounds"),
    path("assessment/<int:pk>/", views_assessment_web.round_page, name="assessment-round-page"),
    # The API's router names its actions assessment-round-<action>: the pages' names differ.
    path(
        "assessment/<int:pk>/publish/",
        views_assessment_web.round_publish,
        name="assessment-page-publish",
    ),
    path(
        "assessment/<int:pk>/recompute/",
        views_assessment_web.round_recompute,
        name="assessment-page-recompute",
    ),
    path(
        "assessment/<int:pk>/delete/",
        views_assessment_web.round_delete,
        name="assessment-page-delete",
    ),
    path(
        "assessment/adjustments/<int:pk>/delete/",
        views_assessment_web.adjustment_delete,
        name="assessment-page-adjustment-delete",
    ),
    path(
        "assessment/<int:pk>/documents/",
        views_assessment_web.round_documents,
        name="assessment-page-documents",
    ),
    path("records/", views_web.figure_records, name="figure-records"),
    path("<int:pk>/", views_web.report_view, name="report-view"),
    path("<int:pk>/texts/", views_web.report_texts_autosave, name="report-texts-autosave"),
    path("<int:pk>/regenerate/", views_web.report_regenerate, name="report-page-regenerate"),
]
