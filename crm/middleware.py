from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from crm.models import WorkspaceMember
from crm.page_middleware import is_api_request

SESSION_WORKSPACE_KEY = "workspace_id"


class CurrentWorkspaceMiddleware:
    """Attach the logged-in user's current workspace and membership to the request.

    API requests are resolved to a workspace by their key instead; this only
    concerns the session-based pages.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.workspace = None  # type: ignore[attr-defined]
        # API requests are authenticated by key and have no session user to look up.
        if is_api_request(request):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = WorkspaceMember.objects.select_related("workspace").filter(user=user)
            wanted = request.session.get(SESSION_WORKSPACE_KEY)
            membership = (wanted and memberships.filter(workspace_id=wanted).first()) or memberships.order_by(
                "created_at"
            ).first()
            if membership is not None:
                request.membership = membership  # type: ignore[attr-defined]
                request.workspace = membership.workspace  # type: ignore[attr-defined]
        return self.get_response(request)
