from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账号")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .middleware import stamp_login

        user_logged_in.connect(stamp_login, dispatch_uid="accounts.stamp_login")

        from django.db.models.signals import post_save

        from .models import User
        from .receivers import revoke_on_password_change

        # A receiver, not a service call: passwords are also set by the Django admin, its
        # password page and `manage.py changepassword`, which call no service of ours.
        post_save.connect(
            revoke_on_password_change, sender=User, dispatch_uid="accounts.password_revoke"
        )

        from django.core.signals import request_finished, request_started
        from django.db.models.signals import post_delete

        from .models import Region
        from .querysets import forget_subtrees, remember_subtrees, subtrees_changed

        # A request reads each region's subtree once; a region saved or deleted empties that.
        request_started.connect(remember_subtrees, dispatch_uid="accounts.subtrees_start")
        request_finished.connect(forget_subtrees, dispatch_uid="accounts.subtrees_end")
        post_save.connect(subtrees_changed, sender=Region, dispatch_uid="accounts.subtrees_save")
        post_delete.connect(subtrees_changed, sender=Region, dispatch_uid="accounts.subtrees_del")
