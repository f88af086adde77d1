from django.core.management.base import BaseCommand, CommandError

from renju.accounts.models import User, api_token_create


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it (use as 'Authorization: Bearer TOKEN')."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="a note saying what the token is for")

    def handle(self, *args, username: str, name: str, **options) -> None:
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"no user named {username!r}") from exc
        if not user.is_active:
            raise CommandError(f"user {username!r} is inactive")
        self.stdout.write(api_token_create(user=user, name=name))
