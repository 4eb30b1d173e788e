from django.urls import path

from . import views_web
from .ledger_assets import ASSET_LEDGERS

urlpatterns: list = [
    path("roster/import/", views_web.roster_import_page, name="ledger-import"),
    path("roster/template.xlsx", views_web.roster_template_download, name="ledger-template"),
    path(
        "water-readings/import/",
        views_web.water_import_page,
        name="ledger-import-water-readings",
    ),
    path(
        "water-readings/template.xlsx",
        views_web.water_template_download,
        name="ledger-template-water-readings",
    ),
]
# The sign, outfall and facility ledgers: one page each, named by the ledger's word.
for kind in ASSET_LEDGERS:
    urlpatterns += [
        path(
            f"{kind}/import/",
            views_web.asset_import_page,
            {"kind": kind},
            name=f"ledger-import-{kind}",
        ),
        path(
            f"{kind}/template.xlsx",
            views_web.asset_template_download,
            {"kind": kind},
            name=f"ledger-template-{kind}",
        ),
    ]
