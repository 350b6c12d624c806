"""The app shell (menu, login page) and the shared template components."""

from pathlib import Path

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.paginator import Paginator
from django.shortcuts import render
from django.template import Context, RequestContext, Template, TemplateSyntaxError
from django.test import RequestFactory
from django.urls import include, path

from settings_ui.templatetags import ui

ROOT = Path(__file__).resolve().parents[2]
VENDORED_ICON = ROOT / "static" / "vendor" / "tabler" / "outline" / "api.svg"


def shell_page(request):
    return render(request, "base.html", {})


# The real routes plus a bare shell page under /settings/apis, so the menu can be
# checked without depending on what the settings pages themselves show.
urlpatterns = [
    path("settings/apis/shell-check/", shell_page),
    path("shell-check/", shell_page),
    path("", include("config.urls")),
]
use_shell_urls = pytest.mark.urls(__name__)


@pytest.fixture
def vendored_icons():
    if not VENDORED_ICON.is_file():
        pytest.skip("static/vendor/ is missing: run `npm ci && python scripts/copy_vendor.py` (or `make install`)")


def render_template(source: str, context: dict | None = None, path: str = "/") -> str:
    request = RequestFactory().get(path)
    return Template("{% load ui %}" + source).render(RequestContext(request, context or {}))


# ---- Login page -------------------------------------------------------------


