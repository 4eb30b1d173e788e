from django.urls import path

from . import views_web

urlpatterns = [
    path("", views_web.holiday_index, name="holiday-index"),
    path("<int:year>/", views_web.holiday_year_page, name="holiday-year"),
]
