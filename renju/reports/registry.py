"""Every report kind in one table: what it is called, which periods and formats it takes, who may have it, and the
function that makes it — for `renju report` and the download views alike.

A generator is a module-level function, imported only when its report is asked for:

    generate(period: Period | None, *, unit: Unit | None = None, problem: Problem | None = None,
             fmt: str = "docx", **options) -> bytes

It makes "docx" or "xlsx" (PDF is made here from the docx). `unit` and `problem` arrive resolved and already
permission-checked; options it may use or ignore: `base_url` (for links and QR codes) and `visible` (a Problem
queryset: what the asker may see). A kind whose module is missing answers "not available yet" instead of failing.
"""

from __future__ import annotations

import importlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from renju.plans.models import Unit
from renju.problems.models import Problem
from renju.reports.common import ReportError
from renju.reports.periods import Period

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "zip": "application/zip",
}
OFFICE_ROLES = ("dispatcher", "scorer", "leader", "admin")


class ReportNotAvailable(ReportError):
    """The report kind is registered but its module is not written yet (or cannot make this format here)."""


@dataclass(frozen=True)
class ReportKind:
    code: str  # as typed: notice-slip, supervision, weekly, monthly, annual
    name: str  # as printed in file names: 问题提示单 …
    generator: str  # "module:function", imported when first used
    formats: tuple[str, ...]  # what may be asked for, the default first; "pdf" is made from the docx
    period_kinds: tuple[str, ...]  # Period.kind values it accepts
    roles: tuple[str, ...]  # who may download it (handlers: only their own unit's and visible problems)
    takes_unit: bool = False
    takes_problem: bool = False

    def load(self) -> Callable[..., bytes]:
        module_name, function = self.generator.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise  # the module exists but something it imports does not: a real error, not "not yet"
            raise ReportNotAvailable(f"{self.code} report not available yet") from None
        generate = getattr(module, function, None)
        if generate is None:
            raise ReportNotAvailable(f"{self.code} report not available yet")
        return generate


REPORTS: dict[str, ReportKind] = {
    kind.code: kind for kind in (
        ReportKind("notice-slip", "问题提示单", "renju.reports.notice_slip:generate", ("docx", "pdf"),
                   ("day", "week", "month", "year"), (*OFFICE_ROLES, "handler"), takes_unit=True, takes_problem=True),
        ReportKind("supervision", "督办通知", "renju.reports.supervision:generate", ("docx", "pdf"),
                   ("week", "month"), (*OFFICE_ROLES, "handler"), takes_unit=True),
        ReportKind("weekly", "周调度", "renju.reports.weekly:generate", ("docx", "xlsx", "pdf"), ("week",),
                   OFFICE_ROLES),
        ReportKind("monthly", "月通报", "renju.reports.monthly:generate", ("docx", "pdf"), ("month",), OFFICE_ROLES),
        ReportKind("annual", "年总评", "renju.reports.annual:generate", ("docx", "xlsx", "pdf"), ("year",),
                   OFFICE_ROLES),
        ReportKind("scores", "考核得分表", "renju.reports.scores_xlsx:generate", ("xlsx",), ("month",), OFFICE_ROLES),
    )
}


@dataclass(frozen=True)
class Output:
    data: bytes
    filename: str  # Chinese, for Content-Disposition and `--out` defaults
    content_type: str


def report_kind(code: str) -> ReportKind:
    kind = REPORTS.get(code)
    if kind is None:
        raise ReportError(f"unknown report {code!r}; one of {', '.join(REPORTS)}")
    return kind


def produce(code: str, period: Period | None, *, unit: Unit | None = None, problem: Problem | None = None,
            fmt: str | None = None, **options) -> Output:
    """Make one report (in its first format unless `fmt` says). ReportError (ValueError) for a request that cannot
    be met, with the reason."""
    kind = report_kind(code)
    fmt = fmt or kind.formats[0]
    check_request(kind, period, unit=unit, problem=problem, fmt=fmt)
    generate = kind.load()
    data = generate(period, unit=unit, problem=problem, fmt="docx" if fmt == "pdf" else fmt, **options)
    is_zip = fmt != "xlsx" and not _is_docx(data)
    if fmt == "pdf":
        data = _to_pdf(data, is_zip)
    ext = "zip" if is_zip else fmt
    return Output(data=data, filename=filename(kind, period, unit=unit, problem=problem, ext=ext),
                  content_type=CONTENT_TYPES[ext])


def check_request(kind: ReportKind, period: Period | None, *, unit: Unit | None, problem: Problem | None,
                  fmt: str) -> None:
    if fmt not in kind.formats:
        raise ReportError(f"{kind.code} comes as {', '.join(kind.formats)}, not {fmt!r}")
    if problem is not None and not kind.takes_problem:
        raise ReportError(f"{kind.code} is not made for one problem")
    if unit is not None and not kind.takes_unit:
        raise ReportError(f"{kind.code} covers every unit; leave the unit out")
    if problem is None:
        if period is None:
            raise ReportError(f"{kind.code} needs a period, e.g. {_example(kind)}")
        if period.kind not in kind.period_kinds:
            raise ReportError(f"{kind.code} takes a {' or '.join(kind.period_kinds)} period such as {_example(kind)},"
                              f" not {period.code}")
    if kind.code == "notice-slip" and problem is None and unit is None:
        raise ReportError("notice-slip needs a problem (one slip) or a unit (its batch for the period)")


def _example(kind: ReportKind) -> str:
    examples = {"day": "2023-10-12", "week": "2023-W41", "month": "2023-10", "year": "2023"}
    return examples[kind.period_kinds[0]]


def filename(kind: ReportKind, period: Period | None, *, unit: Unit | None, problem: Problem | None,
             ext: str) -> str:
    parts = [kind.name]
    if problem is not None:
        parts.append(problem.number)
    else:
        if unit is not None:
            parts.append(unit.name)
        if period is not None:
            parts.append(period.label)
    return "-".join(parts) + f".{ext}"


def _is_docx(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "word/document.xml" in archive.namelist()


def _to_pdf(data: bytes, is_zip: bool) -> bytes:
    from renju.reports.office import OfficeUnavailable, docx_to_pdf_bytes

    try:
        if not is_zip:
            return docx_to_pdf_bytes(data)
        # A batch (every unit's supervision notice): the same zip with each document as PDF.
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for name in source.namelist():
                target.writestr(name.removesuffix(".docx") + ".pdf", docx_to_pdf_bytes(source.read(name)))
        return out.getvalue()
    except OfficeUnavailable as exc:
        raise ReportNotAvailable(str(exc)) from None
