"""Sign codes: ASCII letters, digits and "-", no word reserved under /r/ (rivers.validators).

Codes entered before the rule are rewritten: the characters outside the rule become "-"; a code
left empty, reserved or taken gets a free one. Each rewrite is appended to the audit log as an
update of the sign (its history then shows old and new code) and printed, so an office can find
the boards whose printed QR code must be replaced.
"""

import re

from django.db import migrations, models

import rivers.validators

# Frozen copies of the rule at the time of this migration (the app's may change later).
VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
RESERVED = {"track", "signs"}
MAX_LENGTH = 40


def is_valid(code: str) -> bool:
    return bool(VALID.fullmatch(code)) and code.lower() not in RESERVED


def repaired_code(code: str, *, pk: int, taken: set[str]) -> str:
    """A valid code close to ``code`` that is not in ``taken``."""
    base = re.sub(r"[^A-Za-z0-9]+", "-", code).strip("-")[:MAX_LENGTH]
    if not base or base.lower() in RESERVED:
        base = f"GSP-{pk}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        suffix = f"-{n}"
        candidate = base[: MAX_LENGTH - len(suffix)] + suffix
    return candidate


def rewrite_bad_codes(apps, schema_editor):
    Sign = apps.get_model("rivers", "Sign")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    taken = set(Sign.objects.values_list("code", flat=True))
    for sign in Sign.objects.order_by("pk"):
        if is_valid(sign.code):
            continue
        old = sign.code
        taken.discard(old)
        sign.code = repaired_code(old, pk=sign.pk, taken=taken)
        taken.add(sign.code)
        sign.save(update_fields=["code"])
        AuditEntry.objects.create(
            action="update",
            object_type="rivers.sign",
            object_id=str(sign.pk),
            object_repr=sign.code,
            changes={"code": [old, sign.code]},
            detail={"reason": "公示牌编号含不允许的字符或为保留字，已自动改写；请重印该牌二维码。"},
        )
        print(f"\n  sign {sign.pk}: code {old!r} -> {sign.code!r}", end="")


class Migration(migrations.Migration):
    dependencies = [
        ("rivers", "0002_reach_geometry"),
        ("audit", "0002_append_only_trigger"),
    ]

    operations = [
        migrations.RunPython(rewrite_bad_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="sign",
            name="code",
            field=models.CharField(
                help_text="印在二维码地址中：只用英文字母、数字和连字符，如 GSP-001。",
                max_length=40,
                unique=True,
                validators=[rivers.validators.validate_sign_code],
                verbose_name="公示牌编号",
            ),
        ),
    ]
