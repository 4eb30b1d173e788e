from django.urls import path

from . import views_web

urlpatterns = [
    path("", views_web.report_index, name="report-index"),
    path("records/", views_web.figure_records, name="figure-records"),
    path("<int:pk>/", views_web.report_view, name="report-view"),
    path("<int:pk>/texts/", views_web.report_texts_autosave, name="report-texts-autosave"),
    path("<int:pk>/regenerate/", views_web.report_regenerate, name="report-page-regenerate"),
]
