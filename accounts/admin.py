from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "department", "is_active")
    list_filter = ("is_active", "is_staff", "groups", "department")
    search_fields = ("username", "email", "first_name", "last_name", "job_title")
    autocomplete_fields = ("department",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Organisation", {"fields": ("department", "job_title")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (
            "Organisation",
            {"fields": ("email", "first_name", "last_name", "department", "job_title")},
        ),
    )
