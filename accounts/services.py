"""Accounts: who may create whom, and a chief account always matches its roster entry; an
account's API tokens and second factor."""

import hashlib
import secrets

from django.contrib.auth import SESSION_KEY, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from audit.context import current_request
from audit.models import AuditAction
from audit.services import REDACTED, audit_record, created, diff, snapshot

from .models import ApiToken, Region, Role, User
from .roles import ASSIGNABLE_ROLES, PASSWORD_RESETTABLE_ROLES, SECOND_FACTOR_RESETTABLE_ROLES

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
    revoked += ApiToken.objects.filter(user=account).active().update(revoked_at=timezone.now())
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


def api_token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new key for one device of ``user``: the token row and the key itself, which is never
    stored and cannot be shown again (only its hash is kept)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": [_("请填写设备名称，例如“张三的手机”。")]})
    key = ApiToken.KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], key_hash=api_token_hash(key), key_start=key[:12]
    )
    audit_record(
        user=user,
        action=AuditAction.TOKEN_CREATED,
        obj=token,
        detail={"account": user.get_username(), "name": token.name},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, user: User) -> ApiToken:
    """End one device's key (``user``: the one revoking, the owner or their office): from the
    next request it answers 401. Revoking a revoked key changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            user=user,
            action=AuditAction.TOKEN_REVOKED,
            obj=token,
            detail={"account": token.user.get_username(), "name": token.name},
        )
    return token


def _totp_devices(account: User):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=account)


@transaction.atomic
def second_factor_pending_device(*, account: User):
    """The authenticator being enrolled: its secret stays the same while the page is reloaded,
    until a first code confirms it."""
    device = _totp_devices(account).filter(confirmed=False).first()
    if device is None:
        device = _totp_devices(account).model.objects.create(
            user=account, name=_("身份验证器"), confirmed=False
        )
    return device


@transaction.atomic
def second_factor_backup_codes(*, account: User) -> list[str]:
    """New one-time backup codes (each works once, for a lost phone), replacing any before; they
    are returned to be shown once and are not shown again."""
    from django.conf import settings
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device, _created = StaticDevice.objects.get_or_create(
        user=account, name="backup", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit_record(
        user=account, action=AuditAction.UPDATE, obj=account, detail={"second_factor": "backup"}
    )
    return codes


@transaction.atomic
def second_factor_confirm(*, account: User, device) -> list[str]:
    """The first code was right: the authenticator is the account's, any other one is dropped,
    and the backup codes are made. Returns the codes (shown once)."""
    _totp_devices(account).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(
        user=account, action=AuditAction.UPDATE, obj=account, detail={"second_factor": "enrolled"}
    )
    return second_factor_backup_codes(account=account)


@transaction.atomic
def second_factor_reset(*, account: User, user: User) -> None:
    """Remove ``account``'s authenticator and backup codes (a lost or replaced phone): at its
    next request it is sent to enrol again (a session verified with the removed device is no
    longer verified: django-otp finds no device). An office resets its chiefs', an admin
    everyone's (SECOND_FACTOR_RESETTABLE_ROLES, as for passwords)."""
    from django_otp.plugins.otp_static.models import StaticDevice

    if (
        account.pk != user.pk
        and account.effective_role not in (SECOND_FACTOR_RESETTABLE_ROLES[user.effective_role])
    ):
        raise PermissionDenied(
            _("您不能重置该账号的两步验证（管理员账号的两步验证只有管理员可以重置）。")
        )
    _totp_devices(account).delete()
    StaticDevice.objects.filter(user=account).delete()
    audit_record(
        user=user, action=AuditAction.UPDATE, obj=account, detail={"second_factor": "reset"}
    )
