"""Evidence you can trust: after-photos are checked for place, time and reuse on another problem; doubtful ones are
flagged with the reason and never refused."""

from __future__ import annotations

import datetime as dt
import importlib
import io

import pytest
from django.apps import apps
from django.utils import timezone
from PIL import Image

from renju.problems import lifecycle
from renju.problems.evidence import CLOCK_TOLERANCE, DUPLICATE_MAX_BITS, place_flags, time_flags
from renju.problems.models import Photo, ProblemEvent, Status
from renju.problems.phash_index import (
    BAND_FIELDS,
    band_neighbours,
    exact_up_to,
    hash_bands,
    phash_columns,
    phash_lookup,
    phash_of_bytes,
    to_signed,
    to_unsigned,
)
from renju.problems.photos import photo_prepare
from tests.conftest import beijing, jpeg

NOW = beijing(2024, 5, 20, 10, 0)
# About 1 m of latitude, in degrees.
METRE = 1 / 111_195


def resized_and_recompressed(data: bytes, *, factor: float = 0.5, quality: int = 60) -> bytes:
    """The same picture as a messaging app would pass it on: smaller and re-compressed, EXIF dropped."""
    with Image.open(io.BytesIO(data)) as image:
        small = image.resize((int(image.width * factor), int(image.height * factor)))
        out = io.BytesIO()
        small.save(out, "JPEG", quality=quality)
    return out.getvalue()


def after_photo(seed: int, problem=None, *, taken_at=None, metres_north: float = 0, data: bytes | None = None,
                gps: bool = True):
    """A prepared after-photo, by default taken at the problem's place; `data` replaces the synthetic picture."""
    if data is None:
        lat = problem.lat + metres_north * METRE if problem is not None and gps else None
        lng = problem.lng if problem is not None and gps else None
        data = jpeg(seed, lat=lat, lng=lng, taken_at=taken_at, after=True)
    return photo_prepare(data, f"after{seed}.jpg")


def handler_of(problem, users):
    return users[problem.unit.code]


# ---------------------------------------------------------------- the rules, as pure functions


def test_a_photo_taken_within_the_allowed_distance_raises_no_doubt():
    assert place_flags(37.0 + 140 * METRE, 122.4, 37.0, 122.4, max_metres=150) == []


def test_a_photo_taken_farther_than_the_allowed_distance_is_flagged_with_how_far():
    (flag,) = place_flags(37.0 + 160 * METRE, 122.4, 37.0, 122.4, max_metres=150)
    assert flag["code"] == "far" and flag["metres"] == 160
    assert "160 米" in flag["message"] and "150 米" in flag["message"]


def test_a_photo_far_away_is_described_in_kilometres():
    (flag,) = place_flags(37.1, 122.4, 37.0, 122.4, max_metres=150)
    assert "11.1 公里" in flag["message"]


def test_a_photo_without_a_position_is_flagged_as_such():
    (flag,) = place_flags(None, None, 37.0, 122.4, max_metres=150)
    assert flag["code"] == "no_position" and "GPS" in flag["message"]


def test_a_photo_taken_after_the_dispatch_and_before_sending_raises_no_doubt():
    assert time_flags(NOW - dt.timedelta(hours=1), since=NOW - dt.timedelta(hours=5), since_name="派遣",
                      submitted_at=NOW) == []


def test_a_photo_stamped_just_inside_the_clock_tolerance_before_the_dispatch_is_accepted():
    dispatched = NOW - dt.timedelta(hours=5)
    taken = dispatched - CLOCK_TOLERANCE + dt.timedelta(seconds=1)
    assert time_flags(taken, since=dispatched, since_name="派遣", submitted_at=NOW) == []


def test_a_photo_taken_before_the_dispatch_beyond_the_tolerance_is_flagged_with_both_times():
    dispatched = NOW - dt.timedelta(hours=5)
    taken = dispatched - CLOCK_TOLERANCE - dt.timedelta(seconds=1)
    (flag,) = time_flags(taken, since=dispatched, since_name="派遣", submitted_at=NOW)
    assert flag["code"] == "too_early"
    assert "2024-05-20 04:54" in flag["message"] and "派遣时间 2024-05-20 05:00" in flag["message"]


