"""Fixtures of the video channel: the AI platform's integration account, cameras, and alarms pushed as it would."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from renju.accounts.models import User, api_token_create
from tests.conftest import jpeg, point_in


@pytest.fixture
def robot(db):
    """The video-AI platform's account (role integration)."""
    return User.objects.create(username="video-ai", role="integration", first_name="视频AI平台")


@pytest.fixture
def camera(db):
    """Register a camera inside a region (崖头街道 by default)."""
    from renju.video.models import Camera

    def _camera(code: str = "CAM-001", region: str = "371082001", **overrides):
        lat, lng = point_in(region)
        values = dict(code=code, name=f"摄像头{code}", channel="1", lat=lat, lng=lng, address="成山大道与府新路路口")
        values.update(overrides)
        from renju.plans.geo import region_index

        values.setdefault("region_id", region_index().locate(values["lng"], values["lat"]))
        return Camera.objects.create(**values)

    return _camera


@pytest.fixture
def receive(robot):
    """Push one alarm through the intake as the platform; keyword arguments override the defaults."""
    from renju.video.intake import alarm_receive

    counter = iter(range(1, 1_000_000))

    def _receive(**overrides):
        values = dict(actor=robot, camera="CAM-001", alarm_id=f"A{next(counter):06d}", alarm_type="garbage_exposed",
                      occurred_at=timezone.now() - dt.timedelta(minutes=1), confidence=0.9, snapshot=jpeg(3))
        values.update(overrides)
        return alarm_receive(**values)

    return _receive


@pytest.fixture
def api_as(users, robot):
    """A bearer-token client for a demo account or "robot" (the platform)."""

    def _client(username: str) -> Client:
        user = robot if username == "robot" else users[username]
        return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")

    return _client


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
