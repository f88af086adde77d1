"""The same drone work sent twice at the same moment: one flight, each photo once, one problem."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from renju.accounts.models import User
from renju.drones.filing import flight_problem_file
from renju.drones.ingest import FlightFields, flight_upload
from renju.drones.models import DroneFlight, DronePhoto
from renju.problems.models import Problem
from tests.conftest import load_reference_data
from tests.drones.factories import flight_photos


def run_at_once(*calls) -> list:
    start = threading.Barrier(len(calls))
    results: list = []

    def run(call):
        try:
            start.wait()
            results.append(call())
        except Exception as exc:  # noqa: BLE001 — the test asserts on what came back, errors included
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True)
def test_the_same_flight_uploaded_twice_at_once_is_one_flight_with_each_photo_once():
    load_reference_data()
    users = {u.username: u for u in User.objects.all()}
    batches = [flight_photos(3), flight_photos(3)]
    results = run_at_once(*[
        (lambda files=files, who=who: flight_upload(actor=users[who], files=files, fields=FlightFields(code="RACE")))
        for files, who in zip(batches, ("inspector", "dispatcher"), strict=True)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert DroneFlight.objects.count() == 1 and DronePhoto.objects.count() == 3
    assert sum(len(r.added) for r in results) == 3


@pytest.mark.django_db(transaction=True)
def test_two_people_filing_the_same_photos_at_once_make_one_problem():
    load_reference_data()
    users = {u.username: u for u in User.objects.all()}
    flight = flight_upload(actor=users["inspector"], files=flight_photos(2)).flight
    ids = list(flight.photos.values_list("id", flat=True))
    results = run_at_once(
        lambda: flight_problem_file(actor=users["inspector"], flight=flight, photo_ids=ids, category="06010"),
        lambda: flight_problem_file(actor=users["dispatcher"], flight=flight, photo_ids=ids, category="06010"))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Problem.objects.count() == 1
    assert sorted(r.created for r in results) == [False, True]
    assert {r.problem.pk for r in results} == {Problem.objects.get().pk}
