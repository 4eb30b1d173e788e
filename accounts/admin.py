from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .forms import AdminLoginForm
from .models import Region, User


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
