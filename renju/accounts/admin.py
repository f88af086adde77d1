from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from renju.accounts.models import ApiToken, User


@admin.register(User)
class RenjuUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "role", "unit", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("人居", {"fields": ("role", "unit")}))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "revoked")
    readonly_fields = ("user", "key_hash", "prefix", "created_at", "last_used_at")
