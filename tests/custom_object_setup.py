"""A workspace's custom objects for tests: ``project`` with a field of every type the
project supports, related to companies (project.company / company.projects), and
``milestone`` related to projects (milestone.project / project.milestones), all made
through the metadata services the APIs call."""

from __future__ import annotations

import pytest
from django.test import Client

from crm.models import ObjectMetadata, Workspace
from crm.services.fields import create_custom_field
from crm.services.objects import create_object

__all__ = ["api", "make_object", "make_projects", "projects", "relate"]

OPTIONS = [{"value": "PLANNED"}, {"value": "ACTIVE"}, {"value": "DONE"}]
PROJECT_FIELDS = [
    {"name": "priority", "label": "Priority", "type": "NUMBER"},
    {"name": "isPublic", "label": "Public", "type": "BOOLEAN"},
    {"name": "startsOn", "label": "Starts on", "type": "DATE"},
    {"name": "kickoffAt", "label": "Kickoff", "type": "DATE_TIME"},
    {"name": "stage", "label": "Stage", "type": "SELECT", "options": OPTIONS},
    {"name": "tags", "label": "Tags", "type": "MULTI_SELECT", "options": [{"value": "RED"}, {"value": "BLUE"}]},
    {"name": "budget", "label": "Budget", "type": "CURRENCY"},
    {"name": "website", "label": "Website", "type": "LINKS"},
    {"name": "contactEmails", "label": "Emails", "type": "EMAILS"},
    {"name": "contactPhones", "label": "Phones", "type": "PHONES"},
    {"name": "sponsor", "label": "Sponsor", "type": "FULL_NAME"},
    {"name": "site", "label": "Site", "type": "ADDRESS"},
    {"name": "summary", "label": "Summary", "type": "TEXT"},
]


def make_object(workspace: Workspace, singular: str, plural: str) -> ObjectMetadata:
    label = singular[0].upper() + singular[1:]
    return create_object(
        workspace,
        {"nameSingular": singular, "namePlural": plural, "labelSingular": label, "labelPlural": f"{label}s"},
    )


def relate(workspace: Workspace, source: str, name: str, target: str, inverse_label: str) -> None:
    """A MANY_TO_ONE field ``source.name`` -> ``target`` and its ONE_TO_MANY inverse."""
    create_custom_field(
        workspace,
        {
            "objectName": source,
            "name": name,
            "label": name.capitalize(),
            "type": "RELATION",
            "relationCreationPayload": {
                "targetObjectMetadataId": target,
                "type": "MANY_TO_ONE",
                "targetFieldLabel": inverse_label,
            },
        },
    )


def make_projects(workspace: Workspace) -> ObjectMetadata:
    project = make_object(workspace, "project", "projects")
    for field in PROJECT_FIELDS:
        create_custom_field(workspace, {"objectName": "project", **field})
    relate(workspace, "project", "company", "company", "Projects")
    make_object(workspace, "milestone", "milestones")
    relate(workspace, "milestone", "project", "project", "Milestones")
    workspace.refresh_from_db()
    return project


@pytest.fixture
def api(api_token: str, settings) -> Client:
    """A client with a full-access key of the workspace, unhindered by the rate limit."""
    settings.API_RATE_LIMIT_PER_MINUTE = 10_000
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")


@pytest.fixture
def projects(workspace: Workspace) -> ObjectMetadata:
    return make_projects(workspace)
