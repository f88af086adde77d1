"""A work order in, a problem out: suggest its category, find its place, file it through `problems.lifecycle`.

The order number is the idempotency key. A replayed push or a re-imported row finds the order already there and gets
it back; two deliveries of the same order at the same moment meet at the unique order number, and the second is
answered with the first one's order. The order row and its problem are written in one transaction: bad input (a
point outside every region, a broken photo) leaves neither behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from renju.accounts.models import Role, User
from renju.hotline import privacy
from renju.hotline.models import HotlineOrder
from renju.hotline.places import place_from_text
from renju.hotline.schemas import OrderIn
from renju.hotline.suggest import category_suggest
from renju.plans.active import active_plan
from renju.plans.geo import region_index
from renju.plans.models import Region
from renju.problems import lifecycle
from renju.problems.errors import ActionForbidden, InvalidInput
from renju.problems.lifecycle.rules import MAX_DESCRIPTION
from renju.problems.models import Problem, Source
from renju.problems.photos import PreparedPhoto, photo_prepare

RECEIVERS = (Role.INTEGRATION, Role.DISPATCHER, Role.ADMIN)
PLACERS = (Role.DISPATCHER, Role.ADMIN)


@dataclass(frozen=True)
class Received:
    order: HotlineOrder
    replayed: bool


def client_key_for(order_no: str) -> str:
    """The problem's client key: stable for an order number, within the 8–64 characters the lifecycle takes."""
    return "hotline:" + hashlib.sha256(order_no.encode()).hexdigest()[:40]


def hotline_order_receive(*, actor: User, data: OrderIn, photos: Sequence[PreparedPhoto] = (),
                          channel: str = HotlineOrder.Channel.PUSH, at: dt.datetime | None = None) -> Received:
    """File a work order (or return the one already filed under its number)."""
    if actor.role not in RECEIVERS:
        raise ActionForbidden("只有接口账号和派遣员能接收12345工单")
    existing = HotlineOrder.objects.filter(order_no=data.order_no).select_related("problem").first()
    if existing is not None:
        return Received(existing, True)
    suggestion = category_suggest(data.content, data.category)
    if data.lat is not None:
        located = {"located_by": HotlineOrder.LocatedBy.COORDINATES, "lat": data.lat, "lng": data.lng}
    else:
        place = place_from_text(data.address, data.content)
        located = _located(place)
    payload = data.model_dump(mode="json", exclude={"attachments"})
    payload["attachments"] = len(photos)
    try:
        with transaction.atomic():
            order = HotlineOrder.objects.create(
                order_no=data.order_no, received_at=data.received_at, caller_name=data.caller_name,
                caller_phone=data.caller_phone, content=data.content, address=data.address,
                category_hint=data.category, urgency=data.urgency, suggested_category=suggestion.code,
                suggestion_confidence=suggestion.confidence, suggestion=suggestion.as_json(),
                needs_review=suggestion.needs_review, channel=channel, received_by=actor, payload=payload,
                **located,
            )
            if order.lat is not None:
                order.problem = _file(order, actor, photos, at)
                order.save(update_fields=["problem"])
            elif photos:
                order.pending_photos = _keep(order, photos)
                order.save(update_fields=["pending_photos"])
    except IntegrityError:
        # The same order number delivered twice at once: the other delivery filed it.
        existing = HotlineOrder.objects.filter(order_no=data.order_no).select_related("problem").first()
        if existing is None:
            raise
        return Received(existing, True)
    return Received(order, False)


def _located(place) -> dict:
    if place is None:
        return {"located_by": HotlineOrder.LocatedBy.NONE}
    if not place.placeable:
        # Named only an area or the city: keep what it said for the dispatcher who places it.
        return {"located_by": HotlineOrder.LocatedBy.NONE, "located_name": place.name, "located_region": place.code}
    return {"located_by": HotlineOrder.LocatedBy.ADDRESS, "located_name": place.name, "located_region": place.code,
            "lat": place.lat, "lng": place.lng}


