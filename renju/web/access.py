"""Page-level guards: logged in, and of a role that may open the page (admins may open every page)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def role_required(*roles: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.role not in roles and request.user.role != "admin":
                raise PermissionDenied("该页面不对您的角色开放")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
