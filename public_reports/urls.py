from django.urls import path

from . import views_web

# The fixed words come first: a sign coded "track" or "signs" would otherwise hide them.
urlpatterns = [
    path("track/", views_web.track_form, name="public-track"),
    path("track/<str:code>/", views_web.track_status, name="public-track-status"),
    path("signs/print/", views_web.signs_print, name="public-signs-print"),
    path("<str:sign_code>/", views_web.report_page, name="public-report"),
    path("<str:sign_code>/qr.svg", views_web.sign_qr_svg, name="public-report-qr-svg"),
    path("<str:sign_code>/qr.png", views_web.sign_qr_png, name="public-report-qr-png"),
]
