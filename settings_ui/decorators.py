"""Access rules for the server-rendered pages, stacked on views instead of repeated in them.

Every page needs a logged-in user with a workspace (``request.workspace``, set by
crm.middleware); settings for developers (API keys, webhooks) need a workspace admin.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def workspace_required(view: View) -> View:
    """Log in first; then the user must belong to a workspace."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "workspace", None) is None:
            raise PermissionDenied("You are not a member of any workspace.")
        return view(request, *args, **kwargs)

    return wrapper


def workspace_admin_required(view: View) -> View:
    """Log in first; then the user must be an admin of the current workspace."""

    @workspace_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = getattr(request, "membership", None)
        if membership is None or not membership.is_admin:
            raise PermissionDenied("Only workspace admins can manage developer settings.")
        return view(request, *args, **kwargs)

    return wrapper
