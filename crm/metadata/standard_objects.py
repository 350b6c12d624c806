"""The standard objects every workspace starts with. ``crm.services.standard_metadata``
writes them as metadata rows; from then on the rows are the description that the
record service, REST, GraphQL and OpenAPI are generated from."""

from dataclasses import dataclass, field
from typing import Any

from django.db import models

from crm.models import Company, Note, NoteTarget, Opportunity, Person, Task, TaskTarget


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: str
    description: str = ""
    icon: str = ""
    is_system: bool = False
    is_nullable: bool = True
    options: list[dict[str, Any]] | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    default_value: Any = None


@dataclass(frozen=True)
class ObjectSpec:
    name_singular: str
    name_plural: str
    label_singular: str
    label_plural: str
    model: type[models.Model]
    icon: str
    description: str
    fields: tuple[FieldSpec, ...]
    # (field, sub-field) whose value names one record, so an upsert finds it by that value.
    unique_fields: tuple[tuple[str, str], ...] = ()


def options(*pairs: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [
        {"id": value.lower(), "value": value, "label": label, "color": color, "position": position}
        for position, (value, label, color) in enumerate(pairs)
    ]


def many_to_one(name: str, label: str, target: str, inverse: str, description: str = "") -> FieldSpec:
    return FieldSpec(
        name,
        label,
        "RELATION",
        description,
        settings={
            "relationType": "MANY_TO_ONE",
            "targetObject": target,
            "joinColumnName": f"{name}Id",
            "inverseField": inverse,
        },
    )


def one_to_many(name: str, label: str, target: str, inverse: str, description: str = "") -> FieldSpec:
    return FieldSpec(
        name,
        label,
        "RELATION",
        description,
        settings={"relationType": "ONE_TO_MANY", "targetObject": target, "inverseField": inverse},
    )


def link_object(model: type[models.Model], activity: str) -> ObjectSpec:
    """A note's or task's targets: each links it to one person, company or opportunity."""
    name = f"{activity}Target"
    label = activity.title()
    return ObjectSpec(
        name,
        f"{name}s",
        f"{label} Target",
        f"{label} Targets",
        model,
        "link",
        f"Attaches a {activity} to a person, a company or an opportunity",
        (
            many_to_one(activity, label, activity, f"{name}s", f"The {activity}"),
            *(
                many_to_one(end, end.title(), end, f"{name}s", f"The {end} the {activity} is about")
                for end in ("person", "company", "opportunity")
            ),
        ),
    )


# The defaults are Twenty's words for "made by the server" (a new uuid, the time of the
# write): clients such as Twenty's Zapier app read a non-nullable field without a
# default as one they must send.
SYSTEM_FIELDS = (
    FieldSpec("id", "Id", "UUID", "Unique identifier", is_system=True, is_nullable=False, default_value="uuid"),
    FieldSpec(
        "createdAt", "Creation date", "DATE_TIME", "When the record was created", is_system=True, default_value="now"
    ),
    FieldSpec(
        "updatedAt", "Last update", "DATE_TIME", "When the record was last changed", is_system=True, default_value="now"
    ),
    FieldSpec("deletedAt", "Deleted", "DATE_TIME", "When the record was soft-deleted", is_system=True),
    FieldSpec("position", "Position", "POSITION", "Order of the record in lists", is_system=True),
    FieldSpec("createdBy", "Created by", "ACTOR", "Who or what created the record", is_system=True),
)

STAGE_OPTIONS = options(
    ("NEW", "New", "red"),
    ("SCREENING", "Screening", "purple"),
    ("MEETING", "Meeting", "sky"),
    ("PROPOSAL", "Proposal", "turquoise"),
    ("CUSTOMER", "Customer", "yellow"),
)
TASK_STATUS_OPTIONS = options(
    ("TODO", "To do", "sky"), ("IN_PROGRESS", "In progress", "purple"), ("DONE", "Done", "green")
)

STANDARD_OBJECTS: tuple[ObjectSpec, ...] = (
    ObjectSpec(
        "company",
        "companies",
        "Company",
        "Companies",
        Company,
        "building-skyscraper",
        "A company",
        (
            FieldSpec("name", "Name", "TEXT", "The company name"),
            FieldSpec("domainName", "Domain", "LINKS", "The company website"),
            FieldSpec("employees", "Employees", "NUMBER", "Number of employees", settings={"dataType": "int"}),
            FieldSpec("linkedinLink", "Linkedin", "LINKS", "The company Linkedin account"),
            FieldSpec("xLink", "X", "LINKS", "The company X account"),
            FieldSpec("annualRecurringRevenue", "ARR", "CURRENCY", "Annual recurring revenue"),
            FieldSpec("address", "Address", "ADDRESS", "Address of the company"),
            FieldSpec(
                "idealCustomerProfile",
                "ICP",
                "BOOLEAN",
                "Whether the company is an ideal customer",
                is_nullable=False,
                default_value=False,
            ),
            one_to_many("people", "People", "person", "company"),
            one_to_many("opportunities", "Opportunities", "opportunity", "company"),
            one_to_many("noteTargets", "Notes", "noteTarget", "company", "Notes tied to the company"),
            one_to_many("taskTargets", "Tasks", "taskTarget", "company", "Tasks tied to the company"),
        ),
        unique_fields=(("domainName", "primaryLinkUrl"),),
    ),
    ObjectSpec(
        "person",
        "people",
        "Person",
        "People",
        Person,
        "user",
        "A person",
        (
            FieldSpec("name", "Name", "FULL_NAME", "Contact's name"),
            FieldSpec("emails", "Emails", "EMAILS", "Contact's emails"),
            FieldSpec("phones", "Phones", "PHONES", "Contact's phone numbers"),
            FieldSpec("jobTitle", "Job Title", "TEXT", "Contact's job title"),
            FieldSpec("city", "City", "TEXT", "Contact's city"),
            FieldSpec("avatarUrl", "Avatar", "TEXT", "Contact's avatar URL"),
            FieldSpec("linkedinLink", "Linkedin", "LINKS", "Contact's Linkedin account"),
            FieldSpec("xLink", "X", "LINKS", "Contact's X account"),
            many_to_one("company", "Company", "company", "people"),
            one_to_many("pointOfContactForOpportunities", "Opportunities", "opportunity", "pointOfContact"),
            one_to_many("noteTargets", "Notes", "noteTarget", "person", "Notes tied to the contact"),
            one_to_many("taskTargets", "Tasks", "taskTarget", "person", "Tasks tied to the contact"),
        ),
        unique_fields=(("emails", "primaryEmail"),),
    ),
    ObjectSpec(
        "opportunity",
        "opportunities",
        "Opportunity",
        "Opportunities",
        Opportunity,
        "target",
        "An opportunity",
        (
            FieldSpec("name", "Name", "TEXT", "The opportunity name"),
            FieldSpec("amount", "Amount", "CURRENCY", "Opportunity amount"),
            FieldSpec("closeDate", "Close date", "DATE_TIME", "Opportunity close date"),
            FieldSpec(
                "stage",
                "Stage",
                "SELECT",
                "Opportunity stage",
                is_nullable=False,
                options=STAGE_OPTIONS,
                default_value="NEW",
            ),
            many_to_one("company", "Company", "company", "opportunities"),
            many_to_one("pointOfContact", "Point of Contact", "person", "pointOfContactForOpportunities"),
            one_to_many("noteTargets", "Notes", "noteTarget", "opportunity", "Notes tied to the opportunity"),
            one_to_many("taskTargets", "Tasks", "taskTarget", "opportunity", "Tasks tied to the opportunity"),
        ),
    ),
    ObjectSpec(
        "note",
        "notes",
        "Note",
        "Notes",
        Note,
        "notes",
        "A note",
        (
            FieldSpec("title", "Title", "TEXT", "Note title"),
            FieldSpec("body", "Body", "TEXT", "Note body (Markdown)", settings={"maxLength": 100_000}),
            FieldSpec("bodyV2", "Body (rich text)", "RICH_TEXT_V2", "Note body: editor document and Markdown"),
            one_to_many("noteTargets", "Relations", "noteTarget", "note", "What the note is about"),
        ),
    ),
    ObjectSpec(
        "task",
        "tasks",
        "Task",
        "Tasks",
        Task,
        "checkbox",
        "A task",
        (
            FieldSpec("title", "Title", "TEXT", "Task title"),
            FieldSpec("body", "Body", "TEXT", "Task body (Markdown)", settings={"maxLength": 100_000}),
            FieldSpec("bodyV2", "Body (rich text)", "RICH_TEXT_V2", "Task body: editor document and Markdown"),
            FieldSpec("dueAt", "Due Date", "DATE_TIME", "Task due date"),
            FieldSpec("status", "Status", "SELECT", "Task status", options=TASK_STATUS_OPTIONS, default_value="TODO"),
            many_to_one("assignee", "Assignee", "workspaceMember", "assignedTasks"),
            one_to_many("taskTargets", "Relations", "taskTarget", "task", "What the task is about"),
        ),
    ),
    link_object(NoteTarget, "note"),
    link_object(TaskTarget, "task"),
)


STANDARD_OBJECTS_BY_NAME = {spec.name_singular: spec for spec in STANDARD_OBJECTS}
