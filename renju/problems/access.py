"""Object-level access: a problem someone may not see does not exist for them (404, not 403)."""

from __future__ import annotations

from django.http import Http404

from renju.problems.models import Photo, Problem


def get_problem_for(user, problem_id: int) -> Problem:
    try:
        # .get(), not .first(): the model's ordering would add an ORDER BY that costs planning time for nothing.
        return Problem.objects.visible_to(user).select_related(
            "category", "check_item", "region", "unit", "suggested_unit"
        ).get(pk=problem_id)
    except Problem.DoesNotExist:
        raise Http404("no such problem") from None


def get_photo_for(user, photo_id: int) -> Photo:
    try:
        photo = Photo.objects.get(pk=photo_id)
    except Photo.DoesNotExist:
        raise Http404("no such photo") from None
    # A merged report's photos belong to the problem it was merged into too: whoever sees that one sees them.
    visible = Problem.objects.visible_to(user)
    if not visible.filter(pk=photo.problem_id).exists() and not visible.filter(merged__pk=photo.problem_id).exists():
        raise Http404("no such photo")
    return photo
