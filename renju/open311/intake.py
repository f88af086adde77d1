"""POST requests: one Open311 service request becomes one problem, filed through `problem_report`.

- Who: the api_key's account must be allowed to report (integration, dispatcher, inspector; admins). A unit
  handler's key is refused: units file self-checks in the app.
- Source: `hotline` unless attribute[source] says referral or inspection (Open311 is how outside platforms — the
  12345 hotline and the apps feeding it — file problems; see services.SOURCES_ALLOWED).
- Idempotency (the spec has none): attribute[client_id], or an `Idempotency-Key` header, is the sender's own id for
  the request. The same id from the same account returns the request filed the first time (same
  service_request_id, same token) however often it is retried; it becomes problem_report's client_key.
- media: media_url is kept as text (in the description, and on the submission) and never fetched. Photos may come
  in the same POST as `media` files (multipart/form-data, the media extension Bloomington and Helsinki use):
  checked like every upload (type, size, really an image) and stored as the problem's photos.
- Contact details (email, phone, names, device_id, account_id) are stored on the submission only; see models.py.
- Nothing is half-written: the problem and the submission are written in one transaction, and every refusal
  comes before either.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from renju.accounts.models import Role, User
from renju.open311.errors import Open311Error
from renju.open311.models import Submission
from renju.open311.params import clean_argument, parse_w3c
from renju.open311.place import Place, locate
from renju.open311.present import MEDIA_MARKER
from renju.open311.services import DEFAULT_SOURCE, SOURCES_ALLOWED, category_for
from renju.plans.active import PlanContext
from renju.plans.geo import region_index
from renju.problems import lifecycle
from renju.problems.errors import ActionForbidden, InvalidInput
from renju.problems.photos import PreparedPhoto, photo_from_upload
from renju.problems.routing import time_limit_for

REPORTING_ROLES = (Role.INTEGRATION, Role.DISPATCHER, Role.INSPECTOR, Role.ADMIN)
CONTACT_FIELDS = ("email", "device_id", "account_id", "first_name", "last_name", "phone")
MAX_CONTACT = 200
MAX_CLIENT_ID = 200
MAX_MEDIA_URL = 1000
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")
_URL = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)


@dataclass(frozen=True)
class Filed:
    submission: Submission
    service_notice: str
    created: bool


def _field(form, name: str, limit: int) -> str:
    values = form.getlist(name)
    if len(values) > 1:
        raise Open311Error.bad(name, "given more than once")
    value = clean_argument(name, values[0] if values else "").strip()
    if len(value) > limit:
        raise Open311Error.bad(name, f"at most {limit} characters")
    return value


def attributes_of(form) -> dict[str, str | list[str]]:
    """attribute[code]=value and attribute[code][]=v1&attribute[code][]=v2 (multivaluelist), as the spec writes them."""
    out: dict[str, str | list[str]] = {}
    for key in form:
        match = _ATTRIBUTE.match(key)
        if match is None:
            continue
        values = [clean_argument(key, v).strip() for v in form.getlist(key)]
        code = match[1]
        if match[2]:
            out[code] = [v for v in values if v]
        elif len(values) > 1:
            raise Open311Error.bad(key, "given more than once")
        else:
            out[code] = values[0]
    return out


def _single(attributes: dict, code: str) -> str:
    value = attributes.get(code, "")
    if isinstance(value, list):
        raise Open311Error.bad(f"attribute[{code}]", "takes one value, not a list")
    return value


def client_id_of(request, attributes: dict) -> str:
    from_attribute = _single(attributes, "client_id")
    from_header = clean_argument("Idempotency-Key", request.headers.get("Idempotency-Key", "")).strip()
    if from_attribute and from_header and from_attribute != from_header:
        raise Open311Error.bad("attribute[client_id]", "differs from the Idempotency-Key header; send one id")
    client_id = from_attribute or from_header
    if len(client_id) > MAX_CLIENT_ID:
        raise Open311Error.bad("attribute[client_id]", f"at most {MAX_CLIENT_ID} characters")
    return client_id


def client_key_for(client_id: str) -> str:
    """problem_report's client_key (8..64 characters) for any client id, however long or short."""
    return "open311:" + hashlib.sha256(client_id.encode()).hexdigest()[:48]


def _photos(request) -> list[PreparedPhoto]:
    unexpected = set(request.FILES) - {"media"}
    if unexpected:
        raise Open311Error.bad(sorted(unexpected)[0], "unexpected file field; send photos as 'media'")
    files = request.FILES.getlist("media")
    if len(files) > settings.RENJU_MAX_PHOTOS:
        raise Open311Error.bad("media", f"at most {settings.RENJU_MAX_PHOTOS} files")
    try:
        return [photo_from_upload(f, field_name="media") for f in files]
    except InvalidInput as exc:
        raise Open311Error.from_invalid_input(exc) from exc


