from django.urls import path

from . import views

app_name = "workbench"

urlpatterns = [
    path("<slug:resource>/", views.record_list, name="list"),
    path("<slug:resource>/new/", views.record_create, name="create"),
    path("<slug:resource>/<int:pk>/", views.record_detail, name="detail"),
    path("<slug:resource>/<int:pk>/edit/", views.record_edit, name="edit"),
    path("<slug:resource>/<int:pk>/delete/", views.record_delete, name="delete"),
    path("<slug:resource>/<int:pk>/<slug:action>/", views.record_action, name="action"),
]
