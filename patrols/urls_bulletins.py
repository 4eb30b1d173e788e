from django.urls import path

from . import views_bulletins

urlpatterns = [
    path("", views_bulletins.bulletin_index, name="bulletin-index"),
    path("<int:pk>/", views_bulletins.bulletin_view, name="bulletin-view"),
    path("<int:pk>/status/", views_bulletins.bulletin_status, name="bulletin-status"),
    path("<int:pk>/pdf/", views_bulletins.bulletin_download, name="bulletin-download"),
]
