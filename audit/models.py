"""The audit log: one row per thing someone did (or was refused), never changed afterwards."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction:
    """The actions the portal records besides the issue workflow's own names (assign, accept...)."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    DENIED = "denied"
    NOT_FOUND = "not_found"  # a logged-in account asked for what it cannot see (404)
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    RELIEVE = "relieve"
    REPLACE = "replace"
    PHOTO_ADD = "photo_add"
    BULK_IMPORT = "bulk_import"
    TOKEN_CREATED = "token_created"  # noqa: S105 (an action's name)  # nosec B105
    TOKEN_REVOKED = "token_revoked"  # noqa: S105  # nosec B105
    PASSWORD_CHANGED = "password_changed"  # noqa: S105  # nosec B105
    PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105  # nosec B105


class AuditEntry(models.Model):
    """Who did what to which record, when and from where; ``changes`` is {field: [old, new]}.

    Append-only: the API and the admin only read it, and on PostgreSQL triggers refuse any
    UPDATE or DELETE of a row (except clearing ``user`` when an account is deleted: ``username``
    keeps the name) and any TRUNCATE of the table.
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=300, blank=True)
    action = models.CharField(_("操作"), max_length=40, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    detail = models.JSONField(_("说明"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    path = models.CharField(_("请求路径"), max_length=500, blank=True)
    method = models.CharField(_("请求方法"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["user", "at"], name="audit_user_at"),
            # The list's default order: a page of the newest entries is read off this index.
            models.Index(fields=["-at", "-id"], name="audit_at_desc"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action}"
