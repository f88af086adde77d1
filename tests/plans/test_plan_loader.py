"""Loading the plan file: validated whole, precise errors, idempotent, never half-loaded."""

import csv
from pathlib import Path

import pytest
import yaml

from renju.plans.errors import LoadError
from renju.plans.models import Category, Plan, Task, Unit
from renju.plans.plan_loader import plan_load
from tests.conftest import PLAN_FILE

pytestmark = pytest.mark.django_db
CATALOG = Path("/work/shared/gbt-47678.5-2026-catalog.csv")


def plan_data() -> dict:
    return yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))


def write(tmp_path, data) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def load_error(tmp_path, data) -> str:
    with pytest.raises(LoadError) as exc:
        plan_load(write(tmp_path, data))
    return str(exc.value)


def test_the_rongcheng_plan_has_its_23_tasks_in_three_domains():
    plan = Plan.objects.get(code="rongcheng-2023", is_active=True)
    domains = list(plan.tasks.order_by("number").values_list("domain", flat=True))
    assert domains == ["urban"] * 12 + ["rural"] * 8 + ["scenic"] * 3
    assert plan.document == "荣政办发〔2023〕23号"


def test_liuwu_liujing_has_its_twelve_check_items_in_order():
    standard = Plan.objects.get(code="rongcheng-2023").standards.get(name="六无六净")
    texts = list(standard.items.values_list("text", flat=True))
    assert len(texts) == 12 and texts[0] == "路面无堆积" and texts[-1] == "花台周围净"


def test_task_units_keep_the_plans_order_with_the_first_leading():
    task = Task.objects.get(plan__code="rongcheng-2023", number=1)
    entries = list(task.task_units.order_by("position"))
    assert [e.unit.name if e.unit else e.marker for e in entries] == ["市住建局", "环卫集团", "@territorial"]


def test_phases_carry_the_plans_dates():
    phases = {p.code: p for p in Plan.objects.get(code="rongcheng-2023").phases.all()}
    assert str(phases["action"].start) == "2023-09-15" and str(phases["action"].end) == "2023-10-31"
    assert str(phases["consolidate"].start) == "2023-11-01" and str(phases["consolidate"].end) == "2023-12-30"


def test_every_unit_sits_in_one_of_the_four_ranking_groups():
    groups = set(Unit.objects.filter(plan__code="rongcheng-2023").values_list("group__code", flat=True))
    assert groups == {"towns", "departments", "stationed", "soe"}


def test_every_national_code_used_is_in_the_national_catalogue():
    catalogue = {row["code"] for row in csv.DictReader(CATALOG.open(encoding="utf-8"))}
    used = set(Category.objects.exclude(national_code="").values_list("national_code", flat=True))
    assert used and used <= catalogue


def test_every_task_has_a_category_to_report_against():
    tasks_with_categories = set(Category.objects.values_list("task__number", flat=True))
    assert tasks_with_categories == set(range(1, 24))


def test_loading_the_same_plan_again_changes_nothing():
    assert plan_load(PLAN_FILE).outcome == "unchanged"


def test_a_misspelt_field_is_named_with_its_path(tmp_path):
    data = plan_data()
    data["categories"][3]["time_limt"] = "2 working_days"
    assert "categories.3.time_limt: unknown field" in load_error(tmp_path, data)


def test_an_unknown_unit_in_a_task_is_named(tmp_path):
    data = plan_data()
    data["tasks"][0]["units"].append("nobody")
    assert "tasks.0.units: unknown unit 'nobody'" in load_error(tmp_path, data)


def test_a_bad_time_limit_says_what_is_expected(tmp_path):
    data = plan_data()
    data["default_time_limit"] = "soon"
    assert "default_time_limit: expected '<number> <unit>'" in load_error(tmp_path, data)


def test_broken_yaml_is_reported_with_its_line(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("plan:\n  code: x\n  name: [unclosed\n", encoding="utf-8")
    with pytest.raises(LoadError, match="line 4"):
        plan_load(path)


def test_a_plan_naming_an_unloaded_region_is_refused_before_anything_is_written(tmp_path):
    data = plan_data()
    data["plan"]["code"] = "other-plan"
    data["units"][-1]["region"] = "999999"
    assert "region '999999' is not loaded" in load_error(tmp_path, data)
    assert not Plan.objects.filter(code="other-plan").exists()


def test_a_new_version_updates_in_place_and_retires_a_dropped_category(tmp_path):
    data = plan_data()
    dropped = data["categories"].pop()["code"]
    data["categories"][0]["name"] = "暴露垃圾（修订）"
    result = plan_load(write(tmp_path, data))
    assert result.outcome == "updated"
    plan = Plan.objects.get(code="rongcheng-2023")
    assert plan.categories.get(code=dropped).active is False
    assert plan.categories.get(code=data["categories"][0]["code"]).name == "暴露垃圾（修订）"
