"""Seed a demo workspace with an admin and realistic records (idempotent)."""

from __future__ import annotations

import itertools
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from crm.demo import sample_data as sample
from crm.models import User, Workspace, WorkspaceMember
from crm.query.record_queries import get_object, records
from crm.services.actor import Actor
from crm.services.records import create_record, create_records
from crm.services.workspaces import add_member, create_workspace

IMPORT_BATCH = 2000
SEED_ACTOR = Actor(source="IMPORT", name="Demo data")


class Command(BaseCommand):
    help = "Create (or complete) a demo workspace with an admin user and sample records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", default="demo", help="Workspace slug (default: demo).")
        parser.add_argument(
            "--people", type=int, default=0, help="Make sure the workspace has at least this many people."
        )

    def handle(self, *args: Any, workspace: str, people: int, **options: Any) -> None:
        slug = workspace
        email = "admin@example.com" if slug == "demo" else f"admin@{slug}.example.com"
        ws = Workspace.objects.filter(slug=slug).first()
        if ws is None:
            ws = create_workspace(slug, "Demo" if slug == "demo" else slug.replace("-", " ").title())
            self.stdout.write(f"Created workspace '{slug}'.")
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, "admin", first_name="Admin")
            self.stdout.write(f"Created user {email} (password: admin).")
        add_member(ws, user, WorkspaceMember.Role.ADMIN, first_name="Admin", last_name="User")

        if not records(ws, get_object(ws, "company")).exists():
            self._seed_samples(ws)
        if people:
            self._seed_people(ws, people)
        self.stdout.write(self.style.SUCCESS(f"Workspace '{slug}' is ready. Log in as {email} / admin."))

    @transaction.atomic
    def _seed_samples(self, ws: Workspace) -> None:
        companies = create_records(
            ws,
            "company",
            [
                {
                    "name": name,
                    "domainName": {"primaryLinkUrl": f"https://{domain}", "primaryLinkLabel": domain},
                    "employees": 20 + 37 * index,
                    "annualRecurringRevenue": {
                        "amountMicros": (index + 1) * 125_000 * 1_000_000,
                        "currencyCode": "USD",
                    },
                    "address": {"addressCity": sample.CITIES[index % len(sample.CITIES)]},
                    "idealCustomerProfile": index % 3 == 0,
                }
                for index, (name, domain) in enumerate(sample.COMPANIES)
            ],
            SEED_ACTOR,
        )
        people = create_records(ws, "person", [_person(i, companies) for i in range(36)], SEED_ACTOR)
        opportunities = [
            create_record(ws, "opportunity", _opportunity(index, company, people[index]), SEED_ACTOR)
            for index, company in enumerate(companies)
        ]
        notes = []
        for index, title in enumerate(sample.NOTE_TITLES * 2):
            first_name = people[index]["name"]["firstName"]
            markdown = f"## {title}\n\n- Talked to {first_name}"
            note = {"title": title, "body": markdown, "bodyV2": {"markdown": markdown}}
            notes.append(create_record(ws, "note", note, SEED_ACTOR))
        # Each note is about the person it mentions and that person's company.
        _attach(
            ws,
            "note",
            [(n, {"personId": p["id"], "companyId": p["companyId"]}) for n, p in zip(notes, people, strict=False)],
        )
        assignee = ws.members.order_by("created_at").first()
        tasks = [
            create_record(
                ws,
                "task",
                {
                    "title": title,
                    "status": sample.TASK_STATUSES[index % 3],
                    "dueAt": f"2027-01-{index + 10}T09:00:00Z",
                    "assigneeId": str(assignee.id) if assignee else None,
                },
                SEED_ACTOR,
            )
            for index, title in enumerate(sample.TASK_TITLES * 2)
        ]
        # Each task is about an opportunity and its point of contact.
        _attach(
            ws,
            "task",
            [
                (t, {"opportunityId": o["id"], "personId": o["pointOfContactId"]})
                for t, o in zip(tasks, opportunities, strict=False)
            ],
        )
        self.stdout.write(
            f"Added {len(companies)} companies, {len(people)} people, opportunities, notes and tasks, "
            "each attached to what it is about."
        )

    def _seed_people(self, ws: Workspace, wanted: int) -> None:
        person_obj, company_obj = get_object(ws, "person"), get_object(ws, "company")
        existing = records(ws, person_obj).count()
        missing = wanted - existing
        if missing <= 0:
            self.stdout.write(f"Workspace already has {wanted} people or more.")
            return
        companies_wanted = max(1, wanted // 10)
        missing_companies = companies_wanted - records(ws, company_obj).count()
        started = time.monotonic()
        for done in range(0, max(missing_companies, 0), IMPORT_BATCH):
            size = min(IMPORT_BATCH, missing_companies - done)
            create_records(
                ws,
                "company",
                [{"name": f"Company {done + i + 1}", "employees": (done + i) % 500} for i in range(size)],
                SEED_ACTOR,
                max_batch=IMPORT_BATCH,
            )
            self.stdout.write(f"  companies: {done + size}/{missing_companies}")
        company_ids = [str(i) for i in records(ws, company_obj).values_list("id", flat=True)[:companies_wanted]]
        cycle = itertools.cycle(company_ids)
        for done in range(0, missing, IMPORT_BATCH):
            size = min(IMPORT_BATCH, missing - done)
            create_records(
                ws,
                "person",
                # Numbered after the people already there: each number is its own email.
                [_person(existing + done + i, None, next(cycle)) for i in range(size)],
                SEED_ACTOR,
                max_batch=IMPORT_BATCH,
            )
            elapsed = time.monotonic() - started
            self.stdout.write(f"  people: {done + size}/{missing} ({elapsed:.0f}s)")


def _opportunity(index: int, company: dict[str, Any], contact: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": f"{company['name']} — {sample.OPPORTUNITY_NAMES[index % len(sample.OPPORTUNITY_NAMES)]}",
        "amount": {"amountMicros": (index + 2) * 8_000 * 1_000_000, "currencyCode": "USD"},
        "stage": sample.STAGES[index % len(sample.STAGES)],
        "closeDate": f"2027-0{index % 9 + 1}-15T12:00:00Z",
        "companyId": company["id"],
        "pointOfContactId": contact["id"],
    }


def _attach(ws: Workspace, activity: str, pairs: list[tuple[dict[str, Any], dict[str, str]]]) -> None:
    """One target per (note or task, record it is about): ``{"personId": ..., "companyId": ...}``."""
    create_records(
        ws,
        f"{activity}Target",
        [{f"{activity}Id": record["id"], end: end_id} for record, ends in pairs for end, end_id in ends.items()],
        SEED_ACTOR,
    )


def _person(index: int, companies: list[dict[str, Any]] | None, company_id: str | None = None) -> dict[str, Any]:
    first = sample.FIRST_NAMES[index % len(sample.FIRST_NAMES)]
    last = sample.LAST_NAMES[(index * 7) % len(sample.LAST_NAMES)]
    if companies is not None:
        company_id = companies[index % len(companies)]["id"]
    handle = f"{first}.{last}".lower().replace(" ", "").replace("-", "")
    return {
        "name": {"firstName": first, "lastName": last},
        "emails": {"primaryEmail": f"{handle}{index}@example.com", "additionalEmails": []},
        "phones": {"primaryPhoneNumber": f"555 01{index % 100:02d}", "primaryPhoneCallingCode": "+1"},
        "jobTitle": sample.JOB_TITLES[index % len(sample.JOB_TITLES)],
        "city": sample.CITIES[index % len(sample.CITIES)],
        "companyId": company_id,
    }
