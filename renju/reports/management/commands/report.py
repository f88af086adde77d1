"""`renju report KIND --period PERIOD --out FILE`: make a report for scheduled jobs and by hand.

    renju report weekly --period 2023-W41 --out var/reports/                      (a folder: the Chinese file name)
    renju report weekly --period 2023-W41 --out week41.xlsx                       (format from the extension)
    renju report supervision --period 2023-W41 --out notices.zip                  (every unit that has any)
    renju report supervision --period 2023-W41 --unit yatou --out yatou.docx
    renju report notice-slip --problem RC-20231012-0042 --out slip.pdf
    renju report notice-slip --period 2023-10-12 --unit yatou --out slips.docx   (the unit's problems found that day)
    renju report monthly --period 2023-10 --out bulletin.pdf                      (also: annual --period 2023, and
    renju report scores --period 2023-10 --out scores.xlsx                         scores: the month's score sheets)
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from renju.reports.common import problem_by_reference, unit_by_code
from renju.reports.periods import parse_period
from renju.reports.registry import REPORTS, produce, report_kind


class Command(BaseCommand):
    help = "Make a report: " + ", ".join(REPORTS) + "."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=list(REPORTS), help="which report")
        parser.add_argument("--period", help="2023 (year), 2023-10 (month), 2023-W41 (ISO week), 2023-10-12 (day)")
        parser.add_argument("--out", required=True, help="file to write, or an existing folder")
        parser.add_argument("--unit", help="unit code (e.g. yatou)")
        parser.add_argument("--problem", help="problem number (e.g. RC-20231012-0042) or id")
        parser.add_argument("--format", dest="fmt", choices=["docx", "xlsx", "pdf"],
                            help="default: from --out's extension, else the report's first (docx, or xlsx)")
        parser.add_argument("--base-url", help="address of the web app for QR codes (default RENJU_BASE_URL)")

    def handle(self, *args, kind: str, period: str | None, out: str, unit: str | None, problem: str | None,
               fmt: str | None, base_url: str | None, **options) -> None:
        target = Path(out)
        fmt = fmt or _format_from(target, report_kind(kind).formats)
        try:
            output = produce(
                kind,
                parse_period(period) if period else None,
                unit=unit_by_code(unit) if unit else None,
                problem=problem_by_reference(problem) if problem else None,
                fmt=fmt,
                base_url=base_url,
            )
        except ValueError as exc:  # ReportError, or a period that does not parse: say why
            raise CommandError(str(exc)) from None
        if target.is_dir():
            target = target / output.filename
        elif output.filename.endswith(".zip") and target.suffix != ".zip":
            target = target.with_suffix(".zip")  # several documents: say so in the name rather than fake a .docx
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(output.data)
        self.stdout.write(f"wrote {target} ({len(output.data):,} bytes)")


def _format_from(target: Path, formats: tuple[str, ...]) -> str:
    suffix = target.suffix.lower().lstrip(".")
    return suffix if suffix in formats else formats[0]
