"""The document pipeline's own addresses (core.views_documents), under ``documents/``."""

from django.urls import path

from .views_documents import document_download, document_status

urlpatterns = [
    path("<slug:kind>/<int:pk>/status/", document_status, name="document-status"),
    path("<slug:kind>/<int:pk>/<slug:file>/", document_download, name="document-file"),
]
