"""Receivers of the accounts app (connected in AccountsConfig.ready)."""

from .models import User
from .services import password_changed_revoke


def revoke_on_password_change(sender, instance: User, created: bool, **kwargs) -> None:
    """post_save of User: ``set_password`` leaves the new password in ``_password`` until the
    save is done (AbstractBaseUser.save), so this knows a password was set without a query."""
    if created or getattr(instance, "_password", None) is None:
        return
    password_changed_revoke(account=instance)
