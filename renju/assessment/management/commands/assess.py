from django.core.management.base import BaseCommand, CommandError

from renju.accounts.models import User
from renju.assessment.runs import assessment_draft, assessment_publish
from renju.plans.active import NoActivePlan, active_plan
from renju.problems.errors import ActionForbidden, InvalidInput, TransitionRefused


class Command(BaseCommand):
    help = "Score a month (试算) into a draft run, and optionally publish it: renju assess --period 2023-10 --as scorer"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--period", required=True, help="the month, e.g. 2023-10")
        parser.add_argument("--as", dest="username", required=True, help="the scorer (role scorer or admin) acting")
        parser.add_argument("--publish", action="store_true", help="publish the draft (after the month's cutoff)")
        parser.add_argument("--reason", default="", help="required when correcting a published month")

    def handle(self, *args, period: str, username: str, publish: bool, reason: str, **options) -> None:
        try:
            plan = active_plan().plan
        except NoActivePlan as exc:
            raise CommandError(str(exc)) from exc
        actor = User.objects.filter(username=username).first()
        if actor is None:
            raise CommandError(f"no user {username!r}")
        try:
            run = assessment_draft(actor=actor, plan=plan, period=period, reason=reason)
            if publish:
                run = assessment_publish(actor=actor, run_id=run.id)
        except (InvalidInput, ActionForbidden, TransitionRefused) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{run.label} 第{run.version}版 {run.get_status_display()}")
        for note in run.notes:
            self.stdout.write(f"  注：{note}")
        for score in run.unit_scores.select_related("unit").order_by("group_position", "rank")[:200]:
            marks = "".join(m for m, on in (("★", score.praised), ("▼", score.bottom), ("约谈", score.escalated)) if on)
            self.stdout.write(f"  {score.group_name:<8} {score.rank:>3} {score.unit.name:<16} "
                              f"{score.score:7.2f} {marks}")
