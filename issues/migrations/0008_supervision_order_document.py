"""A supervision order becomes a document of the pipeline (core.documents): its row is its own
job (core.models.Job) and ``pdf`` keeps the page as printed.

Orders issued before this have no stored page: they start pending with the time of this
migration as their queueing, so the sweeper sends them to a worker once its timeout has passed
(and a download prints one at once if asked first). Their creation time is their issue time.
"""

import django.core.validators
import django.utils.timezone
from django.db import migrations, models


def queue_existing(apps, schema_editor):
    SupervisionOrder = apps.get_model("issues", "SupervisionOrder")
    SupervisionOrder.objects.update(
        created_at=models.F("issued_at"), queued_at=django.utils.timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0007_region_in_accounts"),
    ]

    operations = [
        migrations.AddField(
            model_name="supervisionorder",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "排队中"),
                    ("running", "生成中"),
                    ("done", "已完成"),
                    ("failed", "生成失败"),
                ],
                default="pending",
                max_length=16,
                verbose_name="状态",
            ),
        ),
        migrations.AddField(
            model_name="supervisionorder",
            name="progress",
            field=models.PositiveSmallIntegerField(
                default=0,
                validators=[django.core.validators.MaxValueValidator(100)],
                verbose_name="进度",
            ),
        ),
        migrations.AddField(
            model_name="supervisionorder",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="生成次数"),
        ),
        migrations.AddField(
            model_name="supervisionorder",
            name="error",
            field=models.TextField(blank=True, verbose_name="错误信息"),
        ),
        migrations.AddField(
            model_name="supervisionorder",
            name="created_at",
            field=models.DateTimeField(
                auto_now_add=True, default=django.utils.timezone.now, verbose_name="创建时间"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="supervisionorder",
            name="queued_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="排队时间"),
        ),
        migrations.AddField(
            model_name="supervisionorder",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="开始时间"),
        ),
        migrations.AddField(
            model_name="supervisionorder",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="完成时间"),
        ),
        migrations.AddField(
            model_name="supervisionorder",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="心跳时间"),
        ),
        migrations.AddField(
            model_name="supervisionorder",
            name="pdf",
            field=models.FileField(
                blank=True, upload_to="supervision_orders/", verbose_name="PDF 文件"
            ),
        ),
        migrations.RunPython(queue_existing, migrations.RunPython.noop),
    ]
