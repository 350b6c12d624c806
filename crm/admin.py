from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from crm.models import ApiKey, Company, Note, Opportunity, Person, Task, User, Workspace, WorkspaceMember


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "is_staff", "date_joined"]
    search_fields = ["email"]
    exclude = ["password"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]


@admin.register(WorkspaceMember)
class WorkspaceMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role"]
    list_filter = ["role"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records and keys change only through their services (events, hashing), so
    the admin shows them without editing."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ["name", "workspace", "token_prefix", "read_only", "expires_at", "revoked_at", "last_used_at"]
    exclude = ["token_hash"]


for model in (Company, Person, Opportunity, Note, Task):
    admin.site.register(model, ReadOnlyAdmin)
