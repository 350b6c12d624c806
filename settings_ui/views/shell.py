from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Admins land on the developer settings; everyone else on the people list."""
    membership = getattr(request, "membership", None)
    if membership is not None and membership.is_admin:
        return redirect("settings_ui:apis")
    return redirect("records:list", object_plural="people")
