"""Fixtures for the drone tests: logged-in clients (session or API token) and the plan's drone limits made small."""

from __future__ import annotations

import pytest
from django.test import Client

from renju.accounts.models import api_token_create


@pytest.fixture
def drone_limits(monkeypatch):
    """Set the plan's `intake.drone` values for one test (restored afterwards)."""
    from renju.plans.active import active_plan

    def _set(**values):
        section = active_plan().plan.intake.setdefault("drone", {})
        for key, value in values.items():
            monkeypatch.setitem(section, key, value)

    return _set


@pytest.fixture
def client_as(users):
    def _client(username: str) -> Client:
        client = Client()
        client.force_login(users[username])
        return client

    return _client


@pytest.fixture
def api_as(users):
    def _client(username: str) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=users[username])}")

    return _client
