from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .forms import AdminLoginForm
from .models import ApiToken, Region, User


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "role", "region", "chief", "is_active"]
    list_filter = ["role", "is_active", "is_superuser"]
    list_select_related = ["region", "chief"]
    autocomplete_fields = ["region", "chief"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("河长制"), {"fields": ("role", "region", "chief")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("河长制"), {"fields": ("role", "region", "chief")}),
    )


# The admin's login takes the same one-try-at-a-time path as the portal's (accounts.lockout).
admin.site.login_form = AdminLoginForm


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Device tokens, to look up and revoke: the key itself is never stored, so never shown."""

    list_display = ["name", "user", "key_start", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username", "key_start"]
    readonly_fields = ["user", "name", "key_start", "created_at", "last_used_at"]
    exclude = ["key_hash"]

    def has_add_permission(self, request) -> bool:
        return False  # made on the tokens page or the API, where the key is shown once
