from django.urls import path

from . import views_web

urlpatterns = [
    path("", views_web.issue_list, name="issue-index"),
    path("new/", views_web.issue_create, name="issue-new"),
    path("<int:pk>/", views_web.issue_page, name="issue-page"),
    path("<int:pk>/edit/", views_web.issue_edit, name="issue-edit"),
    path("<int:pk>/act/", views_web.issue_action, name="issue-act"),
    path("<int:pk>/photos/", views_web.issue_photo_upload, name="issue-photo-upload"),
    path("<int:pk>/photos/<int:photo_pk>/", views_web.issue_photo, name="issue-photo"),
]
