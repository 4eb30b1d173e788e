"""Pages of the portal shell: the home page of a logged-in user, and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from rivers.selectors import region_overview


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"overview": region_overview(user=request.user)})


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
