"""A month's scores as a pure function of the facts and the plan's rules (renju.plans.assessment_schema).

Every point taken or given is a `Line` naming its rule and problem; caps never silently drop points but show as
lines counted at less than their face value, so a unit can add its own score up from the list.
"""

from __future__ import annotations

from collections import defaultdict

from renju.assessment.facts import MonthFacts, ProblemFact
from renju.assessment.results import Line, MonthResult, UnitResult
from renju.assessment.timeline import Timeline, replay
from renju.plans.assessment_schema import Assessment, DeductionRule, Match

TOTAL_CAP_RULE = "total_cap"
NOT_COUNTED = ("rejected", "merged")


def assess(facts: MonthFacts, rules: Assessment) -> MonthResult:
    """Score every unit for the month: lines, counts, indicators, composite and final score (ranks: ranking.py)."""
    month = facts.month
    results = {u.id: UnitResult(unit_id=u.id, code=u.code, name=u.name, group=u.group, group_name=u.group_name,
                                group_position=u.group_position, position=u.position) for u in facts.units}
    for r in results.values():
        r.counts = dict.fromkeys(("found", "due", "closed", "on_time", "rework", "overdue", "relapse", "repeat",
                                  "self_check", "ledgered", "milestone_overdue", "rework_events"), 0)
    by_kind = {r.kind: r for r in rules.deductions if r.kind != "found"}
    found_rules = [r for r in rules.deductions if r.kind == "found"]
    pending = 0
    raw: list[Line] = []

    for p in facts.problems.values():
        t = replay(p.events, month.cutoff)
        if month.contains(p.found_at):
            if t.owner is None and t.status not in NOT_COUNTED:
                pending += 1
            elif t.owner in results and t.status not in NOT_COUNTED:
                _found(raw, results[t.owner], p, found_rules, rules)
        for episode in t.overdue:
            if month.contains(episode.start) and episode.unit_id in results and "overdue" in by_kind:
                rule = by_kind["overdue"]
                raw.append(Line(episode.unit_id, rule.code, rule.name, -rule.points, 0, episode.start,
                                f"整改期限 {_local(episode.due_at, month)} 已过仍未整改", p.id, p.number))
                results[episode.unit_id].counts["overdue"] += 1
        for at, unit_id in t.reworks:
            if month.contains(at) and unit_id in results and "rework" in by_kind:
                rule = by_kind["rework"]
                raw.append(Line(unit_id, rule.code, rule.name, -rule.points, 0, at, "核查未通过，返工", p.id, p.number))
                results[unit_id].counts["rework_events"] += 1
        _again(raw, results, facts, p, by_kind, month)
        _indicator_counts(results, p, t, month)

    for m in facts.milestones:
        rule = by_kind.get("milestone_overdue")
        if rule is None or m.unit_id not in results or not (month.start.date() <= m.due_on < month.end.date()):
            continue
        local_done = m.verified_at.astimezone(month.start.tzinfo).date() if m.verified_at else None
        if local_done is None or m.verified_at >= month.cutoff or local_done > m.due_on:
            raw.append(Line(m.unit_id, rule.code, rule.name, -rule.points, 0, None,
                            f"台账节点{m.position}「{m.title}」期限 {m.due_on:%Y-%m-%d} 未核查完成",
                            m.problem_id, m.problem_number))
            results[m.unit_id].counts["milestone_overdue"] += 1

    waived = {(a.unit_id, a.rule, a.problem_id): a for a in facts.adjustments if a.kind == "waive"}
    for line in raw:
        if (a := waived.get((line.unit_id, line.rule, line.problem_id))) is not None:
            line.reason += f"（已核减：{a.reason}）"
            line.points = 0.0
    _apply_caps(raw, rules, results)
    for a in facts.adjustments:
        if a.kind == "praise" and a.unit_id in results:
            results[a.unit_id].lines.append(Line(a.unit_id, "praise", "表扬加分", a.points, 0, None, a.reason))
    for r in results.values():
        _finish_unit(r, rules)
    _composite(results, rules)
    notes = [f"{pending} 个本月发现的问题截至 {_local(month.cutoff, month)} 尚未派遣，未计入"] if pending else []
    return MonthResult(period=month.code, label=month.label, cutoff=month.cutoff, units=list(results.values()),
                       notes=notes)


def _found(raw: list[Line], r: UnitResult, p: ProblemFact, found_rules: list[DeductionRule],
           rules: Assessment) -> None:
    r.counts["found"] += 1
    rule = next((fr for fr in found_rules if _matches(fr.match, p)), None)
    if rule is None:
        return
    points, reason = rule.points, f"{_SOURCE_NAMES.get(p.source, p.source)}发现"
    if p.self_check_unit_id == r.unit_id:
        r.counts["self_check"] += 1
        points *= rules.self_check_factor
        reason = f"自查自改（按 {rules.self_check_factor:g} 倍计）"
    raw.append(Line(r.unit_id, rule.code, rule.name, -points, 0, p.found_at, reason, p.id, p.number))


