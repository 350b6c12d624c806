"""The APIs settings page: the playground card and the workspace's API keys."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from crm.models import ApiKey
from crm.services.api_keys import (
    create_api_key,
    delete_api_key,
    regenerate_api_key,
    rename_api_key,
    revoke_api_key,
)
from settings_ui.decorators import workspace_admin_required
from settings_ui.forms.api_keys import ApiKeyCreateForm, ApiKeyRenameForm, lifetime_label
from settings_ui.services.api_examples import api_examples
from settings_ui.services.revealed_tokens import stash_token, take_token


def _key(request: HttpRequest, key_id: UUID) -> ApiKey:
    return get_object_or_404(ApiKey, workspace=request.workspace, id=key_id)


def _key_page(
    request: HttpRequest,
    key: ApiKey,
    *,
    token: str | None = None,
    rename_form: ApiKeyRenameForm | None = None,
) -> HttpResponse:
    context = {
        "key": key,
        "token": token,
        "lifetime": lifetime_label(key.lifetime_days),
        "examples": api_examples(f"{request.scheme}://{request.get_host()}", token),
        "rename_form": rename_form or ApiKeyRenameForm(initial={"name": key.name}),
    }
    return render(request, "settings/api_key.html", context)


# On the APIs page's address: the revoked and expired keys are shown, not tucked away.
SHOW_INACTIVE = "inactive"


def _keys_page_url(request: HttpRequest) -> str:
    """The APIs page at its keys, with the revoked and expired ones shown while any remain."""
    url = reverse("settings_ui:apis")
    inactive_left = any(key.status != "active" for key in ApiKey.objects.filter(workspace=request.workspace))
    return f"{url}?show={SHOW_INACTIVE}#api-keys" if inactive_left else f"{url}#api-keys"


@require_GET
@workspace_admin_required
def apis(request: HttpRequest) -> HttpResponse:
    keys = list(ApiKey.objects.filter(workspace=request.workspace).order_by("-created_at"))
    keys.sort(key=lambda key: key.status != "active")  # working keys first, newest first within each
    context = {
        "keys": keys,
        "active_count": sum(key.status == "active" for key in keys),
        "inactive_count": sum(key.status != "active" for key in keys),
        "show_inactive": request.GET.get("show") == SHOW_INACTIVE,
    }
    return render(request, "settings/apis.html", context)


@workspace_admin_required
def api_key_new(request: HttpRequest) -> HttpResponse:
    form = ApiKeyCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        key, token = create_api_key(
            request.workspace,
            form.cleaned_data["name"],
            lifetime_days=form.lifetime_days,
            read_only=form.read_only,
            created_by=request.user,
        )
        stash_token(request.session, key.id, token)
        messages.success(request, f"API key “{key.name}” created.")
        return redirect("settings_ui:api_key", key_id=key.id)
    return render(request, "settings/api_key_new.html", {"form": form})


@require_GET
@never_cache
@workspace_admin_required
def api_key(request: HttpRequest, key_id: UUID) -> HttpResponse:
    key = _key(request, key_id)
    return _key_page(request, key, token=take_token(request.session, key.id))


@require_POST
@workspace_admin_required
def api_key_rename(request: HttpRequest, key_id: UUID) -> HttpResponse:
    key = _key(request, key_id)
    form = ApiKeyRenameForm(request.POST)
    if not form.is_valid():
        return _key_page(request, key, rename_form=form)
    rename_api_key(key, form.cleaned_data["name"])
    messages.success(request, f"Renamed to “{key.name}”.")
    return redirect("settings_ui:api_key", key_id=key.id)


@require_POST
@workspace_admin_required
def api_key_regenerate(request: HttpRequest, key_id: UUID) -> HttpResponse:
    key = _key(request, key_id)
    if key.is_revoked:
        messages.error(request, "This key was revoked; create a new one instead.")
        return redirect("settings_ui:api_key", key_id=key.id)
    new_key, token = regenerate_api_key(key, created_by=request.user)
    stash_token(request.session, new_key.id, token)
    messages.success(request, f"“{new_key.name}” regenerated. The old key no longer works.")
    return redirect("settings_ui:api_key", key_id=new_key.id)


@require_POST
@workspace_admin_required
def api_key_revoke(request: HttpRequest, key_id: UUID) -> HttpResponse:
    key = _key(request, key_id)
    if key.is_revoked:
        messages.info(request, f"“{key.name}” was already revoked.")
    else:
        revoke_api_key(key)
        messages.success(request, f"“{key.name}” revoked. Requests using it are now refused.")
    # The list shows it among the revoked keys, rather than seem to have lost it.
    return redirect(_keys_page_url(request))


@require_POST
@workspace_admin_required
def api_key_delete(request: HttpRequest, key_id: UUID) -> HttpResponse:
    key = _key(request, key_id)
    try:
        delete_api_key(key)
    except ValueError as refusal:
        messages.error(request, str(refusal))
        return redirect("settings_ui:api_key", key_id=key.id)
    messages.success(request, f"“{key.name}” deleted.")
    return redirect(_keys_page_url(request))
