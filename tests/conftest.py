"""Shared fixtures: the demo geography, the real Rongcheng plan and the demo accounts, loaded once per run.

Every database test runs inside a transaction that is rolled back, so tests start from that same state.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
PLAN_FILE = ROOT / "plans" / "rongcheng-2023.yaml"
REGIONS_FILE = ROOT / "plans" / "regions" / "rongcheng-demo.geojson"
BEIJING = ZoneInfo("Asia/Shanghai")

# Grid points inside the demo geography, looked up once from the file so tests do not hard-code coordinates.
_points: dict[str, tuple[float, float]] = {}


def pytest_configure(config) -> None:
    # Password hashing at production strength would spend most of the suite's time creating demo accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load_reference_data() -> None:
    from renju.accounts.demo import demo_users_ensure
    from renju.plans.plan_loader import plan_load
    from renju.plans.region_loader import regions_load

    regions_load(REGIONS_FILE)
    result = plan_load(PLAN_FILE)
    demo_users_ensure(result.plan)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture(autouse=True)
def fresh_caches():
    """Each test sees the database as it is: a rolled-back plan or region load must not linger in memory."""
    from renju.plans.active import forget_active_plan
    from renju.plans.geo import forget_region_index

    forget_active_plan()
    forget_region_index()
    yield
    forget_active_plan()
    forget_region_index()


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def users(db):
    from renju.accounts.models import User

    return {u.username: u for u in User.objects.select_related("unit")}


def point_in(region_code: str) -> tuple[float, float]:
    """(lat, lng) of a point well inside the region (its representative point)."""
    if region_code not in _points:
        from shapely.geometry import shape

        from renju.plans.models import Region

        geom = shape(Region.objects.get(code=region_code).boundary)
        p = geom.representative_point()
        _points[region_code] = (round(p.y, 6), round(p.x, 6))
    return _points[region_code]


def jpeg(seed: int = 1, **kwargs) -> bytes:
    from renju.problems.demo_photos import synthetic_jpeg

    return synthetic_jpeg(seed=seed, **kwargs)


def prepared_photo(seed: int = 1, **kwargs):
    from renju.problems.photos import photo_prepare

    return photo_prepare(jpeg(seed, **kwargs), f"photo{seed}.jpg")


def beijing(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BEIJING)


@pytest.fixture
def report(users):
    """File a problem as the inspector; keyword arguments override the defaults."""
    from renju.problems import lifecycle

    def _report(**overrides):
        lat, lng = point_in(overrides.pop("region", "371082001"))
        values = dict(
            actor=users["inspector"], category="06010", lat=lat, lng=lng,
            description="路边暴露垃圾", source="inspection", photos=[prepared_photo(1)],
        )
        values.update(overrides)
        return lifecycle.problem_report(**values)

    return _report


@pytest.fixture
def dispatched(report, users):
    """A problem reported, accepted and dispatched to its suggested unit."""
    from renju.problems import lifecycle

    def _dispatched(**overrides):
        problem = report(**overrides)
        lifecycle.problem_accept(actor=users["dispatcher"], problem_id=problem.id)
        return lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=problem.id)

    return _dispatched
