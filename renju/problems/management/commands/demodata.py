from django.core.management.base import BaseCommand, CommandError

from renju.accounts.demo import DEMO_PASSWORD, demo_users_ensure
from renju.plans.active import NoActivePlan, active_plan
from renju.problems.demo import demo_problems_create


class Command(BaseCommand):
    help = ("Create the demo accounts, 50 days of synthetic problems up to now and their monthly assessment "
            "(does nothing twice).")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=50)
        parser.add_argument("--per-day", type=int, default=20)
        parser.add_argument("--seed", type=int, default=2023)

    def handle(self, *args, days: int, per_day: int, seed: int, **options) -> None:
        try:
            plan = active_plan().plan
        except NoActivePlan as exc:
            raise CommandError(str(exc)) from exc
        users = demo_users_ensure(plan)
        result = demo_problems_create(days=days, per_day=per_day, seed=seed)
        if result.skipped:
            self.stdout.write("demo problems already present; none added")
        else:
            self.stdout.write(f"{result.created} demo problems created")
        from renju.assessment.demo import demo_assessment_create

        runs = demo_assessment_create(plan)
        if runs:
            self.stdout.write("assessment: " + ", ".join(f"{r.label} {r.get_status_display()}" for r in runs))
        staff = [u for u in users if u.role != "handler"]
        handlers = [u for u in users if u.role == "handler"]
        self.stdout.write(f"\nDemo accounts (password: {DEMO_PASSWORD}):")
        for u in staff:
            self.stdout.write(f"  {u.username:<14} {u.get_role_display()}")
        self.stdout.write(f"  unit handlers ({len(handlers)}), username = unit code:")
        for u in handlers:
            self.stdout.write(f"    {u.username:<18} {u.unit.name}")
