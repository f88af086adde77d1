"""Importing a spreadsheet of referred problems (上级交办/通报): each row becomes a problem sent straight to its unit,
and the batch keeps a row-by-row report of what was created, what was already there and what was refused and why.

Rows are independent: each goes in (problem, its dispatch and the referral record) in its own transaction, so a bad
row is refused and the rest go in. The same (office, 交办编号) never makes a second problem: importing the same file,
or an overlapping one, again reports those rows as existing.

Referred problems are already confirmed by the higher office, so they skip the intake queue: the importing dispatcher
fast-tracks each to the suggested unit (直派), or, when the sheet names another unit, accepts and dispatches it there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from renju.accounts.models import Role, User
from renju.plans.active import active_plan
from renju.plans.geo import region_index
from renju.problems import lifecycle
from renju.problems.errors import ActionForbidden, InvalidInput, TransitionRefused
from renju.problems.models import Photo, Problem, Source
from renju.problems.photos import PreparedPhoto, photo_prepare
from renju.referrals.models import Referral, ReferralBatch
from renju.referrals.rows import MAX_OFFICE, ParsedRow, RowParser
from renju.referrals.sheet import LABELS, SheetRow, cell_text, read_sheet

IMPORTER_ROLES = (Role.DISPATCHER,)  # admins too (User.has_role)


class _FiledMeanwhile(Exception):
    """problem_report answered with a problem filed earlier under the row's key."""


@dataclass(frozen=True)
class UploadedPhoto:
    name: str
    data: bytes


def referral_import(
    *, actor: User, filename: str, data: bytes, office: str = "",
    photos: Mapping[str, UploadedPhoto] | None = None, at: dt.datetime | None = None,
) -> ReferralBatch:
    """Import one spreadsheet and return its batch with the report. A file that cannot be read as a referral sheet
    raises InvalidInput({"file": …}) and writes nothing; a bad row is only refused in the report.

    `photos`: the photo files sent with the sheet, by lower-cased file name (rows name them in 照片)."""
    if not actor.is_active or not actor.has_role(*IMPORTER_ROLES):
        raise ActionForbidden("只有派遣员可以导入上级交办问题")
    office = (office or "").strip()
    if len(office) > MAX_OFFICE:
        raise InvalidInput.one("office", f"最多 {MAX_OFFICE} 个字符")
    sheet = read_sheet(data, filename)
    if not office and "office" not in sheet.columns:
        raise InvalidInput.one("office", "表中没有「交办单位」列：请在导入时填写交办单位（如 市精致办）")
    photos = dict(photos or {})
    ctx = active_plan()
    parser = RowParser(ctx, region_index(), default_office=office, photo_names=set(photos))
    batch = ReferralBatch.objects.create(
        filename=(filename or "upload")[:255], sha256=hashlib.sha256(data).hexdigest(), office=office,
        imported_by=actor, imported_at=at or timezone.now(), rows=len(sheet.rows), columns=sheet.columns_json(),
    )
    # The referrals already on file among this sheet's numbers, in one query: a re-import costs one look-up, not one
    # per row. A row filed meanwhile by another import is still caught by the unique (office, reference).
    numbers = {cell_text(row.values.get("reference", "")) for row in sheet.rows}
    known = {(r.office, r.reference): r
             for r in Referral.objects.filter(reference__in=numbers).select_related("problem__unit")}
    report = [_import_row(actor, batch, row, parser, photos, known) for row in sheet.rows]
    outcomes = [r["outcome"] for r in report]
    batch.report = report
    batch.created, batch.existing, batch.refused = (outcomes.count(o) for o in ("created", "existing", "refused"))
    if not office:  # the sheet named its offices row by row: list them on the batch
        batch.office = "、".join(sorted({line["office"] for line in report if line.get("office")}))[:MAX_OFFICE]
    batch.save(update_fields=["report", "created", "existing", "refused", "office"])
    return batch


def _import_row(actor: User, batch: ReferralBatch, row: SheetRow, parser: RowParser,
                photos: Mapping[str, UploadedPhoto], known: dict[tuple[str, str], Referral]) -> dict:
    parsed, errors, notes = parser.parse(row)
    line = {"row": row.number, "reference": cell_text(row.values.get("reference", ""))[:100], "notes": notes}
    if parsed is None:
        return {**line, "outcome": "refused", "errors": errors}
    line.update(reference=parsed.reference, office=parsed.office)
    earlier = _existing(parsed, row, known.get((parsed.office, parsed.reference)))
    if earlier is not None:
        return {**line, **earlier}
    try:
        prepared = [_prepare(photos, name) for name in parsed.photo_names]
    except InvalidInput as exc:
        return {**line, "outcome": "refused", "errors": exc.errors}
    files: list[str] = []
    try:
        with transaction.atomic():
            problem, routed, referral = _file(actor, batch, row, parsed, prepared, files)
    except (IntegrityError, _FiledMeanwhile) as exc:
        _remove(files)
        earlier = _existing(parsed, row, _referral(parsed))  # another import filed this row at the same moment
        if earlier is not None:
            return {**line, **earlier}
        reason = str(exc) or f"写入冲突（{exc.__class__.__name__}），请重新导入"
        return {**line, "outcome": "refused", "errors": {"row": [reason]}}
    except InvalidInput as exc:
        _remove(files)
        return {**line, "outcome": "refused", "errors": exc.errors}
    except (ActionForbidden, TransitionRefused) as exc:
        _remove(files)
        return {**line, "outcome": "refused", "errors": {"row": [str(exc)]}}
    notes.extend(routed)
    known[(parsed.office, parsed.reference)] = referral  # the same number again further down this sheet
    return {**line, "outcome": "created", "problem": _problem_json(problem),
            "category": {"code": parsed.category.code, "name": parsed.category.name, "how": parsed.category_how},
            "place": parsed.place_how, "unit": _unit_json(problem)}


