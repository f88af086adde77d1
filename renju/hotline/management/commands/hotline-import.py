"""renju hotline-import FILE [--as USERNAME]: import a 12345 spreadsheet export (xlsx or csv), row by row."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from renju.accounts.models import Role, User
from renju.hotline.spreadsheet import SpreadsheetError, hotline_import

OUTCOMES = {"created": "新建", "existing": "已存在", "refused": "未导入"}


class Command(BaseCommand):
    help = "Import 12345 work orders from a spreadsheet export (xlsx or csv); safe to run again on the same file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the export, .xlsx or .csv")
        parser.add_argument("--as", dest="username", default="",
                            help="the dispatcher (or integration account) filing the orders; default the first "
                                 "active dispatcher")

    def handle(self, *args, file: str, username: str, **options) -> None:
        actor = self._actor(username)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            report = hotline_import(actor=actor, data=path.read_bytes(), filename=path.name)
        except SpreadsheetError as exc:
            raise CommandError(f"{file}: {exc}") from exc
        for row in report.rows:
            detail = row.reason or (f"问题 {row.problem_number}" if row.problem_number else "待定位")
            self.stdout.write(f"  第{row.line}行 {row.order_no or '—'} {OUTCOMES[row.outcome]} {detail}")
        if report.ignored_columns:
            self.stdout.write(f"  已忽略的列：{'、'.join(report.ignored_columns)}")
        self.stdout.write(f"{path.name}: 新建 {report.count('created')}，已存在 {report.count('existing')}，"
                          f"未导入 {report.count('refused')}")

    def _actor(self, username: str) -> User:
        if username:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active user {username!r}")
            return actor
        actor = User.objects.filter(role=Role.DISPATCHER, is_active=True).order_by("id").first()
        if actor is None:
            raise CommandError("no active dispatcher; name one with --as")
        return actor
