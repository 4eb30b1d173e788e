"""``Region`` moved from ``rivers`` to ``accounts`` by state-only migrations (accounts needs it,
and rivers sits above accounts): a database migrated before the move keeps every region, every
reference to one, and the region's content type with its permissions, now ``accounts.region``.
"""

import io

import pgtrigger
import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Region, User
from rivers.models import Reach, River

# The migrations of the move, in every app that points at a region.
MOVE = [
    ("accounts", "0002_region_moved_from_rivers"),
    ("activities", "0003_region_in_accounts"),
    ("issues", "0007_region_in_accounts"),
    ("map_patches", "0002_region_in_accounts"),
    ("patrols", "0010_region_in_accounts"),
    ("reports", "0006_region_in_accounts"),
    ("rivers", "0004_region_moved_to_accounts"),
]
# Migrating accounts back to 0001 unapplies the whole move (every other step depends on it).
BEFORE_THE_MOVE = [("accounts", "0001_initial")]


@pytest.mark.django_db
@pytest.mark.parametrize(("app", "name"), MOVE)
def test_the_move_runs_no_sql(app, name):
    out = io.StringIO()
    call_command("sqlmigrate", app, name, stdout=out)
    statements = [
        line for line in out.getvalue().splitlines() if line.strip() and not line.startswith("--")
    ]
    assert statements == ["BEGIN;", "COMMIT;"]


def _region_types() -> list[tuple[str, str]]:
    return sorted(
        ContentType.objects.filter(model="region").values_list("app_label", "model").distinct()
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_from_before_the_move_keeps_its_regions_and_their_content_type():
    # The change history's triggers are installed by migrate, not by migrations (history/): a
    # database taken back before the history app has no event tables for them to write, so they
    # go first and come back after (as a deployer going back would: `manage.py pgtrigger
    # uninstall`).
    pgtrigger.uninstall()
    executor = MigrationExecutor(connection)
    state = executor.migrate(BEFORE_THE_MOVE)
    try:
        old = state.apps
        OldRegion = old.get_model("rivers", "Region")
        county = OldRegion.objects.create(name="迁移区", code="990000", level="county")
        street = OldRegion.objects.create(
            name="迁移街道", code="990000001", level="street", parent=county
        )
        river = old.get_model("rivers", "River").objects.create(
            name="迁移河", code="MIG-1", kind="river", length_km=1, region=street
        )
        reach = old.get_model("rivers", "Reach").objects.create(
            river=river, region=street, name="迁移段", length_km=1
        )
        account = old.get_model("accounts", "User").objects.create(
            username="before-the-move", role="office", region=street
        )
        OldContentType = old.get_model("contenttypes", "ContentType")
        OldPermission = old.get_model("auth", "Permission")
        region_type = OldContentType.objects.get(app_label="rivers", model="region")
        account.user_permissions.add(
            OldPermission.objects.get(content_type=region_type, codename="change_region")
        )
        # A content type for the new home made early (a post_migrate run between the steps):
        # its grants are kept, folded into the old row.
        stray = OldContentType.objects.create(app_label="accounts", model="region")
        group = old.get_model("auth", "Group").objects.create(name="区域核对")
        group.permissions.add(
            OldPermission.objects.create(content_type=stray, codename="view_region", name="v"),
            OldPermission.objects.create(content_type=stray, codename="check_region", name="c"),
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        pgtrigger.install()
        ContentType.objects.clear_cache()

    assert Region.objects.get(pk=street.pk).parent == Region.objects.get(pk=county.pk)
    assert Reach.objects.get(pk=reach.pk).region_id == street.pk
    assert River.objects.get(pk=river.pk).region_id == street.pk
    assert User.objects.get(pk=account.pk).region_id == street.pk
    assert _region_types() == [("accounts", "region")]
    assert ContentType.objects.get_for_model(Region).pk == region_type.pk
    granted = User.objects.get(pk=account.pk).user_permissions
    assert sorted(granted.values_list("content_type__app_label", "codename")) == [
        ("accounts", "change_region")
    ]
    assert sorted(
        Group.objects.get(name="区域核对").permissions.values_list(
            "content_type__app_label", "codename"
        )
    ) == [("accounts", "check_region"), ("accounts", "view_region")]
    assert sorted(
        Permission.objects.filter(content_type__model="region").values_list("codename", flat=True)
    ) == ["add_region", "change_region", "check_region", "delete_region", "view_region"]


@pytest.mark.django_db
def test_the_region_table_keeps_its_name():
    assert Region._meta.db_table == "rivers_region"
    assert Region._meta.label == "accounts.Region"