def _description(form, category_name: str, media_url: str) -> str:
    text = _field(form, "description", 4000)
    text = text or category_name  # the spec makes description optional; ours needs words, the service's will do
    if media_url:
        text += f"\n{MEDIA_MARKER}{media_url}）"
    return text


def service_notice(ctx: PlanContext, category, severity: str, place: Place) -> str:
    label = time_limit_for(ctx, category, severity).label()
    notice = f"已受理。经审核立案后派遣责任单位，{category.name}派遣后{label}内整改。"
    if place.approximate:
        notice += f"位置按{'区域编码' if place.located_by == 'address_id' else '地址'}定位到「{place.region_name}」，" \
                  "为近似位置，以现场核实为准。"
    return notice


def _existing(user: User, client_id: str) -> Submission | None:
    if not client_id:
        return None
    return Submission.objects.select_related("problem").filter(account=user, client_id=client_id).first()


def submit(request, user: User, ctx: PlanContext) -> Filed:
    """File the POSTed request, or find the one already filed under the same client id."""
    if not user.has_role(*REPORTING_ROLES):
        raise Open311Error(403, f"account {user.username!r} ({user.get_role_display()}) may not file requests; "
                                "use an integration account's api_key")
    form = request.POST
    attributes = attributes_of(form)
    client_id = client_id_of(request, attributes)
    existing = _existing(user, client_id)
    if existing is not None:
        return Filed(existing, _notice_again(ctx, existing), created=False)
    service_code = _field(form, "service_code", 64)
    if not service_code:
        raise Open311Error.bad("service_code", "required")
    category = category_for(ctx, service_code)
    source = _single(attributes, "source") or DEFAULT_SOURCE
    if source not in SOURCES_ALLOWED:
        raise Open311Error.bad("attribute[source]", f"must be one of {', '.join(SOURCES_ALLOWED)}")
    raw_found = _single(attributes, "found_at")
    found_at = parse_w3c("attribute[found_at]", raw_found) if raw_found else None
    media_url = _field(form, "media_url", MAX_MEDIA_URL)
    if media_url and not _URL.match(media_url):
        raise Open311Error.bad("media_url", "must be an http or https URL")
    contact = {name: _field(form, name, MAX_CONTACT) for name in CONTACT_FIELDS}
    address_string, address_id = _field(form, "address_string", 4000), _field(form, "address_id", 100)
    description = _description(form, category.name, media_url)
    photos = _photos(request)
    place = locate(region_index(), lat=_field(form, "lat", 40), lng=_field(form, "long", 40), address_id=address_id,
                   address_string=address_string, photos=photos)
    severity = _single(attributes, "severity") or ctx.severity_codes[0]
    report = dict(
        actor=user, category=category.code, lat=place.lat, lng=place.lng, description=description, source=source,
        address=address_string, found_at=found_at, severity=severity,
        road_class=_single(attributes, "road_class"), check_item=_single(attributes, "check_item") or None,
        photos=photos, client_key=client_key_for(client_id) if client_id else None,
    )
    record = dict(account=user, client_id=client_id or None, service_code=category.code,
                  located_by=place.located_by, address_id=address_id, media_url=media_url,
                  contact={k: v for k, v in contact.items() if v}, attributes=attributes)
    try:
        submission = _file(report, record)
    except InvalidInput as exc:
        raise Open311Error.from_invalid_input(exc) from exc
    except ActionForbidden as exc:
        raise Open311Error(403, str(exc)) from exc
    except IntegrityError:
        # The same client id at the same moment from two connections: the other one filed it.
        submission = _existing(user, client_id)
        if submission is None:
            raise
        return Filed(submission, _notice_again(ctx, submission), created=False)
    return Filed(submission, service_notice(ctx, category, severity, place), created=True)


def _file(report: dict, record: dict) -> Submission:
    with transaction.atomic():
        problem = lifecycle.problem_report(**report)
        return Submission.objects.create(problem=problem, token=secrets.token_urlsafe(24), created_at=timezone.now(),
                                         **record)


def _notice_again(ctx: PlanContext, submission: Submission) -> str:
    problem = submission.problem
    category = ctx.categories_by_id.get(problem.category_id)
    label = time_limit_for(ctx, category, problem.severity).label() if category else ""
    return f"此前已受理（编号 {problem.number}），未重复登记。" + (f"派遣后{label}内整改。" if label else "")
