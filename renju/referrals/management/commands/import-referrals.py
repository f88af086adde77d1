"""`renju import-referrals FILE --office NAME --as USERNAME [--photos DIR|ZIP]`: import a sheet of referred problems
(上级交办/通报) and print its row-by-row report. Safe to run again on the same or an overlapping file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from renju.accounts.models import User
from renju.problems.errors import ActionForbidden, InvalidInput
from renju.referrals.importer import referral_import
from renju.referrals.sheet import LABELS, MAX_BYTES
from renju.referrals.uploads import photos_from_path

OUTCOME_NAMES = {"created": "新登记", "existing": "已登记过", "refused": "未导入"}


class Command(BaseCommand):
    help = "Import a spreadsheet (.xlsx or .csv) of problems referred by a higher office and print the report."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--office", default="", help="交办单位 for rows that do not name one (e.g. 市精致办)")
        parser.add_argument("--as", dest="username", required=True, help="the dispatcher doing the import")
        parser.add_argument("--photos", type=Path, help="a folder or a .zip holding the photos the sheet names")

    def handle(self, *args, file: Path, office: str, username: str, photos: Path | None, **options) -> None:
        file, photos = Path(file), Path(photos) if photos else None  # call_command passes options unconverted
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        if file.stat().st_size > MAX_BYTES:
            raise CommandError(f"{file}: larger than the {MAX_BYTES} bytes allowed; split it")
        if photos is not None and not photos.exists():
            raise CommandError(f"{photos}: no such folder or file")
        try:
            found = photos_from_path(photos) if photos is not None else {}
            batch = referral_import(actor=user, filename=file.name, data=file.read_bytes(), office=office,
                                    photos=found)
        except InvalidInput as exc:
            raise CommandError("未导入：" + "；".join(f"{LABELS.get(k, k)}：{'，'.join(v)}"
                                                  for k, v in exc.errors.items())) from exc
        except ActionForbidden as exc:
            raise CommandError(str(exc)) from exc
        for line in batch.report:
            self.stdout.write(self._line(line))
        self.stdout.write(f"批次 {batch.id}：{batch.rows} 行，新登记 {batch.created}，已登记过 {batch.existing}，"
                          f"未导入 {batch.refused}")

    @staticmethod
    def _line(line: dict) -> str:
        text = f"第 {line['row']} 行 {line.get('reference') or '-'}：{OUTCOME_NAMES[line['outcome']]}"
        if line.get("problem"):
            text += f" {line['problem']['number']}"
        if line.get("unit"):
            text += f" → {line['unit']['name']}"
        reasons = [f"{LABELS.get(k, k)}：{'，'.join(v)}" for k, v in (line.get("errors") or {}).items()]
        extra = reasons + list(line.get("notes") or [])
        return text + (f"（{'；'.join(extra)}）" if extra else "")
