"""Make an API token for a staff account from the shell (a service account that never logs in)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.api_tokens import api_token_create
from accounts.models import User


class Command(BaseCommand):
    help = "Create a named API token for a user; the key is printed once. It expires after --days."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what will use the token")
        parser.add_argument("--days", type=int, default=90, help="days until it expires (default 90)")

    def handle(self, *args, username, name, days, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        try:
            issued = api_token_create(user=user, name=name, days=days)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(issued.key)
        self.stderr.write(
            f"Token {name!r} of {username}, expires {issued.token.expires_at:%Y-%m-%d %H:%M} UTC."
        )