def test_a_photo_stamped_in_the_future_of_its_sending_is_flagged_only_beyond_the_tolerance():
    since = NOW - dt.timedelta(hours=5)
    assert time_flags(NOW + CLOCK_TOLERANCE, since=since, since_name="派遣", submitted_at=NOW) == []
    (flag,) = time_flags(NOW + dt.timedelta(hours=2), since=since, since_name="派遣", submitted_at=NOW)
    assert flag["code"] == "future" and "晚于提交时间" in flag["message"]


def test_a_photo_without_a_time_is_flagged_as_such():
    (flag,) = time_flags(None, since=NOW, since_name="派遣", submitted_at=NOW)
    assert flag["code"] == "no_time"


# ---------------------------------------------------------------- the perceptual hash and its index


def test_the_hash_survives_resizing_to_half_and_recompressing_at_quality_60():
    for seed in (1, 2, 3):
        original = phash_of_bytes(jpeg(seed))
        copy = phash_of_bytes(resized_and_recompressed(jpeg(seed)))
        assert (original ^ copy).bit_count() <= DUPLICATE_MAX_BITS


def test_different_pictures_hash_far_apart():
    hashes = [phash_of_bytes(jpeg(seed)) for seed in (1, 2, 3, 4)]
    for i, a in enumerate(hashes):
        for b in hashes[i + 1:]:
            assert (a ^ b).bit_count() > DUPLICATE_MAX_BITS


def test_a_hash_is_stored_signed_and_read_back_unchanged():
    for value in (0, 1, (1 << 63) - 1, 1 << 63, (1 << 64) - 1, 0xDEADBEEF12345678):
        columns = phash_columns(value)
        assert -(1 << 63) <= columns["phash"] < 1 << 63
        assert to_unsigned(columns["phash"]) == value
        assert [columns[f] for f in BAND_FIELDS] == list(hash_bands(value))
    assert hash_bands(0x0001_0002_0003_FFFF) == (1, 2, 3, 0xFFFF)
    assert to_signed((1 << 64) - 1) == -1


