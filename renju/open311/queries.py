"""Which problems an Open311 caller may see, and GET requests' filters as one query.

Visibility, decided once for every Open311 read (requests, one request, updates):
- no api_key: the public requests only — not 暗访 (covert) inspections, whose point is that nobody is warned, not
  referrals from higher offices (上级交办, internal correspondence), not units' self-checks (自查, internal work);
- an integration account (12345, a citizens' app): the public requests and every request it filed itself;
- a unit handler: only the unit's own problems, exactly as in the app (`visible_to`);
- dispatchers, inspectors, leaders, scorers, admins: everything, as in the app.
Reporters, callers and submitters are never part of any answer (see privacy.py).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from renju.accounts.models import Role, User
from renju.open311.errors import Open311Error
from renju.open311.params import Page, Window
from renju.open311.present import CLOSED_STATES, ROW_FIELDS
from renju.plans.active import PlanContext
from renju.problems.models import Problem, Source, Visit

NOT_PUBLIC = Q(source__in=(Source.REFERRAL, Source.SELF_CHECK)) | Q(visit=Visit.COVERT)


def visible_problems(user: User | None) -> QuerySet:
    if user is None:
        return Problem.objects.exclude(NOT_PUBLIC)
    if user.role == Role.INTEGRATION:
        return Problem.objects.filter(~NOT_PUBLIC | Q(reporter=user))
    return Problem.objects.visible_to(user)


def visible_problem_q(user: User | None, prefix: str = "") -> Q | None:
    """The same rule as a condition on a related problem (`prefix` = "problem__"); None = no condition."""
    if user is None:
        return ~_prefixed(NOT_PUBLIC, prefix)
    if user.role == Role.INTEGRATION:
        return ~_prefixed(NOT_PUBLIC, prefix) | Q(**{f"{prefix}reporter": user})
    if not user.is_active:
        return Q(pk__in=[])
    if user.role == Role.HANDLER:
        return Q(**{f"{prefix}unit_id": user.unit_id}) | Q(**{f"{prefix}self_check_unit_id": user.unit_id})
    return None


def _prefixed(q: Q, prefix: str) -> Q:
    """`q` with every lookup under `prefix` (a Q is a small tree of (lookup, value) pairs and nested Qs)."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    out.children = [_prefixed(c, prefix) if isinstance(c, Q) else (prefix + c[0], c[1]) for c in q.children]
    return out


def service_requests(user: User | None, ctx: PlanContext, *, ids: list[str], codes: list[str], statuses: list[str],
                     window: Window, page: Page) -> tuple[list[dict], bool]:
    """One page of rows, newest first, and whether another page follows. `ids` overrides every other filter (the
    spec says so); visibility always applies."""
    rows = visible_problems(user)
    if ids:
        rows = rows.filter(number__in=ids)
    else:
        rows = rows.filter(reported_at__gte=window.start, reported_at__lte=window.end)
        if codes:
            unknown = [c for c in codes if c not in ctx.categories]
            if unknown:
                raise Open311Error(404, *[f"service_code {c!r} not found" for c in unknown])
            rows = rows.filter(category_id__in=[ctx.categories[c].id for c in codes])
        bad = [s for s in statuses if s not in ("open", "closed")]
        if bad:
            raise Open311Error.bad("status", f"{', '.join(bad)}: use open, closed or both")
        if set(statuses) == {"open"}:
            rows = rows.exclude(status__in=CLOSED_STATES)
        elif set(statuses) == {"closed"}:
            rows = rows.filter(status__in=CLOSED_STATES)
    found = list(rows.order_by("-reported_at", "-id").values(*ROW_FIELDS)[page.offset: page.offset + page.size + 1])
    return found[: page.size], len(found) > page.size


def one_request(user: User | None, number: str) -> dict:
    found = list(visible_problems(user).filter(number=number).order_by().values(*ROW_FIELDS)[:1])
    row = found[0] if found else None
    if row is None:
        raise Open311Error(404, f"service_request_id {number!r} not found")
    return row
