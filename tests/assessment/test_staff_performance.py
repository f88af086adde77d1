"""Work-team staff performance from the same event log, worked out by hand (working hours 8:30–12:00, 13:30–17:30;
dispatch within 4 working hours, verification within 8; weights from the Rongcheng plan).

inspector: 3 reports, 2 accepted, 1 rejected → valid 2/3; 1 verification 1.5 working hours after the fix → on time;
volume 3/60. Score 100 × (0.3 × 0.05 + 0.4 × 2/3 + 0.3 × 1) = 58.17 → 不合格.
inspector2: no reports (valid rate counts as 100%), 1 verification 15 working hours after the fix → late.
Score 100 × (0 + 0.4 × 1 + 0) = 40 → 不合格.
dispatcher: 3 dispatches — on time, 12 working hours late (and returned), on time 30 minutes after the return:
on time 2/3, accurate 2/3 → 66.67 → 合格.
"""

from __future__ import annotations

import pytest

from renju.assessment.runs import compute_month
from renju.plans.active import active_plan
from renju.problems import lifecycle
from tests.conftest import beijing, prepared_photo

pytestmark = pytest.mark.django_db


def test_inspector_and_dispatcher_scores_follow_the_hand_computation(report, users):
    d, insp = users["dispatcher"], users["inspector"]
    p1 = report(at=beijing(2023, 10, 9, 9))
    lifecycle.problem_accept(actor=d, problem_id=p1.id, at=beijing(2023, 10, 9, 9, 20))
    lifecycle.problem_dispatch(actor=d, problem_id=p1.id, unit="yatou", reason="测试", at=beijing(2023, 10, 9, 9, 40))
    lifecycle.problem_rectify(actor=users["yatou"], problem_id=p1.id, note="已清理", photos=[prepared_photo(2)],
                              at=beijing(2023, 10, 9, 11))
    lifecycle.problem_verify(actor=insp, problem_id=p1.id, result="pass", at=beijing(2023, 10, 9, 14))

    p2 = report(at=beijing(2023, 10, 10, 9))
    lifecycle.problem_reject(actor=d, problem_id=p2.id, reason="不在整治范围", at=beijing(2023, 10, 10, 9, 30))

    p3 = report(at=beijing(2023, 10, 11, 9))
    lifecycle.problem_accept(actor=d, problem_id=p3.id, at=beijing(2023, 10, 11, 9, 10))
    lifecycle.problem_dispatch(actor=d, problem_id=p3.id, unit="chengxi", reason="测试", at=beijing(2023, 10, 12, 15))
    lifecycle.problem_return(actor=users["chengxi"], problem_id=p3.id, reason="不属本辖区",
                             at=beijing(2023, 10, 12, 16))
    lifecycle.problem_dispatch(actor=d, problem_id=p3.id, unit="yatou", reason="改派",
                               at=beijing(2023, 10, 12, 16, 30))
    lifecycle.problem_rectify(actor=users["yatou"], problem_id=p3.id, note="已清理", photos=[prepared_photo(3)],
                              at=beijing(2023, 10, 13, 10))
    lifecycle.problem_verify(actor=users["inspector2"], problem_id=p3.id, result="pass",
                             at=beijing(2023, 10, 17, 10))

    staff = {s.username: s for s in compute_month(active_plan().plan, "2023-10").staff}
    assert staff["inspector"].indicators == pytest.approx(
        {"report_volume": 0.05, "valid_report_rate": 2 / 3, "on_time_verify_rate": 1.0}, abs=1e-4)
    assert (staff["inspector"].score, staff["inspector"].grade) == (58.17, "不合格")
    assert staff["inspector2"].indicators["on_time_verify_rate"] == 0
    assert (staff["inspector2"].score, staff["inspector2"].grade) == (40.0, "不合格")
    assert staff["dispatcher"].counts == {"dispatched": 3, "dispatched_on_time": 2, "returned": 1}
    assert (staff["dispatcher"].score, staff["dispatcher"].grade) == (66.67, "合格")
