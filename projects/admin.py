from django.contrib import admin

from projects.models import Department, Membership, Phase, PhaseReview, Project, ProjectType


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(ProjectType)
class ProjectTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "project_type", "department", "manager", "status", "outcome")
    list_filter = ("status", "outcome", "project_type", "department")
    search_fields = ("code", "name", "description")
    autocomplete_fields = ("project_type", "department", "manager")
    date_hierarchy = "start_date"
    inlines = [PhaseInline, MembershipInline]


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "order", "start_date", "end_date")
    list_filter = ("name",)
    search_fields = ("name", "project__code", "project__name")
    autocomplete_fields = ("project",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "project", "role")
    list_filter = ("role",)
    search_fields = ("user__username", "user__last_name", "project__code", "project__name")
    autocomplete_fields = ("user", "project")


@admin.register(PhaseReview)
class PhaseReviewAdmin(admin.ModelAdmin):
    list_display = ("project", "phase", "held_on", "facilitator", "status")
    list_filter = ("status", "phase__name")
    search_fields = ("project__code", "project__name", "notes")
    autocomplete_fields = ("project", "phase", "facilitator", "attendees")
    date_hierarchy = "held_on"
