from django.urls import path

from . import views_web

urlpatterns: list = [
    path("roster/import/", views_web.roster_import_page, name="ledger-import"),
    path("roster/template.xlsx", views_web.roster_template_download, name="ledger-template"),
]
