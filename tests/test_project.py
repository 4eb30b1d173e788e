"""The project as a whole: schema, docs without a CDN, production checks, pages, exports."""

import os
import re
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from accounts.models import Role

from .conftest import make_account

ROOT = Path(__file__).resolve().parent.parent


def test_openapi_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in [
        "/api/v1/regions/",
        "/api/v1/accounts/",
        "/api/v1/rivers/",
        "/api/v1/reaches/",
        "/api/v1/chiefs/",
        "/api/v1/signs/",
        "/api/v1/outfalls/",
        "/api/v1/facilities/",
        "/api/v1/auth/token/",
    ]:
        assert path in text, path


def test_api_docs_load_nothing_from_outside(client, office_a):
    client.force_login(office_a)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    external = [u for u in re.findall(r'(?:src|href)="([^"]+)"', html) if "//" in u]
    assert external == []
    assert "swagger-ui" in html
    assert client.get("/api/schema/").status_code == 200


def test_production_settings_pass_check_deploy():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 30 + "-production-check-key-0123456789-abcdefghij",
        "ALLOWED_HOSTS": "portal.example.cn",
        # The settings alone: the holiday calendar's warning depends on the date and the
        # database's data (tests/test_holiday_years.py).
        "SILENCED_SYSTEM_CHECKS": "calendars.W001",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_migrations_run_on_the_embedded_sqlite_of_make_run(tmp_path):
    """`make run` on a bare machine uses SQLite: every migration (constraints, indexes, the
    audit trigger's guard) must apply there too, not only on PostgreSQL."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_login_page_in_chinese(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_home_requires_login_and_shows_the_region(client, office_a, street_a):
    assert client.get("/").status_code == 302
    client.force_login(office_a)
    html = client.get("/").content.decode()
    assert street_a.street.name in html
    # The home page is the office's to-do list now, no longer the roster's counts by role.
    assert "待交办问题" in html


def test_healthz(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_reaches_export_as_xlsx_with_chinese_headers(api, office_a, street_a, street_b):
    response = api.as_user(office_a).get("/api/v1/reaches/?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    # Row 1 is the ledger's title; the header (row 2) names records instead of their ids (the
    # river by name, the region in full) and has no ID column (issue #14).
    title, header, *data = list(sheet.iter_rows(values_only=True))
    assert title[0].startswith("测试区/街道1 河段")
    assert header[:4] == ("河流名称", "所在区域", "河段名称", "岸别")
    names = {row[header.index("河段名称")] for row in data}
    assert names == {r.name for r in street_a.reaches}  # street B is not exported
    banks = {row[header.index("岸别")] for row in data}
    assert banks == {"两岸"}


def test_export_respects_filters(api, office_a, street_a):
    community = street_a.communities[0]
    response = api.as_user(office_a).get(f"/api/v1/chiefs/?format=xlsx&region={community.pk}")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3  # the title, the header, the community's one chief
    assert rows[2][rows[1].index("姓名")] == street_a.chiefs[0].name


def test_export_of_a_bad_filter_is_a_readable_error(api, office_a, street_b):
    response = api.as_user(office_a).get(
        f"/api/v1/reaches/?format=xlsx&region={street_b.street.pk}"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("role", [Role.CHIEF, Role.LEADER])
def test_admin_site_is_closed_to_non_staff(client, street_a, role):
    chief = street_a.chiefs[0] if role == Role.CHIEF else None
    client.force_login(make_account(role, street_a.street, chief=chief))
    assert client.get("/admin/").status_code == 302


def test_every_admin_list_opens_for_a_superuser(client, street_a):
    from django.contrib import admin
    from django.urls import reverse

    root = make_account(Role.ADMIN, None)
    root.is_superuser = root.is_staff = True
    root.save()
    client.force_login(root)
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
