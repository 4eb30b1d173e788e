# Region moved from rivers to accounts (accounts needs it, and rivers sits above accounts).
# State only: the table stays ``rivers_region`` and every foreign key keeps pointing at it, so
# no row and no constraint moves; ``sqlmigrate`` shows nothing to run.

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


def _move_content_type(apps, schema_editor, *, source_app, target_app):
    """Give the region's content type to its new app, so that the permissions granted on
    regions (``change_region``...) and the admin's history of region edits stay with it.

    A fresh database has no content type yet (``post_migrate`` makes ``accounts.region`` after
    the last migration): nothing to do. A database where ``post_migrate`` already made one for
    the target app (migrated in steps with this code) has two: the target's is folded into the
    source's, which holds the grants and the history, and the source's is renamed.
    """
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    db = schema_editor.connection.alias
    types = ContentType.objects.using(db)
    source = types.filter(app_label=source_app, model="region").first()
    if source is None:
        return
    stray = types.filter(app_label=target_app, model="region").first()
    if stray is not None:
        LogEntry.objects.using(db).filter(content_type=stray).update(content_type=source)
        permissions = Permission.objects.using(db)
        for permission in permissions.filter(content_type=stray):
            kept = permissions.filter(content_type=source, codename=permission.codename).first()
            if kept is None:
                permission.content_type = source
                permission.save(update_fields=["content_type"])
                continue
            kept.group_set.add(*permission.group_set.all())
            kept.user_set.add(*permission.user_set.all())
            permission.delete()
        stray.delete()
    source.app_label = target_app
    source.save(update_fields=["app_label"])


def content_type_to_accounts(apps, schema_editor):
    _move_content_type(apps, schema_editor, source_app="rivers", target_app="accounts")


def content_type_to_rivers(apps, schema_editor):
    _move_content_type(apps, schema_editor, source_app="accounts", target_app="rivers")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('admin', '0003_logentry_add_action_flag_choices'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('rivers', '0003_sign_code_rules'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Region',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, verbose_name='名称')),
                        ('code', models.CharField(max_length=20, unique=True, validators=[django.core.validators.RegexValidator('^[0-9A-Za-z-]+$', '区划代码只能包含数字、字母和连字符。')], verbose_name='区划代码')),
                        ('level', models.CharField(choices=[('county', '区县'), ('street', '街道（镇）'), ('community', '社区（村）')], max_length=16, verbose_name='级别')),
                        ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='accounts.region', verbose_name='上级区域')),
                    ],
                    options={
                        'verbose_name': '区域',
                        'verbose_name_plural': '区域',
                        'db_table': 'rivers_region',
                        'ordering': ['code'],
                    },
                ),
                migrations.AlterField(
                    model_name='user',
                    name='region',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='accounts', to='accounts.region', verbose_name='所属区域'),
                ),
                migrations.AddConstraint(
                    model_name='region',
                    constraint=models.UniqueConstraint(fields=('parent', 'name'), name='region_unique_name_in_parent'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_accounts, content_type_to_rivers),
    ]
