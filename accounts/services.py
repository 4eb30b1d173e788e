"""Accounts: who may create whom, and a chief account always matches its roster entry."""

from django.contrib.auth import SESSION_KEY, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from audit.context import current_request
from audit.models import AuditAction
from audit.services import REDACTED, audit_record, created, diff, snapshot

from .models import Region, Role, User
from .roles import ASSIGNABLE_ROLES, PASSWORD_RESETTABLE_ROLES

# What the audit log keeps of an account (never the password hash; that it changed, yes).
ACCOUNT_AUDIT_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "role",
    "region",
    "chief",
    "is_active",
    "is_staff",
    "is_superuser",
)


def _check_assignable(*, user: User, role: str) -> None:
    if role not in ASSIGNABLE_ROLES[user.effective_role]:
        raise PermissionDenied(
            _("您不能创建或修改“%(role)s”角色的账号。") % {"role": Role(role).label}
        )


def _check_password_reset(*, user: User, account: User, new_role: str) -> None:
    """Setting someone else's password: only for the roles ``user`` may reset, before and after
    the edit (an office cannot turn a leader into a chief to reset the password)."""
    if account.pk == user.pk:
        return
    allowed = PASSWORD_RESETTABLE_ROLES[user.effective_role]
    if account.effective_role not in allowed or new_role not in allowed:
        raise PermissionDenied(_("只有管理员可以重置河长办、领导和管理员账号的密码。"))


def _set_password(*, account: User, password: str) -> None:
    try:
        validate_password(password, user=account)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    account.set_password(password)


def _check_chief_link(
    *, role: str, chief: models.Model | None, region: Region | None
) -> Region | None:
    if role == Role.CHIEF:
        if chief is None:
            raise ValidationError({"chief": [_("河长账号必须对应河长名录中的一条记录。")]})
        # A chief's account sees what the chief is responsible for: the roster entry's region
        # (``chief``: a ``rivers.Chief``, passed in by the caller; accounts do not import rivers).
        return chief.region
    if chief is not None:
        raise ValidationError({"chief": [_("只有河长角色的账号可以对应河长名录。")]})
    if region is None:
        raise ValidationError({"region": [_("请选择账号所属区域。")]})
    return region


@transaction.atomic
def account_create(
    *,
    user: User,
    username: str,
    password: str,
    role: str = Role.OFFICE,
    region: Region | None = None,
    chief: models.Model | None = None,
    **extra,
) -> User:
    _check_assignable(user=user, role=role)
    region = _check_chief_link(role=role, chief=chief, region=region)
    account = User(username=username, role=role, region=region, chief=chief, **extra)
    _set_password(account=account, password=password)
    account.full_clean(exclude=["password"])
    account.save()
    changes = created(account, fields=ACCOUNT_AUDIT_FIELDS)
    audit_record(user=user, action=AuditAction.CREATE, obj=account, changes=changes)
    return account


@transaction.atomic
def account_update(*, instance: User, user: User, **data) -> User:
    _check_assignable(user=user, role=instance.role)
    role = data.get("role", instance.role)
    _check_assignable(user=user, role=role)
    chief = data.get("chief", instance.chief if role == Role.CHIEF else None)
    region = _check_chief_link(role=role, chief=chief, region=data.get("region", instance.region))
    password = data.pop("password", None)
    if password:
        _check_password_reset(user=user, account=instance, new_role=role)
    before = snapshot(instance, fields=ACCOUNT_AUDIT_FIELDS)
    for name, value in data.items():
        setattr(instance, name, value)
    instance.chief, instance.region = chief, region
    if password:
        _set_password(account=instance, password=password)
    instance.full_clean(exclude=["password"])
    instance.save()
    changes = diff(before, snapshot(instance, fields=ACCOUNT_AUDIT_FIELDS))
    if password:
        changes["password"] = [REDACTED, REDACTED]  # that it changed, and nothing more
    audit_record(user=user, action=AuditAction.UPDATE, obj=instance, changes=changes)
    return instance


@transaction.atomic
def account_deactivate(*, instance: User, user: User) -> None:
    """Accounts are switched off, never deleted: the records they made keep their author."""
    _check_assignable(user=user, role=instance.role)
    if instance.pk == user.pk:
        raise ValidationError({"detail": [_("不能停用自己的账号。")]})
    was_active = instance.is_active
    instance.is_active = False
    instance.save(update_fields=["is_active"])
    changes = {"is_active": [was_active, False]}
    audit_record(user=user, action=AuditAction.UPDATE, obj=instance, changes=changes)


@transaction.atomic
def password_changed_revoke(*, account: User) -> None:
    """A new password ends what the old one opened: every API token of the account now, and
    every other session at its next request (Django checks the session's password hash). The
    session of the request that made the change, if it is the account's own, stays logged in."""
    revoked, _deleted = Token.objects.filter(user=account).delete()
    if revoked:
        audit_record(
            action=AuditAction.TOKEN_REVOKED, obj=account, detail={"reason": "password_changed"}
        )
    request = current_request()
    acting = getattr(request, "user", None)
    session = getattr(request, "session", None)
    own = acting is not None and acting.pk == account.pk
    if own and session is not None and SESSION_KEY in session:
        update_session_auth_hash(request, account)


@transaction.atomic
def password_change_own(*, account: User, password: str, how: str) -> User:
    """The account sets its own password (``how``: "change", knowing the old one, or "reset",
    from an emailed link). Validated like every password; the post_save receiver then revokes
    the account's tokens and other sessions. Audited as that it changed, never what to."""
    _set_password(account=account, password=password)
    account.save(update_fields=["password"])
    audit_record(
        user=account,
        action=AuditAction.PASSWORD_CHANGED,
        obj=account,
        changes={"password": [REDACTED, REDACTED]},
        detail={"how": how},
    )
    return account


def password_reset_requested(*, email: str) -> None:
    """One request for a reset link, audited with its address (whether or not an account has
    that email: the page answers the same either way, so as not to tell who is registered)."""
    audit_record(action=AuditAction.PASSWORD_RESET_REQUESTED, detail={"email": email[:254]})


@transaction.atomic
def token_revoke(*, user: User) -> None:
    """End the account's API token (a lost phone, a leaked script): it stops working at once."""
    revoked, _deleted = Token.objects.filter(user=user).delete()
    if revoked:
        audit_record(user=user, action=AuditAction.TOKEN_REVOKED, obj=user)
