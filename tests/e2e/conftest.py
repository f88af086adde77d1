"""End-to-end tests in a real browser: Debian's Chromium driven by Playwright (no browser download), against the app
served by pytest-django's live server.

The live server runs in another thread on a real database, so these tests are transactional: each loads the
reference data itself (the database is emptied after every test).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import jpeg, load_reference_data, point_in

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from test code are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1440, "height": 900}}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium (make browser)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def site(live_server, transactional_db, published_runs_removed_afterwards):
    """The live server with the demo geography, the Rongcheng plan and the demo accounts loaded."""
    load_reference_data()
    return live_server


@pytest.fixture
def open_as(browser, site):
    """A logged-in browser page for a demo account: open_as("inspector", phone=True)."""
    from django.conf import settings
    from django.test import Client

    from renju.accounts.models import User

    contexts = []

    def _open(username: str, *, phone: bool = False, geolocation: tuple[float, float] | None = None):
        client = Client()
        client.force_login(User.objects.get(username=username))
        options = dict(PHONE if phone else DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
        if geolocation:
            options.update(geolocation={"latitude": geolocation[0], "longitude": geolocation[1]},
                           permissions=["geolocation"])
        context = browser.new_context(base_url=site.url, **options)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site.url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        outside: list[str] = []
        local = (site.url, "data:", "blob:")
        page.on("request", lambda r: None if r.url.startswith(local) else outside.append(r.url))
        page.outside_requests = outside
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def photo_file(tmp_path):
    """A JPEG on disk, with EXIF place and time inside 崖头街道, for file inputs."""

    def _photo(name: str = "photo.jpg", seed: int = 1, region: str = "371082001") -> str:
        lat, lng = point_in(region)
        path = tmp_path / name
        path.write_bytes(jpeg(seed, lat=lat, lng=lng))
        return str(path)

    return _photo


@pytest.fixture
def published_runs_removed_afterwards(transactional_db):
    """A published assessment run is frozen by database triggers, deletes included, so the flush that empties the
    database after a browser test would fail on it: drop the triggers, remove the runs, and put the triggers back
    (the migration's own code both ways)."""
    yield
    from importlib import import_module

    from django.db import connection

    from renju.assessment.models import AssessmentRun, ScoreLine, StaffScore, UnitScore

    if not AssessmentRun.objects.exists():
        return
    frozen = import_module("renju.assessment.migrations.0002_published_runs_frozen")
    with connection.schema_editor() as editor:
        frozen.drop(None, editor)
    AssessmentRun.objects.update(replaces=None)  # a correction protects the version it replaces
    for model in (ScoreLine, UnitScore, StaffScore, AssessmentRun):
        model.objects.all().delete()
    with connection.schema_editor() as editor:
        frozen.create(None, editor)
