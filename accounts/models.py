from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from rivers.querysets import ScopedQuerySet


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    OFFICE = "office", _("河长办")
    LEADER = "leader", _("领导")
    CHIEF = "chief", _("河长")


class UserManager(DjangoUserManager.from_queryset(ScopedQuerySet)):
    pass


# Which roles an account may give to others: nobody creates an account above their own.
ASSIGNABLE_ROLES = {
    Role.ADMIN: frozenset(Role),
    Role.OFFICE: frozenset({Role.OFFICE, Role.LEADER, Role.CHIEF}),
    Role.LEADER: frozenset(),
    Role.CHIEF: frozenset(),
}

# Whose password an account may set for someone else (a reset): an office resets its chiefs'
# passwords (in its region: the selectors' scope); office, leader and admin passwords only an
# admin resets, so an office clerk cannot take over a colleague's or a leader's account.
# Everyone may change their own.
PASSWORD_RESETTABLE_ROLES = {
    Role.ADMIN: frozenset(Role),
    Role.OFFICE: frozenset({Role.CHIEF}),
    Role.LEADER: frozenset(),
    Role.CHIEF: frozenset(),
}


class User(AbstractUser):
    """A portal account, bound to a region: it sees that region and everything below it."""

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.OFFICE)
    region = models.ForeignKey(
        "rivers.Region",
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