def _file(actor: User, batch: ReferralBatch, row: SheetRow, parsed: ParsedRow, photos: list[PreparedPhoto],
          files: list[str]) -> tuple[Problem, list[str], Referral]:
    """Report, route and record one row (inside the row's transaction)."""
    at = timezone.now()
    problem = lifecycle.problem_report(
        actor=actor, category=parsed.category.code, lat=parsed.lat, lng=parsed.lng, description=parsed.description,
        source=Source.REFERRAL, address=parsed.address, found_at=parsed.found_at, severity=parsed.severity,
        is_key=parsed.is_key, photos=photos, client_key=parsed.client_key, at=at,
    )
    if problem.reported_at != at:
        # This importer's key was filed before: by an import of this sheet running beside this one (its referral is
        # then on file too), or long ago with its referral since removed by hand. Never file or route it twice.
        raise _FiledMeanwhile(f"该交办编号已登记为问题 {problem.number}，但缺少交办记录，请联系管理员")
    if photos:
        for original, thumb in Photo.objects.filter(problem=problem).values_list("original", "thumbnail"):
            files += [original, thumb]
    problem, routed = _route(actor, problem, parsed)
    referral = Referral.objects.create(
        reference=parsed.reference, office=parsed.office, referred_on=parsed.referred_on, due_on=parsed.due_on,
        batch=batch, problem=problem, row=row.raw,
    )
    return problem, routed, referral


def _route(actor: User, problem: Problem, parsed: ParsedRow) -> tuple[Problem, list[str]]:
    """直派 to the suggested unit, or accept and dispatch to the unit the sheet names; notes for the report."""
    why = f"{parsed.office}交办（{parsed.reference}）"
    suggested, named = problem.suggested_unit, parsed.unit
    notes = []
    if named is None or (suggested is not None and named.id == suggested.id):
        if suggested is None:
            problem = lifecycle.problem_accept(actor=actor, problem_id=problem.id, note=why)
            notes.append("未能确定责任单位：已立案，等待派遣员派遣")
            return problem, notes
        problem = lifecycle.problem_fast_track(actor=actor, problem_id=problem.id, reason=why)
    else:
        lifecycle.problem_accept(actor=actor, problem_id=problem.id, note=why)
        problem = lifecycle.problem_dispatch(actor=actor, problem_id=problem.id, unit=named.code,
                                             reason=f"{why}指定责任单位")
        if suggested is not None:
            notes.append(f"按交办指定派往{named.name}（系统建议为{suggested.name}）")
    if parsed.due_on is not None and problem.due_at is not None:
        due = timezone.localtime(problem.due_at).date()
        if due > parsed.due_on:
            notes.append(f"方案整改时限 {due:%Y-%m-%d} 晚于交办时限 {parsed.due_on:%Y-%m-%d}，请督促提前完成")
    return problem, notes


def _referral(parsed: ParsedRow) -> Referral | None:
    return (Referral.objects.filter(office=parsed.office, reference=parsed.reference)
            .select_related("problem__unit").first())


def _existing(parsed: ParsedRow, row: SheetRow, referral: Referral | None) -> dict | None:
    if referral is None:
        return None
    line = {"outcome": "existing", "problem": _problem_json(referral.problem), "unit": _unit_json(referral.problem),
            "first_batch": referral.batch_id}
    changed = [h for h in sorted(set(row.raw) | set(referral.row)) if row.raw.get(h, "") != referral.row.get(h, "")]
    if changed:
        # A corrected sheet does not rewrite a problem already on its way: say so, so someone acts on it.
        parsed.notes.append(f"与首次导入时内容不同（{'、'.join(changed)}），未更新已登记的问题")
    return line


def _prepare(photos: Mapping[str, UploadedPhoto], name: str) -> PreparedPhoto:
    upload = photos[name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower()]
    return photo_prepare(upload.data, upload.name)


def _remove(files: list[str]) -> None:
    """Photo files written for a row whose transaction then rolled back."""
    for name in files:
        default_storage.delete(name)


def _problem_json(problem: Problem) -> dict:
    return {"id": problem.id, "number": problem.number, "status": str(problem.status),
            "status_name": problem.get_status_display()}


def _unit_json(problem: Problem) -> dict | None:
    unit = problem.unit
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def field_label(name: str) -> str:
    """The Chinese name of a report field (errors are keyed by our field names)."""
    return LABELS.get(name, name)
