"""The JSON API under /api/v1/, with its OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from renju.api.auth import AUTH
from renju.api.body import errors_by_field
from renju.plans.active import NoActivePlan
from renju.problems.errors import ActionForbidden, InvalidInput, TransitionRefused
from renju.problems.models import Problem

api = NinjaAPI(
    title="Renju 人居 API",
    version="1",
    description="城乡人居环境综合整治监管平台接口。Authenticate with `Authorization: Bearer TOKEN` "
    "(`renju apitoken USERNAME`) or a browser session.",
    auth=AUTH,
    urls_namespace="api-v1",
)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    return api.create_response(request, {"detail": "invalid input", "errors": errors_by_field(exc.errors)}, status=422)


@api.exception_handler(InvalidInput)
def on_invalid_input(request, exc: InvalidInput):
    return api.create_response(request, {"detail": "invalid input", "errors": exc.errors}, status=422)


@api.exception_handler(TransitionRefused)
def on_transition_refused(request, exc: TransitionRefused):
    return api.create_response(request, {"detail": str(exc), "errors": {}}, status=409)


@api.exception_handler(ActionForbidden)
def on_forbidden(request, exc: ActionForbidden):
    return api.create_response(request, {"detail": str(exc), "errors": {}}, status=403)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return api.create_response(request, {"detail": "authentication required", "errors": {}}, status=401)


@api.exception_handler(Http404)
@api.exception_handler(Problem.DoesNotExist)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": "not found", "errors": {}}, status=404)


@api.exception_handler(NoActivePlan)
def on_no_plan(request, exc):
    return api.create_response(request, {"detail": str(exc), "errors": {}}, status=503)


from renju.api import assessment, maps, problems, reference  # noqa: E402  (routers register on `api`)

api.add_router("", reference.router)
api.add_router("", problems.router)
api.add_router("", maps.router)
api.add_router("", assessment.router)

# The intake channels' endpoints (each app owns its router).
from renju.drones.api import router as drones_router  # noqa: E402
from renju.hotline.api import router as hotline_router  # noqa: E402
from renju.referrals.api import router as referrals_router  # noqa: E402
from renju.video.api import router as video_router  # noqa: E402

api.add_router("", hotline_router)
api.add_router("", video_router)
api.add_router("", drones_router)
api.add_router("", referrals_router)
