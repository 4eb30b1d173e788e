from django.urls import path

from core.views_documents import document_download, document_status

from . import views_bulletins

# The status and the PDF are the document pipeline's views, at the bulletins' own addresses.
BULLETIN = {"kind": "bulletin"}

urlpatterns = [
    path("", views_bulletins.bulletin_index, name="bulletin-index"),
    path("<int:pk>/", views_bulletins.bulletin_view, name="bulletin-view"),
    path("<int:pk>/status/", document_status, BULLETIN, name="bulletin-status"),
    path("<int:pk>/pdf/", document_download, BULLETIN | {"file": "pdf"}, name="bulletin-download"),
]