def test_two_bits_per_band_enumerate_137_values_and_find_every_hash_within_11_bits():
    assert len(set(band_neighbours(0xABCD, 2))) == 1 + 16 + 120
    assert all((v ^ 0xABCD).bit_count() <= 2 for v in band_neighbours(0xABCD, 2))
    assert exact_up_to(DUPLICATE_MAX_BITS // 4) >= DUPLICATE_MAX_BITS


def _store_hash(problem, value: int) -> Photo:
    photo = Photo.objects.filter(problem=problem).first()
    Photo.objects.filter(pk=photo.pk).update(**phash_columns(value))
    return photo


def _flip(value: int, bits: list[int]) -> int:
    for b in bits:
        value ^= 1 << b
    return value


@pytest.mark.django_db
def test_the_lookup_finds_stored_hashes_at_every_distance_up_to_the_threshold_and_none_beyond(report):
    query = 0x1234_5678_9ABC_DEF0
    # Distance 8 spread 2-2-2-2 over the four bands is the case a one-bit-per-band probe would miss.
    planted = {
        0: [], 1: [3], 3: [0, 20, 40], 4: [1, 17, 33, 49], 7: [0, 1, 2, 3, 4, 5, 6],
        8: [0, 1, 16, 17, 32, 33, 48, 49], 9: [0, 1, 16, 17, 32, 33, 48, 49, 60], 12: list(range(0, 64, 5))[:12],
    }
    stored = {}
    for distance, bits in planted.items():
        assert len(bits) == distance
        problem = report()
        _store_hash(problem, _flip(query, bits))
        stored[problem.id] = distance
    found = {m.problem_id: m.distance for m in phash_lookup(query, max_distance=8, limit=50)}
    assert found == {pid: d for pid, d in stored.items() if d <= 8}


@pytest.mark.django_db
def test_the_lookup_leaves_out_the_problem_asking(report):
    mine, other = report(), report()
    _store_hash(mine, 42)
    _store_hash(other, 43)
    assert [m.problem_id for m in phash_lookup(42, max_distance=8, exclude_problem_id=mine.id)] == [other.id]
    assert phash_lookup(42, max_distance=8, exclude_problem_id=other.id)[0].distance == 0


@pytest.mark.django_db
def test_the_lookup_names_the_other_problems_nearest_first(report):
    near, nearer = report(), report()
    _store_hash(near, _flip(7, [40, 50, 60]))
    _store_hash(nearer, _flip(7, [10]))
    matches = phash_lookup(7, max_distance=8)
    assert [(m.problem_id, m.number, m.distance) for m in matches] == [
        (nearer.id, nearer.number, 1), (near.id, near.number, 3)]
    assert matches[0].photo_id == Photo.objects.get(problem=nearer).id


# ---------------------------------------------------------------- through the lifecycle


@pytest.mark.django_db
def test_every_stored_photo_gets_its_hash_before_after_and_verify(dispatched, users):
    problem = dispatched()
    lifecycle.problem_rectify(actor=handler_of(problem, users), problem_id=problem.id, note="已清理",
                              photos=[after_photo(5)])
    lifecycle.problem_verify(actor=users["inspector"], problem_id=problem.id, result="fail", reason="仍有垃圾",
                             photos=[after_photo(6)])
    photos = list(Photo.objects.filter(problem=problem).order_by("id"))
    assert [p.kind for p in photos] == ["before", "after", "verify"]
    for photo in photos:
        assert photo.phash is not None
        assert [getattr(photo, f) for f in BAND_FIELDS] == list(hash_bands(to_unsigned(photo.phash)))


@pytest.mark.django_db
def test_an_after_photo_taken_on_the_spot_after_the_dispatch_raises_no_flag(dispatched, users):
    problem = dispatched()
    at = problem.dispatched_at + dt.timedelta(hours=2)
    photo = after_photo(7, problem, taken_at=problem.dispatched_at + dt.timedelta(hours=1), metres_north=30)
    lifecycle.problem_rectify(actor=handler_of(problem, users), problem_id=problem.id, note="已清理", photos=[photo],
                              at=at)
    stored = Photo.objects.get(problem=problem, kind="after")
    assert stored.flags == []
    event = ProblemEvent.objects.get(problem=problem, action="rectify")
    assert event.details["evidence_flags"] == []


@pytest.mark.django_db
def test_doubtful_after_photos_are_flagged_with_reasons_and_the_rectification_still_goes_through(
        dispatched, users, settings):
    settings.RENJU_EVIDENCE_MAX_METRES = 50
    problem = dispatched()
    at = problem.dispatched_at + dt.timedelta(hours=3)
    far = after_photo(8, problem, taken_at=problem.dispatched_at + dt.timedelta(hours=1), metres_north=80)
    blank = after_photo(9, problem, gps=False)  # neither position nor time
    early = after_photo(10, problem, taken_at=problem.dispatched_at - dt.timedelta(days=1))
    problem = lifecycle.problem_rectify(actor=handler_of(problem, users), problem_id=problem.id, note="已清理",
                                        photos=[far, blank, early], at=at)
    assert problem.status == Status.RECTIFIED
    stored = list(Photo.objects.filter(problem=problem, kind="after").order_by("id"))
    assert [[f["code"] for f in p.flags] for p in stored] == [["far"], ["no_position", "no_time"], ["too_early"]]
    assert "超过允许的 50 米" in stored[0].flags[0]["message"]
    event = ProblemEvent.objects.get(problem=problem, action="rectify")
    assert [(f["photo"], f["filename"], f["code"]) for f in event.details["evidence_flags"]] == [
        (1, "after8.jpg", "far"), (2, "after9.jpg", "no_position"), (2, "after9.jpg", "no_time"),
        (3, "after10.jpg", "too_early")]
    assert all(f["message"] for f in event.details["evidence_flags"])


@pytest.mark.django_db
def test_the_same_photo_resized_and_recompressed_on_two_problems_is_flagged_on_the_second(dispatched, users):
    first, second = dispatched(), dispatched()
    at = first.dispatched_at + dt.timedelta(hours=2)
    taken = first.dispatched_at + dt.timedelta(hours=1)
    original = jpeg(11, lat=first.lat, lng=first.lng, taken_at=taken)
    lifecycle.problem_rectify(actor=handler_of(first, users), problem_id=first.id, note="已清理",
                              photos=[after_photo(11, data=original)], at=at)
    copy = after_photo(11, data=resized_and_recompressed(original))
    second = lifecycle.problem_rectify(actor=handler_of(second, users), problem_id=second.id, note="已清理",
                                       photos=[copy], at=at)
    assert second.status == Status.RECTIFIED
    flags = Photo.objects.get(problem=second, kind="after").flags
    duplicate = next(f for f in flags if f["code"] == "duplicate")
    assert duplicate["problem_id"] == first.id and duplicate["number"] == first.number
    assert duplicate["photo_id"] == Photo.objects.get(problem=first, kind="after").id
    assert first.number in duplicate["message"]
    assert [f["code"] for f in Photo.objects.get(problem=first, kind="after").flags] == []


@pytest.mark.django_db
def test_two_different_photos_on_two_problems_are_not_flagged_as_duplicates(dispatched, users):
    first, second = dispatched(), dispatched()
    for problem, seed in ((first, 12), (second, 13)):
        taken = problem.dispatched_at + dt.timedelta(hours=1)
        lifecycle.problem_rectify(actor=handler_of(problem, users), problem_id=problem.id, note="已清理",
                                  photos=[after_photo(seed, data=jpeg(seed, lat=problem.lat, lng=problem.lng,
                                                                      taken_at=taken))],
                                  at=taken + dt.timedelta(hours=1))
    assert Photo.objects.get(problem=second, kind="after").flags == []


@pytest.mark.django_db
def test_a_before_photo_of_another_problem_sent_as_proof_is_flagged(dispatched, users):
    first = dispatched(photos=[photo_prepare(jpeg(14), "before.jpg")])
    second = dispatched()
    second = lifecycle.problem_rectify(actor=handler_of(second, users), problem_id=second.id, note="已清理",
                                       photos=[photo_prepare(resized_and_recompressed(jpeg(14)), "after.jpg")])
    codes = {(f["code"], f.get("number")) for f in Photo.objects.get(problem=second, kind="after").flags}
    assert ("duplicate", first.number) in codes


@pytest.mark.django_db
def test_its_own_before_photo_sent_as_proof_is_not_a_duplicate_of_another_problem(dispatched, users):
    problem = dispatched(photos=[photo_prepare(jpeg(15), "before.jpg")])
    lifecycle.problem_rectify(actor=handler_of(problem, users), problem_id=problem.id, note="已清理",
                              photos=[photo_prepare(jpeg(15), "after.jpg")])
    codes = [f["code"] for f in Photo.objects.get(problem=problem, kind="after").flags]
    assert "duplicate" not in codes


@pytest.mark.django_db
def test_rework_proof_must_be_taken_after_the_failed_verification(dispatched, users):
    problem = dispatched()
    handler = handler_of(problem, users)
    t0 = problem.dispatched_at
    lifecycle.problem_rectify(actor=handler, problem_id=problem.id, note="已清理", at=t0 + dt.timedelta(hours=2),
                              photos=[after_photo(16, problem, taken_at=t0 + dt.timedelta(hours=1))])
    lifecycle.problem_verify(actor=users["inspector"], problem_id=problem.id, result="fail", reason="仍有残留",
                             at=t0 + dt.timedelta(hours=5))
    # The second try sends a photo taken between the dispatch and the failed check: from before the rework.
    lifecycle.problem_rectify(actor=handler, problem_id=problem.id, note="再次清理", at=t0 + dt.timedelta(hours=8),
                              photos=[after_photo(17, problem, taken_at=t0 + dt.timedelta(hours=3))])
    latest = Photo.objects.filter(problem=problem, kind="after").order_by("-id").first()
    (flag,) = latest.flags
    assert flag["code"] == "too_early" and "核查不通过（返工）时间" in flag["message"]


@pytest.mark.django_db
def test_photos_stored_before_the_hashes_existed_get_theirs_from_the_original_file(dispatched):
    problem = dispatched()
    photo = Photo.objects.get(problem=problem, kind="before")
    expected = photo.phash
    Photo.objects.filter(pk=photo.pk).update(**phash_columns(None))
    migration = importlib.import_module("renju.problems.migrations.0006_photo_evidence")
    migration.hash_stored_photos(apps, None)
    photo.refresh_from_db()
    assert photo.phash == expected and photo.phash_b0 is not None


def test_taken_times_are_compared_in_absolute_time_whatever_the_zone():
    dispatched = dt.datetime(2024, 5, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing
    taken = beijing(2024, 5, 20, 10, 30)
    assert time_flags(taken, since=dispatched, since_name="派遣", submitted_at=timezone.now()) == []
