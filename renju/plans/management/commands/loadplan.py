from django.core.management.base import BaseCommand, CommandError

from renju.plans.errors import LoadError
from renju.plans.plan_loader import plan_load


class Command(BaseCommand):
    help = "Load or update a plan from a YAML file (validated whole; loading the same file twice changes nothing)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")
        parser.add_argument("--no-activate", action="store_true", help="load without making it the active plan")

    def handle(self, *args, path: str, no_activate: bool, **options) -> None:
        try:
            result = plan_load(path, activate=not no_activate)
        except LoadError as exc:
            raise CommandError(str(exc)) from exc
        plan = result.plan
        self.stdout.write(
            f"{plan.code}: {result.outcome} — {plan.tasks.count()} tasks, {plan.categories.filter(active=True).count()}"
            f" categories, {plan.units.filter(active=True).count()} units"
            + (" (active)" if plan.is_active else "")
        )