def test_login_page_asks_for_an_email_and_a_password(client, db):
    response = client.get("/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label class="field-label" for="id_username">Email</label>' in html
    assert 'type="email" name="username"' in html
    assert 'type="password" name="password"' in html
    assert "csrfmiddlewaretoken" in html
    assert 'class="sidebar"' not in html


def test_login_page_keeps_the_page_to_return_to(client, db):
    response = client.get("/login/?next=/settings/webhooks")

    assert '<input type="hidden" name="next" value="/settings/webhooks">' in response.content.decode()


def test_wrong_password_shows_an_error_and_keeps_the_email(client, admin_user):
    response = client.post("/login/", {"username": admin_user.email, "password": "wrong"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="form-errors" role="alert"' in html
    assert "correct email" in html
    assert f'value="{admin_user.email}"' in html


def test_logging_in_with_email_and_password_enters_the_app(client, admin_user):
    response = client.post("/login/", {"username": admin_user.email, "password": "correct-horse"})

    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(admin_user.pk)


# ---- App shell ----------------------------------------------------------------


@use_shell_urls
def test_admin_sees_the_developer_links_with_their_icons_inlined(client, admin_user, vendored_icons):
    client.force_login(admin_user)

    html = client.get("/shell-check/").content.decode()

    assert "Developers" in html
    for href, icon_name, label in [("/settings/apis", "api", "APIs"), ("/settings/webhooks", "webhook", "Webhooks")]:
        start = html.index(f'href="{href}"')
        link = html[start : html.index("</a>", start)]
        assert "<svg" in link and 'aria-hidden="true"' in link, link
        assert ui.icon_paths(icon_name) in link
        assert f"<span>{label}</span>" in link


@use_shell_urls
def test_menu_lists_every_record_type_and_the_docs(client, admin_user, vendored_icons):
    client.force_login(admin_user)

    html = client.get("/shell-check/").content.decode()

    for plural, label in [
        ("people", "People"),
        ("companies", "Companies"),
        ("opportunities", "Opportunities"),
        ("tasks", "Tasks"),
        ("notes", "Notes"),
    ]:
        assert f"<span>{label}</span>" in html
        assert f"/{plural}/" in html
    assert 'href="/docs/"' in html


@use_shell_urls
def test_member_does_not_see_the_developer_settings(client, member_user):
    client.force_login(member_user)

    html = client.get("/shell-check/").content.decode()

    assert "/settings/apis" not in html
    assert "/settings/webhooks" not in html
    assert "<span>People</span>" in html


@use_shell_urls
def test_the_current_section_is_highlighted_in_the_menu(client, admin_user):
    client.force_login(admin_user)

    html = client.get("/settings/apis/shell-check/").content.decode()

    start = html.index('href="/settings/apis"')
    apis_link = html[html.rindex("<a", 0, start) : html.index(">", start)]
    assert "is-active" in apis_link
    assert 'aria-current="page"' in apis_link
    assert html.count("is-active") == 1


@use_shell_urls
def test_shell_shows_the_workspace_the_user_and_a_logout_form(client, admin_user, workspace):
    client.force_login(admin_user)

    html = client.get("/shell-check/").content.decode()

    assert f'<span class="workspace-name">{workspace.name}</span>' in html
    assert admin_user.email in html
    assert "Ada Admin" in html
    logout_form = html[html.index('action="/logout/"') :]
    logout_form = logout_form[: logout_form.index("</form>")]
    assert "csrfmiddlewaretoken" in logout_form
    assert 'method="post"' in html[html.rindex("<form", 0, html.index('action="/logout/"')) :]


@use_shell_urls
def test_shell_loads_its_styles_and_names_the_page_for_scripts(client, admin_user):
    client.force_login(admin_user)

    html = client.get("/shell-check/").content.decode()

    assert "/static/css/tokens.css" in html
    assert "/static/css/app.css" in html
    assert '<script type="module" src="/static/js/app.js">' in html
    assert "<body data-page=" in html


@use_shell_urls
def test_logout_button_logs_the_user_out(client, admin_user):
    client.force_login(admin_user)

    response = client.post("/logout/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@use_shell_urls
def test_shell_renders_for_a_user_without_a_workspace(client, db, django_user_model):
    client.force_login(django_user_model.objects.create_user("loner@example.com", "pw-loner-123"))

    html = client.get("/shell-check/").content.decode()

    assert "No workspace" in html
    assert "loner@example.com" in html


# ---- Icon tag ---------------------------------------------------------------


def test_icon_tag_inlines_the_tabler_svg(vendored_icons):
    html = render_template('{% icon "api" class="icon-lg" %}')

    assert html.startswith("<svg")
    assert 'class="icon icon-lg"' in html
    assert 'aria-hidden="true"' in html
    assert 'd="M4 13h5"' in html  # a stroke of the api glyph
    assert 'd="M0 0h24v24H0z"' not in html


def test_icon_tag_with_a_label_is_announced_as_an_image(vendored_icons):
    html = render_template('{% icon "alert-circle" label="Failed" %}')

    assert 'role="img" aria-label="Failed"' in html
    assert "aria-hidden" not in html


def test_icon_tag_rejects_an_unknown_icon_while_debugging(settings, vendored_icons):
    settings.DEBUG = True

    with pytest.raises(TemplateSyntaxError, match="no-such-icon"):
        render_template('{% icon "no-such-icon" %}')


def test_icon_tag_renders_nothing_for_an_unknown_icon_in_production(settings):
    settings.DEBUG = False

    assert render_template('[{% icon "no-such-icon" %}]') == "[]"


def test_icon_tag_never_reads_outside_the_icon_folder(settings):
    settings.DEBUG = False

    assert render_template('[{% icon "../../css/app" %}]') == "[]"


# ---- Components -------------------------------------------------------------


def test_button_component_renders_variants_links_and_dialog_openers(vendored_icons):
    html = render_template(
        '{% include "components/button.html" with label="New key" variant="primary" icon="plus" dialog="new-key"'
        " only %}"
        '{% include "components/button.html" with label="Docs" href="/docs/" size="sm" only %}'
    )

    assert '<button type="button"' in html
    assert "btn btn-primary" in html
    assert 'data-dialog-open="new-key"' in html
    assert "<svg" in html
    assert '<a href="/docs/"' in html and "btn btn-secondary btn-sm" in html


def test_confirm_dialog_posts_with_a_csrf_token():
    html = render_template(
        '{% include "components/modal/confirm.html" with id="revoke-1" title="Revoke?" action="/settings/apis/1/revoke"'
        ' confirm_label="Revoke key" %}'
    )

    assert '<dialog class="modal" id="revoke-1"' in html
    assert 'method="post" action="/settings/apis/1/revoke"' in html
    assert "csrfmiddlewaretoken" in html
    assert 'formmethod="dialog"' in html  # Cancel closes without submitting
    assert "btn btn-danger" in html and "Revoke key" in html


def test_form_field_shows_the_label_help_and_errors():
    from django import forms

    class EndpointForm(forms.Form):
        target_url = forms.URLField(label="Endpoint URL", help_text="Where we send events.", assume_scheme="https")
        active = forms.BooleanField(required=False)

    form = EndpointForm({"target_url": "nope"})
    form.is_valid()

    html = render_template(
        '{% include "components/form_field.html" with field=form.target_url %}'
        '{% include "components/form_field.html" with field=form.active %}',
        {"form": form},
    )

    assert 'class="field has-error"' in html
    assert '<label class="field-label" for="id_target_url">Endpoint URL</label>' in html
    assert 'id="id_target_url_helptext"' in html
    assert 'id="id_target_url_error"' in html and "Enter a valid URL." in html
    assert 'aria-describedby="id_target_url_helptext id_target_url_error"' in html
    assert 'class="field field-check"' in html


def test_pagination_keeps_the_current_filters_in_its_links():
    page = Paginator(list(range(100)), 10).get_page(5)

    html = render_template(
        '{% include "components/pagination.html" with page=page noun="deliveries" %}',
        {"page": page},
        path="/settings/webhooks?status=failed&page=5",
    )

    assert "41–50 of 100 deliveries" in html
    assert 'href="?status=failed&amp;page=4"' in html
    assert 'href="?status=failed&amp;page=6"' in html
    assert 'aria-current="page">5<' in html
    assert "…" in html


def test_messages_component_shows_each_message_with_its_tone():
    request = RequestFactory().get("/")
    request.session = {}
    storage = FallbackStorage(request)
    storage.add(message_levels.SUCCESS, "Saved.")
    storage.add(message_levels.ERROR, "Could not reach the endpoint.")

    html = Template('{% include "components/messages.html" %}').render(Context({"messages": storage}))

    assert 'class="message message-success"' in html and "Saved." in html
    assert 'class="message message-error" role="alert"' in html


def test_page_header_empty_state_badge_and_table_render():
    html = render_template(
        '{% include "components/page_header.html" with title="Webhooks" description="Get events." '
        'action_label="Add endpoint" action_dialog="new" %}'
        '{% include "components/empty_state.html" with title="No webhooks yet" text="Add one." '
        'action_label="Add endpoint" action_href="/new" %}'
        '{% include "components/badge.html" with label="Active" tone="success" dot=True only %}'
        '{% include "components/table.html" with headers=headers rows=rows %}',
        {"headers": ["Name", "Events"], "rows": [["Zapier", "<b>all</b>"]]},
    )

    assert '<h1 class="page-title">Webhooks</h1>' in html
    assert 'data-dialog-open="new"' in html
    assert '<h3 class="empty-state-title">No webhooks yet</h3>' in html
    assert '<a href="/new"' in html
    assert '<span class="badge badge-success badge-dot">Active</span>' in html
    assert '<th scope="col">Events</th>' in html
    assert "&lt;b&gt;all&lt;/b&gt;" in html


@pytest.mark.parametrize(
    ("path", "url", "expected"),
    [
        ("/settings/apis", "/settings/apis", True),
        ("/settings/apis/keys/3", "/settings/apis", True),
        ("/settings/apis-old", "/settings/apis", False),
        ("/objects/people/", "/objects/people/", True),
        ("/objects/people/12/", "/objects/people/", True),
        ("/objects/", "/", False),
        ("/anything", "", False),
    ],
)
def test_menu_link_is_active_on_its_page_and_the_pages_below(path, url, expected):
    assert ui.path_within(path, url) is expected
