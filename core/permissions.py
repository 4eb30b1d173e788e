"""Who may do what: every API view names the roles that may write; reading needs a login.

Region scoping is not done here: querysets are scoped by ``visible_to`` in the selectors, so a
record outside the account's region is simply not found (404).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import Role

OFFICE_ROLES = frozenset({Role.ADMIN, Role.OFFICE})


class RolePermission(BasePermission):
    message = _("您的角色无权执行此操作。")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        roles = getattr(view, "read_roles", None) if request.method in SAFE_METHODS else None
        if request.method not in SAFE_METHODS:
            roles = getattr(view, "write_roles", OFFICE_ROLES)
        return roles is None or user.effective_role in roles

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        # Some records are visible beyond the region that manages them (a river seen through
        # one of its reaches); only the managing region may change them.
        editable = getattr(view, "get_editable_queryset", None)
        return editable is None or editable().filter(pk=obj.pk).exists()
