"""Golden month: a hand-built October 2023 for four towns, scored with the Rongcheng plan's own rules.

Every expected figure below was worked out by hand from the rules in plans/rongcheng-2023.yaml (`assessment:`):
found 0.3 (covert 0.5, urgent 1.0), overdue 1.0, rework 0.5, relapse 2.0, ledger milestone 1.0, self-checks ×0;
final = 0.7 × (100 − deductions + bonus) + 0.3 × composite, composite = 0.1 立案数分值 + 0.3 结案率 + 0.3 按期结案率
+ 0.3 (1 − 返工率), 立案数分值 = 100 × (1 − due / the group's largest due).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from renju.assessment.facts import (
    AdjustmentFact,
    EventFact,
    MilestoneFact,
    Month,
    MonthFacts,
    ProblemFact,
    UnitInfo,
)
from renju.assessment.ranking import rank
from renju.assessment.scoring import assess
from renju.plans.assessment_schema import Assessment
from tests.conftest import BEIJING

PLAN = Path(__file__).resolve().parents[2] / "plans" / "rongcheng-2023.yaml"
A, B, C, D = 1, 2, 3, 4
INSPECTOR, DISPATCHER = 50, 51


def t(day: int, hour: int, minute: int = 0, month: int = 10) -> dt.datetime:
    return dt.datetime(2023, month, day, hour, minute, tzinfo=BEIJING)


OCTOBER = Month(2023, 10, t(1, 0), t(1, 0, month=11), cutoff=t(3, 17, 30, month=11))


@pytest.fixture(scope="module")
def rules() -> Assessment:
    return Assessment.model_validate(yaml.safe_load(PLAN.read_text(encoding="utf-8"))["assessment"])


class History:
    """Events as the lifecycle writes them: status, owner and deadline in force after each one."""

    def __init__(self) -> None:
        self.events: list[EventFact] = []

    def add(self, action: str, at: dt.datetime, status: str, unit: int | None = None,
            due: dt.datetime | None = None) -> History:
        self.events.append(EventFact(len(self.events) + 1, action, at, status, unit, due, DISPATCHER))
        return self

    def reported(self, at: dt.datetime) -> History:
        return self.add("report", at, "reported").add("accept", at + dt.timedelta(minutes=30), "accepted")


def problem(pid: int, found: dt.datetime, history: History, *, visit: str = "open", severity: str = "normal",
            source: str = "inspection", self_check: int | None = None, relapse_of: int | None = None) -> ProblemFact:
    return ProblemFact(pid, f"RC-{pid:04d}", "06010", 1, severity, source, visit, False, found, found, INSPECTOR,
                       self_check, relapse_of, None, tuple(history.events))


def october_facts(adjustments: list[AdjustmentFact] = ()) -> MonthFacts:
    p1 = problem(1, t(9, 9), History().reported(t(9, 9))
                 .add("dispatch", t(9, 10), "dispatched", A, t(11, 17, 30))
                 .add("rectify", t(10, 15), "rectified", A, t(11, 17, 30))
                 .add("verify", t(11, 9), "closed", A, t(11, 17, 30)))
    p2 = problem(2, t(16, 9), History().reported(t(16, 9))
                 .add("dispatch", t(16, 10), "dispatched", A, t(18, 17, 30))
                 .add("rectify", t(17, 10), "rectified", A, t(18, 17, 30))
                 .add("verify", t(18, 9), "rework", A, t(19, 9))
                 .add("rectify", t(18, 16), "rectified", A, t(19, 9))
                 .add("verify", t(19, 10), "closed", A, t(19, 9)), visit="covert")
    p3 = problem(3, t(10, 8), History().reported(t(10, 8))
                 .add("dispatch", t(10, 10), "dispatched", B, t(10, 16)), severity="urgent")
    p4 = problem(4, t(20, 9), History().reported(t(20, 9))
                 .add("dispatch", t(20, 10), "dispatched", C, t(23, 17, 30))
                 .add("return", t(20, 14), "returned", C, t(23, 17, 30))
                 .add("dispatch", t(20, 15), "dispatched", B, t(24, 17, 30))
                 .add("rectify", t(23, 10), "rectified", B, t(24, 17, 30))
                 .add("verify", t(24, 9), "closed", B, t(24, 17, 30)))
    p5 = problem(5, t(12, 9), History().reported(t(12, 9))
                 .add("dispatch", t(12, 10), "dispatched", C, t(16, 17, 30))
                 .add("rectify", t(13, 10), "rectified", C, t(16, 17, 30))
                 .add("verify", t(13, 15), "closed", C, t(16, 17, 30)), source="self_check", self_check=C)
    p6 = problem(6, t(25, 9), History().reported(t(25, 9))
                 .add("dispatch", t(25, 10), "dispatched", D, t(27, 17, 30))
                 .add("rectify", t(26, 10), "rectified", D, t(27, 17, 30))
                 .add("verify", t(27, 9), "closed", D, t(27, 17, 30)), relapse_of=100)
    p7 = problem(7, t(5, 9), History().reported(t(5, 9))
                 .add("dispatch", t(5, 10), "dispatched", D, t(9, 17, 30))
                 .add("ledger", t(6, 10), "ledgered", D, t(29, 17, 30, month=12)))
    problems = {p.id: p for p in (p1, p2, p3, p4, p5, p6, p7)}
    units = [UnitInfo(uid, code, name, "towns", "镇街", 0, uid)
             for uid, code, name in ((A, "a", "甲街道"), (B, "b", "乙街道"), (C, "c", "丙镇"), (D, "d", "丁镇"))]
    milestone = MilestoneFact(7, "RC-0007", 1, "拆除旧棚", dt.date(2023, 10, 20), None, D)
    return MonthFacts(OCTOBER, units, problems, original_owners={100: (C, "RC-0100")}, milestones=[milestone],
                      adjustments=list(adjustments))


def scored(rules: Assessment, adjustments=(), history=({"b", "x"},)):
    result = assess(october_facts(adjustments), rules)
    rank(result, rules, history)
    return {u.code: u for u in result.units}


def test_each_units_deductions_are_the_hand_counted_lines(rules):
    units = scored(rules)
    lines = {code: sorted((x.rule, x.problem_number, x.counted) for x in u.lines) for code, u in units.items()}
    assert lines["a"] == [("found", "RC-0001", -0.3), ("found_covert", "RC-0002", -0.5),
                          ("rework", "RC-0002", -0.5)]
    # P3 urgent and never fixed: found 1.0 and one missed deadline; P4 was returned by 丙镇 and fixed by 乙街道.
    assert lines["b"] == [("found", "RC-0004", -0.3), ("found_urgent", "RC-0003", -1.0),
                          ("overdue", "RC-0003", -1.0)]
    # 丙镇's own self-check costs nothing (factor 0); the relapse of its earlier fix costs 2.
    assert lines["c"] == [("found", "RC-0005", 0.0), ("relapse", "RC-0006", -2.0)]
    assert lines["d"] == [("found", "RC-0006", -0.3), ("found", "RC-0007", -0.3),
                          ("milestone_overdue", "RC-0007", -1.0)]


def test_indicator_counts_follow_the_final_owner(rules):
    units = scored(rules)
    assert {c: (u.counts["due"], u.counts["closed"], u.counts["on_time"], u.counts["rework"])
            for c, u in units.items()} == {"a": (2, 2, 2, 1), "b": (2, 1, 1, 0), "c": (1, 1, 1, 0),
                                           "d": (1, 1, 1, 0)}
    assert units["d"].counts["ledgered"] == 1  # P7 left the due count for the ledger


def test_scores_match_the_hand_computation(rules):
    units = scored(rules)
    # deduction score, composite, final (0.7 × deduction score + 0.3 × composite)
    # a: 100 − 1.3 = 98.7; composite 0.1×0 + 0.3×100 + 0.3×100 + 0.3×50 = 75; 69.09 + 22.5 = 91.59
    # b: 100 − 2.3 = 97.7; composite 0 + 15 + 15 + 30 = 60; 68.39 + 18 = 86.39
    # c: 100 − 2.0 = 98.0; composite 0.1×50 + 90 = 95; 68.6 + 28.5 = 97.1
    # d: 100 − 1.6 = 98.4; composite 95; 68.88 + 28.5 = 97.38
    expected = {"a": (98.7, 75.0, 91.59), "b": (97.7, 60.0, 86.39), "c": (98.0, 95.0, 97.1),
                "d": (98.4, 95.0, 97.38)}
    for code, figures in expected.items():
        u = units[code]
        assert (u.deduction_score, u.composite, u.score) == pytest.approx(figures), code


def test_ranks_praise_bottom_and_escalation(rules):
    units = scored(rules)
    assert {c: u.rank for c, u in units.items()} == {"d": 1, "c": 2, "a": 3, "b": 4}
    assert [c for c, u in units.items() if u.praised] == ["d"]
    assert sorted(c for c, u in units.items() if u.bottom) == ["a", "b"]
    # 乙街道 was in the bottom two last month too: two months running → escalated; 甲街道 only this month.
    assert [c for c, u in units.items() if u.escalated] == ["b"]


def test_no_escalation_without_a_published_previous_month(rules):
    units = scored(rules, history=())
    assert not any(u.escalated for u in units.values())


def test_waiving_a_deduction_and_praise_change_the_score_and_say_why(rules):
    adjustments = [AdjustmentFact(1, B, "waive", 0, "overdue", 3, "暴雨停工，申诉成立"),
                   AdjustmentFact(2, B, "praise", 2, "", None, "迎检工作突出")]
    b = scored(rules, adjustments)["b"]
    overdue = next(x for x in b.lines if x.rule == "overdue")
    assert overdue.counted == 0 and "暴雨停工" in overdue.reason
    # 100 − 1.3 + 2 = 100.7; 0.7 × 100.7 + 0.3 × 60 = 70.49 + 18 = 88.49
    assert (b.deductions, b.bonus, b.score) == pytest.approx((1.3, 2.0, 88.49))


def test_the_found_cap_counts_the_earliest_problems_first(rules):
    facts = october_facts()
    many = {}
    for i in range(70):
        found = t(2, 8) + dt.timedelta(hours=i)
        many[1000 + i] = problem(1000 + i, found, History().reported(found)
                                 .add("dispatch", found + dt.timedelta(hours=1), "dispatched", A,
                                      t(30, 17, 30)))
    facts.problems.update(many)
    a = next(u for u in assess(facts, rules).units if u.code == "a")
    found = [x for x in a.lines if x.rule == "found"]
    # 71 problems at 0.3 with a cap of 20: the first 66 count 0.3 (19.8), the 67th 0.2, the rest nothing.
    assert [x.counted for x in found[:66]] == [-0.3] * 66
    assert found[66].counted == pytest.approx(-0.2)
    assert all(x.counted == 0 for x in found[67:]) and "上限" in found[67].reason
    assert sum(x.counted for x in found) == pytest.approx(-20)


def test_equal_scores_are_split_by_on_time_rate_then_share_a_rank(rules):
    result = assess(october_facts(), rules)
    a, b, c, d = sorted(result.units, key=lambda u: u.unit_id)
    a.score = b.score = c.score = d.score = 90.0
    b.rates["on_time_rate"] = 0.9  # a, c, d: 1.0
    rank(result, rules)
    assert (a.rank, c.rank, d.rank, b.rank) == (1, 1, 1, 4)
    assert a.tied and c.tied and d.tied and not b.tied
    # "the bottom two" is by rank (rank > 4 − 2): the three sharing first place are out of it
    assert [u.code for u in result.units if u.bottom] == ["b"]


def test_rescoring_the_same_facts_gives_the_same_result(rules):
    first = scored(rules)
    again = scored(rules)
    assert {c: (u.score, u.rank, [(x.rule, x.counted) for x in u.lines]) for c, u in first.items()} == \
        {c: (u.score, u.rank, [(x.rule, x.counted) for x in u.lines]) for c, u in again.items()}


def test_events_after_the_cutoff_change_nothing(rules):
    facts = october_facts()
    late = facts.problems[3]
    history = History()
    history.events = list(late.events)
    history.add("rectify", t(10, 9, month=11), "rectified", B, t(10, 16))
    facts.problems[3] = ProblemFact(*[getattr(late, f) for f in late.__slots__[:-1]], tuple(history.events))
    b = next(u for u in assess(facts, rules).units if u.code == "b")
    assert any(x.rule == "overdue" for x in b.lines)
