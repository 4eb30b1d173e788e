"""The river file's pages (一河一档), under ``rivers/``: the workbench keeps the river's record
at ``/workbench/rivers/<pk>/``."""

from django.urls import path

from . import views_river_file

urlpatterns = [
    path("<int:pk>/file/", views_river_file.river_file_page, name="river-file-page"),
    path("<int:pk>/file/pdf/", views_river_file.river_file_pdf_request, name="river-file-page-pdf"),
]