def _again(raw: list[Line], results: dict[int, UnitResult], facts: MonthFacts, p: ProblemFact, by_kind: dict,
           month) -> None:
    """A relapse or repeat counts against whoever owned the original, in the month it was found again."""
    if not month.contains(p.found_at):
        return
    for kind, original in (("relapse", p.relapse_of_id), ("repeat", p.repeat_of_id)):
        if original is None or kind not in by_kind:
            continue
        owner, number = facts.original_owners.get(original, (None, ""))
        if owner not in results:
            continue
        rule = by_kind[kind]
        what = "回头看发现反弹" if kind == "relapse" else "同一位置同类问题再次发现"
        raw.append(Line(owner, rule.code, rule.name, -rule.points, 0, p.found_at, f"{what}（原问题 {number}）",
                        p.id, p.number))
        results[owner].counts[kind] += 1


def _indicator_counts(results: dict[int, UnitResult], p: ProblemFact, t: Timeline, month) -> None:
    if t.owner not in results:
        return
    r = results[t.owner]
    if t.ledgered:
        if t.due is not None and month.contains(t.due):
            r.counts["ledgered"] += 1
        return
    if t.due is None or not month.contains(t.due):
        return
    r.counts["due"] += 1
    if t.closed:
        r.counts["closed"] += 1
        if not t.overdue:
            r.counts["on_time"] += 1
    if t.reworks:
        r.counts["rework"] += 1


def _apply_caps(raw: list[Line], rules: Assessment, results: dict[int, UnitResult]) -> None:
    """Per-rule caps in time order (the earliest lines count), then the cap on a unit's month total."""
    caps = {r.code: r.cap for r in rules.deductions if r.cap}
    used: dict[tuple[int, str], float] = defaultdict(float)
    for line in sorted(raw, key=lambda x: (x.at is None, x.at or 0, x.problem_number, x.rule)):
        cap = caps.get(line.rule)
        take = -line.points
        if cap is not None:
            take = max(0.0, min(take, cap - used[(line.unit_id, line.rule)]))
            if take < -line.points:
                line.reason += f"（本项每月最多扣 {cap:g} 分，已达上限）"
            used[(line.unit_id, line.rule)] += take
        line.counted = -round(take, 4)
        results[line.unit_id].lines.append(line)
    if rules.max_total_deduction:
        for r in results.values():
            total = -sum(x.counted for x in r.lines)
            if total > rules.max_total_deduction:
                back = round(total - rules.max_total_deduction, 4)
                r.lines.append(Line(r.unit_id, TOTAL_CAP_RULE, "扣分封顶", back, back, None,
                                    f"本月扣分合计 {total:g} 分，按每月最多扣 {rules.max_total_deduction:g} 分计"))


def _finish_unit(r: UnitResult, rules: Assessment) -> None:
    bonus_lines = [x for x in r.lines if x.rule == "praise"]
    bonus = sum(x.points for x in bonus_lines)
    counted_bonus = min(bonus, rules.max_bonus)
    for x in bonus_lines:
        x.counted = x.points
    if counted_bonus < bonus:
        r.lines.append(Line(r.unit_id, "bonus_cap", "加分封顶", counted_bonus - bonus, counted_bonus - bonus, None,
                            f"本月加分合计 {bonus:g} 分，按每月最多加 {rules.max_bonus:g} 分计"))
    r.bonus = round(counted_bonus, 4)
    r.deductions = round(-sum(x.counted for x in r.lines if x.rule not in ("praise", "bonus_cap")), 4)
    r.deduction_score = round(max(0.0, rules.base_score - r.deductions + r.bonus), 4)
    due = r.counts["due"]
    empty = rules.empty_rate
    r.rates = {
        "closure_rate": r.counts["closed"] / due if due else empty,
        "on_time_rate": r.counts["on_time"] / due if due else empty,
        "rework_rate": r.counts["rework"] / due if due else 1 - empty,
    }
    r.rates["rework_free_rate"] = 1 - r.rates["rework_rate"]


def _composite(results: dict[int, UnitResult], rules: Assessment) -> None:
    max_due: dict[str, int] = defaultdict(int)
    for r in results.values():
        max_due[r.group] = max(max_due[r.group], r.counts["due"])
    for r in results.values():
        scores = {}
        for ind in rules.indicators:
            if ind.code == "case_load":
                top = max_due[r.group]
                scores[ind.code] = 100.0 * (1 - r.counts["due"] / top) if top else 100.0
            else:
                scores[ind.code] = 100.0 * r.rates[ind.code]
        r.indicator_scores = {k: round(v, 4) for k, v in scores.items()}
        r.composite = round(sum(ind.weight * scores[ind.code] for ind in rules.indicators), 4)
        r.score = round(rules.deduction_weight * r.deduction_score + rules.composite_weight * r.composite, 2)


def _matches(match: Match, p: ProblemFact) -> bool:
    return ((not match.sources or p.source in match.sources)
            and (not match.visits or p.visit in match.visits)
            and (not match.severities or p.severity in match.severities)
            and (not match.categories or p.category in match.categories)
            and (not match.tasks or p.task in match.tasks)
            and (match.key is None or p.is_key == match.key))


def _local(at, month) -> str:
    return at.astimezone(month.start.tzinfo).strftime("%Y-%m-%d %H:%M")


_SOURCE_NAMES = {"inspection": "现场检查", "drone": "无人机", "video": "视频AI", "hotline": "12345热线",
                 "referral": "上级交办", "self_check": "自查"}
