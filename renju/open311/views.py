"""Open311 GeoReport v2 views: read the arguments, call the module that answers, write XML or JSON. Thin on purpose.

Every view answers in the format its path ends with (.xml or .json; no extension = XML, the spec's required
format), and every refusal in the spec's error format with the spec's status: 404 what does not exist, 403 a wrong
or missing api_key, 400 anything else — malformed input included, never a 500.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from renju.open311 import intake, params, queries, services, updates
from renju.open311.auth import caller
from renju.open311.errors import Open311Error
from renju.open311.models import Submission
from renju.open311.present import RequestPage
from renju.open311.render import document, errors_document
from renju.plans.active import NoActivePlan, active_plan
from renju.plans.geo import region_index

REQUESTS_PAGE = 100  # default page_size of GET requests; the spec's 1000 is the most a page may hold
UPDATES_PAGE = 1000  # updates are small and clients (FixMyStreet) fetch a window without paging
MAX_PAGE_SIZE = 1000
UPDATES_DEFAULT_SPAN = dt.timedelta(days=1)  # updates without dates: the last day


def open311_view(*methods: str) -> Callable:
    """Format, allowed methods, jurisdiction_id and the error format, once for every view."""
    def decorator(view: Callable) -> Callable:
        @csrf_exempt  # an api_key, not a cookie, authorises every write here
        @wraps(view)
        def wrapper(request, *args, fmt: str | None = None, **kwargs) -> HttpResponse:
            fmt = fmt or "xml"
            try:
                if request.method not in methods:
                    response = errors_document(fmt, 405, [(405, f"{request.method} is not allowed here; use "
                                                                f"{' or '.join(methods)}")])
                    response["Allow"] = ", ".join(methods)
                    return response
                params.check_jurisdiction(request.POST if request.method == "POST" else request.GET)
                return view(request, fmt, *args, **kwargs)
            except Open311Error as exc:
                return errors_document(fmt, exc.status, exc.errors)
            except NoActivePlan as exc:
                return errors_document(fmt, 400, [(400, f"the service is not running: {exc}")])
            except (RequestDataTooBig, TooManyFieldsSent) as exc:
                return errors_document(fmt, 400, [(400, f"request too large: {exc}")])
            except (MultiPartParserError, UnreadablePostError) as exc:
                return errors_document(fmt, 400, [(400, f"unreadable request body: {exc}")])
        return wrapper
    return decorator


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _with_next(response: HttpResponse, request, page: params.Page, more: bool) -> HttpResponse:
    """RFC 8288 Link to the next page; the body stays exactly what the spec describes."""
    if more:
        query = request.GET.copy()
        query["page"] = str(page.number + 1)
        query["page_size"] = str(page.size)
        response["Link"] = f'<{request.build_absolute_uri(request.path)}?{urlencode(query, doseq=True)}>; rel="next"'
    return response


def index(request) -> HttpResponse:
    """The endpoint's root as a page for people (the discovery spec recommends one): what is here, and how."""
    ctx = active_plan()
    base = request.build_absolute_uri("/open311/v2")
    return render(request, "open311/index.html", {
        "base": base, "services": services.services_out(ctx), "discovery": services.discovery_out(ctx, base),
        "plan": ctx.plan, "requests_page": REQUESTS_PAGE, "max_page": MAX_PAGE_SIZE,
    })


@open311_view("GET", "HEAD")
def discovery(request, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri("/open311/v2")
    return document(fmt, "discovery", None, services.discovery_out(active_plan(), base))


@open311_view("GET", "HEAD")
def service_list(request, fmt: str) -> HttpResponse:
    return document(fmt, "services", "service", services.services_out(active_plan()))


@open311_view("GET", "HEAD")
def service_definition(request, fmt: str, service_code: str) -> HttpResponse:
    ctx = active_plan()
    category = services.category_for(ctx, params.clean_argument("service_code", service_code))
    return document(fmt, "service_definition", None, services.definition_out(ctx, category))


@open311_view("GET", "HEAD", "POST")
def requests_(request, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    query = request.GET
    user = caller(request, required=False, action="get_service_requests")
    ctx = active_plan()
    page = params.page(query, default_size=REQUESTS_PAGE, max_size=MAX_PAGE_SIZE)
    rows, more = queries.service_requests(
        user, ctx, ids=params.comma_list(query, "service_request_id"), codes=params.comma_list(query, "service_code"),
        statuses=params.comma_list(query, "status"), window=params.window(query, now=timezone.now()), page=page)
    body = RequestPage(rows, ctx, region_index(), photo_urls=user is not None, base_url=_base_url(request)).all()
    return _with_next(document(fmt, "service_requests", "request", body), request, page, more)


def _create(request, fmt: str) -> HttpResponse:
    content_type = request.content_type or ""
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise Open311Error(400, f"send the request as application/x-www-form-urlencoded (or multipart/form-data "
                                f"with media files), not {content_type or 'no content type'}")
    user = caller(request, required=True, action="create_request")
    filed = intake.submit(request, user, active_plan())
    submission = filed.submission
    body = [{
        "service_request_id": submission.problem.number,
        "service_notice": filed.service_notice,
        "account_id": submission.contact.get("account_id") or None,
    }]
    response = document(fmt, "service_requests", "request", body)
    response["X-Open311-Token"] = submission.token  # the spec's token, for clients that keep one (tokens/…)
    if not filed.created:
        response["Idempotent-Replayed"] = "true"
    return response


@open311_view("GET", "HEAD")
def request_detail(request, fmt: str, service_request_id: str) -> HttpResponse:
    user = caller(request, required=False, action="get_service_request")
    row = queries.one_request(user, params.clean_argument("service_request_id", service_request_id))
    body = RequestPage([row], active_plan(), region_index(), photo_urls=user is not None,
                       base_url=_base_url(request)).all()
    return document(fmt, "service_requests", "request", body)


@open311_view("GET", "HEAD")
def token(request, fmt: str, token: str) -> HttpResponse:
    number = (Submission.objects.filter(token=params.clean_argument("token", token))
              .values_list("problem__number", flat=True).first())
    if number is None:
        raise Open311Error(404, f"token {token!r} not found")
    return document(fmt, "service_requests", "request", [{"service_request_id": number, "token": token}])


@open311_view("GET", "HEAD")
def service_request_updates(request, fmt: str) -> HttpResponse:
    query = request.GET
    user = caller(request, required=False, action="get_service_request_updates")
    page = params.page(query, default_size=UPDATES_PAGE, max_size=MAX_PAGE_SIZE)
    window = params.window(query, now=timezone.now(), default_span=UPDATES_DEFAULT_SPAN)
    body, more = updates.service_request_updates(user, active_plan(), window=window, page=page,
                                                 base_url=_base_url(request))
    return _with_next(document(fmt, "service_request_updates", "request_update", body), request, page, more)


@open311_view("GET", "HEAD", "POST")
def not_found(request, fmt: str, path: str = "") -> HttpResponse:
    raise Open311Error(404, f"no such resource: {path or request.path}; see discovery.xml")
