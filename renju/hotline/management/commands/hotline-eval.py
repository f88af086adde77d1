"""renju hotline-eval: the classifier's accuracy on the labelled set (held-out split and k-fold, seed vocabulary only
and after learning from corrections), against plain keyword matching."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from renju.hotline.classifier import seeds_from_context, seeds_from_document
from renju.hotline.evaluation import LabelledSetError, evaluation_run, labelled_read, report_lines

DEFAULT_SET = Path(settings.BASE_DIR) / "plans" / "hotline-labelled.csv"


class Command(BaseCommand):
    help = "Report the hotline classifier's accuracy on a labelled set (top-1, top-3, per category)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--file", default=str(DEFAULT_SET), help="labelled CSV (text,category)")
        parser.add_argument("--plan", default="", help="read the categories from this plan file instead of the "
                                                        "active plan in the database")
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--test-share", type=float, default=0.3, help="held-out share of each category")
        parser.add_argument("--seed", type=int, default=1, help="random seed of the split and the folds")
        parser.add_argument("--brief", action="store_true", help="leave out the per-category table")

    def handle(self, *args, file: str, plan: str, folds: int, test_share: float, seed: int, brief: bool,
               **options) -> None:
        if folds < 2 or not 0 < test_share < 1:
            raise CommandError("--folds must be 2 or more and --test-share between 0 and 1")
        seeds, min_confidence = self._seeds(plan)
        try:
            rows = labelled_read(file, {s.code for s in seeds})
        except (LabelledSetError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        report = evaluation_run(seeds, rows, folds=folds, test_share=test_share, seed=seed)
        for line in report_lines(report, {s.code: s.name for s in seeds}, per_category=not brief,
                                 min_confidence=min_confidence):
            self.stdout.write(line)

    def _seeds(self, plan: str) -> tuple[list, float]:
        """The seed vocabulary and the min_confidence, of the plan file or of the active plan."""
        if plan:
            from renju.plans.plan_loader import plan_read

            try:
                doc = plan_read(plan)
            except Exception as exc:  # noqa: BLE001 - the loader's own message says what is wrong
                raise CommandError(str(exc)) from exc
            return seeds_from_document(doc), doc.intake.hotline.min_confidence
        from renju.hotline.suggest import min_confidence
        from renju.plans.active import NoActivePlan, active_plan

        try:
            return seeds_from_context(active_plan()), min_confidence()
        except NoActivePlan as exc:
            raise CommandError(str(exc)) from exc
