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
