"""Object-level access: a problem someone may not see does not exist for them (404, not 403)."""

from __future__ import annotations

from django.http import Http404

from renju.problems.models import Photo, Problem


def get_problem_for(user, problem_id: int) -> Problem:
    problem = (
        Problem.objects.visible_to(user)
        .select_related("category__task", "check_item", "region", "unit", "suggested_unit", "reporter",
                        "self_check_unit", "merged_into")
        .filter(pk=problem_id)
        .first()
    )
    if problem is None:
        raise Http404("no such problem")
    return problem


def get_photo_for(user, photo_id: int) -> Photo:
    photo = Photo.objects.select_related("problem").filter(pk=photo_id).first()
    if photo is None or not Problem.objects.visible_to(user).filter(pk=photo.problem_id).exists():
        raise Http404("no such photo")
    return photo