def _file(order: HotlineOrder, actor: User, photos: Sequence[PreparedPhoto], at: dt.datetime | None) -> Problem:
    text = privacy.redact(order.content, name=order.caller_name, phone=order.caller_phone)
    description = f"【12345工单 {order.order_no}】{text}"
    if len(description) > MAX_DESCRIPTION:
        description = description[: MAX_DESCRIPTION - 1] + "…"
    try:
        return lifecycle.problem_report(
            actor=actor, category=order.suggested_category, lat=order.lat, lng=order.lng, description=description,
            source=Source.HOTLINE, address=order.address[:300], found_at=order.received_at,
            severity=order.urgency or None, photos=list(photos), client_key=client_key_for(order.order_no), at=at,
        )
    except InvalidInput as exc:
        # The lifecycle speaks of the problem's fields; the sender knows the order's.
        raise InvalidInput({{"found_at": "received_at", "photos": "attachments", "severity": "urgency"}
                            .get(k, k): v for k, v in exc.errors.items()}) from exc


def _keep(order: HotlineOrder, photos: Sequence[PreparedPhoto]) -> list[dict]:
    kept = []
    for n, photo in enumerate(photos):
        name = default_storage.save(f"hotline/pending/{order.pk}/{n + 1}.bin", ContentFile(photo.data))
        kept.append({"name": name, "filename": photo.filename})
    return kept


def _kept_photos(order: HotlineOrder) -> list[PreparedPhoto]:
    photos = []
    for item in order.pending_photos:
        with default_storage.open(item["name"], "rb") as f:
            photos.append(photo_prepare(f.read(), item["filename"]))
    return photos


def hotline_order_place(*, actor: User, order_id: int, lat: float | None = None, lng: float | None = None,
                        region_code: str = "", at: dt.datetime | None = None) -> HotlineOrder:
    """定位: a dispatcher gives an unplaced order its point (or a region, whose inside point is taken) and the
    problem is filed."""
    if actor.role not in PLACERS:
        raise ActionForbidden("只有派遣员能为工单定位")
    if (lat is None) != (lng is None):
        raise InvalidInput.one("lat", "give both lat and lng, or neither")
    located_name, region = "", None
    if lat is None:
        if not region_code:
            raise InvalidInput.one("lat", "give a point (lat, lng) or a region")
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            raise InvalidInput.one("region", f"unknown region code {region_code!r}")
        from renju.hotline.places import place_index

        point = place_index().point(region.id)
        if point is None:
            raise InvalidInput.one("region", f"{region.name} has no grid to place the problem in")
        lat, lng = point
        located_name = region.name
    elif region_index().locate(lng, lat) is None:
        raise InvalidInput.one("lat", f"the point ({lat}, {lng}) is outside every region of "
                                      f"{active_plan().plan.city_region.name}")
    with transaction.atomic():
        order = HotlineOrder.objects.select_for_update().get(pk=order_id)
        if order.problem_id is not None:
            raise InvalidInput.one("order", f"工单 {order.order_no} 已立为问题 {order.problem.number}")
        order.lat, order.lng = lat, lng
        order.located_by = HotlineOrder.LocatedBy.MANUAL
        order.located_name = located_name or order.located_name
        order.located_region = region.code if region else order.located_region
        order.problem = _file(order, actor, _kept_photos(order), at)
        kept, order.pending_photos = order.pending_photos, []
        order.save()
        transaction.on_commit(lambda: [default_storage.delete(k["name"]) for k in kept])
    return order


def hotline_order_settle(*, actor: User, order_id: int, category: str, note: str = "") -> HotlineOrder:
    """核定类型并立案: the dispatcher settles the category of a reported hotline problem and accepts it; the settled
    category is learnt at once (a correction when it differs from the suggestion, else a confirmation)."""
    from renju.hotline.learning import example_from_accept

    order = HotlineOrder.objects.select_related("problem").get(pk=order_id)
    if order.problem_id is None:
        raise InvalidInput.one("order", "the order has no problem yet; place it first")
    with transaction.atomic():
        lifecycle.problem_accept(actor=actor, problem_id=order.problem_id, category=category or None, note=note)
        example_from_accept(order)
    order.refresh_from_db()
    return order
