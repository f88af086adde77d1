"""The self-check page in a real browser on a phone: the unit's handler files a problem it fixed on the spot."""

from renju.problems.models import Problem, Status
from tests.conftest import point_in

YATOU = "371082001"


def test_a_handler_files_a_self_check_fixed_on_the_spot_from_a_phone(open_as, photo_file):
    lat, lng = point_in(YATOU)
    page = open_as("yatou", phone=True, geolocation=(lat, lng))
    page.goto("/unit/self-check/")
    assert page.is_hidden("#fix-fields")

    page.set_input_files("#photos", photo_file("before.jpg", seed=31))
    page.fill("#category-search", "blj")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#category').value !== ''")
    page.fill("#description", "门前绿化带内有暴露垃圾")
    page.wait_for_function("document.querySelector('#lat').value !== ''")

    page.check("#fixed")
    page.click("#submit-report")  # no after-photo yet: refused in the page, nothing sent
    page.wait_for_selector("#error-after_photos:not([hidden])")
    assert not Problem.objects.exists()

    page.set_input_files("#after-photos", photo_file("after.jpg", seed=32))
    page.fill("#fix-note", "已当场清理完毕")
    page.click("#submit-report")
    page.wait_for_selector("#report-result >> text=/RC-\\d{8}-\\d{4}/")

    problem = Problem.objects.get()
    assert problem.status == Status.RECTIFIED and problem.self_check_unit.code == "yatou"
    assert sorted(problem.photos.values_list("kind", flat=True)) == ["after", "before"]
    assert page.input_value("#description") == ""  # ready for the next one
    assert page.outside_requests == []

    page.goto("/unit/?tab=self")
    assert problem.number in page.content()


def test_a_refused_self_check_keeps_the_form_and_its_photos(open_as, photo_file):
    lat, lng = point_in(YATOU)
    page = open_as("yatou", phone=True, geolocation=(lat, lng))
    page.goto("/unit/self-check/")
    page.set_input_files("#photos", photo_file("before.jpg", seed=33))
    # A type the plan does not have, set behind the picker's back: the server refuses it by field.
    page.evaluate("document.querySelector('#category').value = 'nope'")
    page.fill("#description", "门前有暴露垃圾")
    page.wait_for_function("document.querySelector('#lat').value !== ''")
    page.click("#submit-report")
    page.wait_for_selector("#error-category:not([hidden])")
    assert page.locator("#photo-previews li").count() == 1
    assert page.input_value("#description") == "门前有暴露垃圾"
    assert not Problem.objects.exists()
