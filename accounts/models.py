"""Accounts and the region tree they are bound to.

``Region`` lives here, at the bottom of the apps, because every account is bound to one and
every app above scopes its records by it (``accounts.querysets``). Its table is still
``rivers_region``: the model moved from ``rivers`` by state-only migrations, no row moved.
"""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .querysets import RegionQuerySet, ScopedQuerySet


class RegionLevel(models.TextChoices):
    COUNTY = "county", _("区县")
    STREET = "street", _("街道（镇）")
    COMMUNITY = "community", _("社区（村）")


# Which level may sit directly under which: the tree has at most three levels.
PARENT_LEVEL = {
    RegionLevel.COUNTY: None,
    RegionLevel.STREET: RegionLevel.COUNTY,
    RegionLevel.COMMUNITY: RegionLevel.STREET,
}


class Region(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(
        _("区划代码"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[0-9A-Za-z-]+$", _("区划代码只能包含数字、字母和连字符。"))],
    )
    level = models.CharField(_("级别"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区域"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had when the model lived in ``rivers``.
        db_table = "rivers_region"
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_in_parent")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        """The region under its parents, as a ledger names it: "示范区/东风街道/东风社区"."""
        names, region = [], self
        while region is not None:
            names.append(region.name)
            region = region.parent
        return "/".join(reversed(names))

    def clean(self) -> None:
        expected = PARENT_LEVEL.get(self.level)
        parent = self.parent
        if expected is None and parent is not None:
            raise ValidationError({"parent": _("区县是最高一级，不能有上级区域。")})
        if expected is not None and (parent is None or parent.level != expected):
            raise ValidationError(
                {"parent": _("该级别的上级区域必须是%(level)s。") % {"level": expected.label}}
            )


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    OFFICE = "office", _("河长办")
    LEADER = "leader", _("领导")
    CHIEF = "chief", _("河长")


class UserManager(DjangoUserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    """A portal account, bound to a region: it sees that region and everything below it."""

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.OFFICE)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区域"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
    )
    chief = models.OneToOneField(
        "rivers.Chief",
        verbose_name=_("对应河长"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account",
        help_text=_("河长账号对应的河长名录条目。"),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")
        ordering = ["username"]

    @property
    def effective_role(self) -> str:
        # A Django superuser acts as an admin over every region.
        return Role.ADMIN if self.is_superuser else self.role

    @property
    def sees_all_regions(self) -> bool:
        return self.is_superuser


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True)

    def visible_to(self, user: User) -> "ApiTokenQuerySet":
        """An account's own tokens; the tokens of every account in the region for those who
        manage them (accounts.roles.TOKEN_MANAGERS)."""
        from .roles import TOKEN_MANAGERS

        if user.effective_role in TOKEN_MANAGERS:
            return self.filter(user__in=User.objects.visible_to(user))
        return self.filter(user=user)


class ApiToken(models.Model):
    """One device's key to the API ("张三的手机", "数据上报脚本"): listed and revoked one by one.

    The key is shown once, when it is made; only its SHA-256 is stored (a key is 32 random
    bytes, so a plain hash is enough: nothing to guess), with its first characters to tell the
    keys apart in a list. Revoking sets ``revoked_at`` and the key answers 401 at once; the row
    stays, for the record of who used which key when.
    """

    KEY_PREFIX = "rct_"

    user = models.ForeignKey(
        User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("设备名称"), max_length=100)
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True, editable=False)
    key_start = models.CharField(_("密钥开头"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_start}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
