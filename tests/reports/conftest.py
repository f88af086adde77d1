"""A small hand-built week, ISO 2023-W41 (Monday 9 to Sunday 15 October 2023), whose figures are worked out below.

06010 暴露垃圾 has a limit of 4 working hours (08:30–12:00, 13:30–17:30); 崖头街道 (region 371082001, handler
`yatou`) and 城西街道 (371082002, `chengxi`) answer for their streets.

    A  崖头  found Mon 09:00, dispatched 10:00 (due Mon 15:30), rectified only on Tue 17 Oct → overdue at week's end
    B  崖头  found Tue 09:00, dispatched 09:30, rectified 11:00, verified Thu → closed in the week
    C  崖头  found Wed 09:00, key, dispatched 10:00, rectified Fri (late), not verified → key and open at week's end
    D  崖头  found Sat 7 Oct (a make-up workday, week 40), dispatched that day, rectified Fri 13 Oct
    E  城西  found Fri 15:00, dispatched 16:00 (due Mon 16 Oct 11:00) → not overdue at week's end
    F  城西  found Sun 15 Oct, reported only (not dispatched by the week's end)
    G  崖头  found Mon 16 Oct (week 42): not in the week at all

Week 41, by the unit that had each problem at the week's end:
    崖头街道  new 3 (A B C), dispatched 3 (A B C), rectified 3 (B C D), closed 1 (B), overdue 1 (A), key open 1 (C)
    城西街道  new 1 (E), dispatched 1 (E), nothing else
    not dispatched: new 1 (F)
A is overdue by Mon 15:30–17:30 (2 h) + Tue–Fri (4 × 7.5 h) = 32 working hours = 4 whole working days of 7.5 h.
"""

from __future__ import annotations

import pytest

from renju.problems import lifecycle
from tests.conftest import beijing, prepared_photo

YATOU, CHENGXI = "371082001", "371082002"


@pytest.fixture
def week41(report, users):
    dispatcher, inspector = users["dispatcher"], users["inspector"]

    def filed(region: str, found: tuple, *, key: bool = False, address: str = "", photo_seed: int = 1,
              dispatch_at: tuple | None = None, description: str = "路边暴露垃圾"):
        at = beijing(*found)
        problem = report(region=region, at=at, found_at=at, is_key=key, address=address, description=description,
                         photos=[prepared_photo(photo_seed)])
        if dispatch_at is not None:
            lifecycle.problem_accept(actor=dispatcher, problem_id=problem.id, at=beijing(*dispatch_at))
            problem = lifecycle.problem_dispatch(actor=dispatcher, problem_id=problem.id, at=beijing(*dispatch_at))
        return problem

    def rectify(problem, handler: str, *when: int):
        return lifecycle.problem_rectify(actor=users[handler], problem_id=problem.id, note="已清理",
                                         photos=[prepared_photo(50 + problem.id % 40)], at=beijing(*when))

    a = filed(YATOU, (2023, 10, 9, 9, 0), address="成山大道88号", dispatch_at=(2023, 10, 9, 10, 0),
              description="成山大道路边绿化带内暴露垃圾，面积约2平方米")
    b = filed(YATOU, (2023, 10, 10, 9, 0), photo_seed=2, dispatch_at=(2023, 10, 10, 9, 30))
    c = filed(YATOU, (2023, 10, 11, 9, 0), key=True, photo_seed=3, dispatch_at=(2023, 10, 11, 10, 0))
    d = filed(YATOU, (2023, 10, 7, 9, 0), photo_seed=4, dispatch_at=(2023, 10, 7, 10, 0))
    e = filed(CHENGXI, (2023, 10, 13, 15, 0), photo_seed=5, dispatch_at=(2023, 10, 13, 16, 0))
    f = filed(CHENGXI, (2023, 10, 15, 10, 0), photo_seed=6)
    g = filed(YATOU, (2023, 10, 16, 9, 0), photo_seed=7, dispatch_at=(2023, 10, 16, 9, 30))
    rectify(b, "yatou", 2023, 10, 10, 11, 0)
    lifecycle.problem_verify(actor=inspector, problem_id=b.id, result="pass", at=beijing(2023, 10, 12, 10, 0))
    rectify(c, "yatou", 2023, 10, 13, 9, 0)
    rectify(d, "yatou", 2023, 10, 13, 10, 0)
    rectify(a, "yatou", 2023, 10, 17, 9, 0)  # after the week: A was still overdue when it ended
    return {name: p.__class__.objects.get(pk=p.pk) for name, p in zip("ABCDEFG", (a, b, c, d, e, f, g), strict=True)}


def require_office() -> None:
    """The rendering tests need LibreOffice and poppler, which `make test` installs. Missing, they fail — a silent
    skip would hide a broken install — unless the developer opts out with RENJU_TESTS_WITHOUT_OFFICE=1."""
    import os
    import shutil

    from renju.reports.office import libreoffice_available

    missing = [name for name, ok in (("LibreOffice (soffice)", libreoffice_available()),
                                     ("poppler-utils (pdftoppm)", shutil.which("pdftoppm") is not None)) if not ok]
    if not missing:
        return
    message = f"{' and '.join(missing)} not installed; run `make office`"
    if os.environ.get("RENJU_TESTS_WITHOUT_OFFICE") == "1":
        pytest.skip(message + " (skipped: RENJU_TESTS_WITHOUT_OFFICE=1)")
    pytest.fail(message)
