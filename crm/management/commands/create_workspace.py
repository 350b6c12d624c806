"""Create a real (empty) workspace and its first admin, for production installs."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.text import slugify

from crm.models import User, Workspace, WorkspaceMember
from crm.services.workspaces import add_member, create_workspace


class Command(BaseCommand):
    help = "Create a workspace with no sample data and make a user its admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True, help="Short name used in commands, e.g. acme.")
        parser.add_argument("--name", help="Display name (default: from the slug).")
        parser.add_argument("--admin-email", required=True, help="The admin's email; created if new.")
        parser.add_argument(
            "--password-from-env",
            metavar="VAR",
            help="Read a new admin's password from this environment variable instead of asking.",
        )

    def handle(self, *args: Any, slug: str, name: str | None, admin_email: str, **options: Any) -> None:
        if slugify(slug) != slug:
            raise CommandError(f"'{slug}' is not a valid slug: use lowercase letters, digits and hyphens.")
        if Workspace.objects.filter(slug=slug).exists():
            raise CommandError(f"A workspace with slug '{slug}' already exists.")
        email = admin_email.strip().lower()
        user = User.objects.filter(email=email).first()
        password = None if user else self._password(options["password_from_env"])
        with transaction.atomic():
            workspace = create_workspace(slug, name or slug.replace("-", " ").title())
            if user is None:
                user = User.objects.create_user(email, password)
                self.stdout.write(f"Created user {email}.")
            add_member(workspace, user, WorkspaceMember.Role.ADMIN)
        self.stdout.write(self.style.SUCCESS(f"Workspace '{slug}' created; {email} is its admin."))

    def _password(self, env_var: str | None) -> str:
        if env_var:
            password = os.environ.get(env_var, "")
            if not password:
                raise CommandError(f"The environment variable {env_var} is empty or not set.")
        else:
            password = getpass.getpass("Password for the new admin: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        return password
