"""The hotline channel's API endpoints (registered on the /api/v1/ API).

`POST /hotline/orders` takes a work order pushed by the 12345 platform (an integration account's token): JSON with
photos as base64 `attachments`, or multipart with the fields and `photos` files for large ones. 201 with the order
and its problem; a replayed push (same `order_no`) answers 200 with `"replayed": true` and the order filed the first
time. `GET /hotline/orders/{order_no}` lets the platform follow it (problem state, reply state).
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from ninja import Query, Router, Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import Field

from renju.api.body import read_body
from renju.hotline.intake import hotline_order_receive
from renju.hotline.queries import QUEUES, order_by_number_for, order_out, queue_rows
from renju.hotline.schemas import OrderIn, attachments_decode
from renju.problems.errors import InvalidInput

router = Router(tags=["hotline"])


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]]


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _json(body: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body, cls=NinjaJSONEncoder, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")


def _inline(schema: dict) -> dict:
    """The JSON schema with its local definitions written in place (OpenAPI has no `$defs` of its own)."""
    defs = schema.pop("$defs", {})

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(dict(defs[ref.rsplit("/", 1)[1]]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


ORDER_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": _inline(OrderIn.model_json_schema())},
    "multipart/form-data": {"schema": {"allOf": [_inline(OrderIn.model_json_schema()), {
        "type": "object", "properties": {"photos": {"type": "array", "items": {"type": "string", "format": "binary"}}},
    }]}},
}}}


@router.post("/hotline/orders", response={200: dict, 201: dict, **ERRORS}, summary="Receive a 12345 work order",
             openapi_extra=ORDER_BODY)
def hotline_order_create(request):
    data, uploads = read_body(request, OrderIn)
    photos = attachments_decode(data.attachments) + uploads
    received = hotline_order_receive(actor=request.auth, data=data, photos=photos)
    body = {**order_out(received.order, request.auth), "replayed": received.replayed}
    return _json(body, 200 if received.replayed else 201)


class OrderFilters(Schema):
    queue: str = Field("all", description=", ".join(QUEUES))
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


@router.get("/hotline/orders", response={200: dict, **ERRORS}, summary="List work orders, newest first")
def hotline_order_list(request, filters: Query[OrderFilters]):
    if filters.queue not in QUEUES:
        raise InvalidInput.one("queue", f"must be one of {', '.join(QUEUES)}")
    rows = list(queue_rows(request.auth, filters.queue)[filters.offset: filters.offset + filters.limit + 1])
    more = len(rows) > filters.limit
    items = [order_out(o, request.auth) for o in rows[: filters.limit]]
    return _json({"items": items, "next_offset": filters.offset + filters.limit if more else None})


@router.get("/hotline/orders/{order_no}", response={200: dict, **ERRORS}, summary="One work order")
def hotline_order_read(request, order_no: str):
    return _json(order_out(order_by_number_for(request.auth, order_no), request.auth))
