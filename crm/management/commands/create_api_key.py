"""Create an API key and print its token alone on stdout (for scripts)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crm.models import Workspace
from crm.services.api_key_input import ApiKeyValidationError
from crm.services.api_keys import create_api_key


class Command(BaseCommand):
    help = "Create an API key for a workspace and print the token (shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", required=True, help="Workspace slug.")
        parser.add_argument("--name", required=True, help="A name to recognise the key by.")
        parser.add_argument("--expires-in-days", type=int, default=None, help="Lifetime in days (default: never).")
        parser.add_argument("--read-only", action="store_true", help="The key can read but not write.")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace with slug '{options['workspace']}'. Run seed_demo first?")
        try:
            _, token = create_api_key(
                workspace,
                options["name"],
                lifetime_days=options["expires_in_days"],
                read_only=options["read_only"],
            )
        except ApiKeyValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(token)
