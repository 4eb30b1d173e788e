from django.urls import path

from . import views_web

urlpatterns = [
    path("phone/", views_web.phone_page, name="patrol-phone"),
    path("sw.js", views_web.service_worker, name="patrol-sw"),
]
