"""Importing a sheet of referred problems: each good row becomes a problem sent to its unit, each bad row is refused
with its reasons per field while the others go in, and importing again never makes a second problem."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from renju.problems import lifecycle
from renju.problems.errors import ActionForbidden, InvalidInput
from renju.problems.models import Photo, Problem, Status
from renju.referrals.models import Referral, ReferralBatch
from tests.conftest import jpeg, prepared_photo
from tests.referrals.conftest import CHENGXI, HEADERS, csv_bytes, row, xlsx

pytestmark = pytest.mark.django_db


def outcomes(batch) -> dict[str, str]:
    return {line["reference"]: line["outcome"] for line in batch.report}


def line_of(batch, reference: str) -> dict:
    return next(line for line in batch.report if line["reference"] == reference)


# ---------------------------------------------------------------- the happy path


def test_each_row_becomes_a_referred_problem_sent_straight_to_its_unit(importing):
    batch = importing(xlsx([row("JZB-001"), row("JZB-002", region=CHENGXI)]))

    assert (batch.rows, batch.created, batch.existing, batch.refused) == (2, 2, 0, 0)
    assert batch.office == "市精致办"  # named row by row, listed on the batch
    first = Problem.objects.get(referrals__reference="JZB-001")
    assert first.source == "referral"
    assert first.status == Status.DISPATCHED
    assert first.unit.code == "yatou"
    assert first.category.code == "06010"
    assert first.description == "【市精致办交办 JZB-001】路口东侧绿化带内有暴露垃圾"
    assert timezone.localtime(first.found_at).date() == dt.date(2023, 6, 5)
    assert list(first.events.values_list("action", flat=True)) == ["report", "accept", "dispatch"]
    assert Problem.objects.get(referrals__reference="JZB-002").unit.code == "chengxi"
    referral = Referral.objects.get(reference="JZB-001")
    assert (referral.office, referral.referred_on, referral.batch_id) == ("市精致办", dt.date(2023, 6, 5), batch.id)
    assert referral.row["问题描述"] == "路口东侧绿化带内有暴露垃圾"
    line = line_of(batch, "JZB-001")
    assert line["row"] == 2
    assert line["problem"]["number"] == first.number
    assert line["unit"] == {"code": "yatou", "name": "崖头街道"}
    assert line["category"]["how"] == "按名称"
    assert line["place"] == "按经纬度定位"


def test_a_unit_named_in_the_sheet_gets_the_problem_even_against_the_suggestion(importing):
    batch = importing(xlsx([row("JZB-003", 责任单位="环卫集团")]))

    problem = Problem.objects.get()
    assert problem.unit.code == "huanwei" and problem.suggested_unit.code == "yatou"
    dispatch = problem.events.get(action="dispatch")
    assert dispatch.details["override"]["suggested"] == "yatou"
    assert "按交办指定派往环卫集团（系统建议为崖头街道）" in line_of(batch, "JZB-003")["notes"]


def test_a_unit_is_found_by_code_name_or_full_name(importing):
    importing(xlsx([row("U1", 责任单位="zhujianju"), row("U2", 责任单位="荣成市住房和城乡建设局"),
                    row("U3", 责任单位="崖头街道")]))
    units = dict(Problem.objects.values_list("referrals__reference", "unit__code"))
    assert units == {"U1": "zhujianju", "U2": "zhujianju", "U3": "yatou"}


def test_the_category_is_found_by_code_by_name_or_by_keywords_and_the_report_says_how(importing):
    batch = importing(xlsx([
        row("C1", 问题类型="09006"),
        row("C1b", 问题类型="RC-01-01"),
        row("C1c", 问题类型="06051"),
        row("C2", 问题类型="占道经营"),
        row("C3", 问题类型="小广告"),
        row("C4", 问题类型="", 问题描述="背街小巷有人乱贴小广告"),
        row("C5", 问题类型="垃圾", 问题描述="路边有暴露垃圾无人清理"),
        row("C6", 问题类型="06008", 问题描述="楼道里电动车飞线充电"),
    ]))
    got = {line["reference"]: (line["category"]["name"], line["category"]["how"]) for line in batch.report}
    assert got["C1"] == ("占道经营", "按编码")  # the plan's own code, though two other types share it nationally
    assert got["C1b"] == ("盲道、无障碍坡道缺损", "按编码")
    assert got["C1c"] == ("盲道、无障碍坡道缺损", "按编码")  # its national code
    assert got["C2"] == ("占道经营", "按名称")
    assert got["C3"][1].startswith("按关键词")
    assert got["C4"][1].startswith("按描述中的关键词")
    # "垃圾" fits several types; the description settles it.
    assert got["C5"] == ("暴露垃圾", "按描述中的关键词「暴露垃圾」")
    assert got["C3"][0] == got["C4"][0]
    # 06008 is the national code of two local types; the description settles that too.
    assert got["C6"] == ("电动车“飞线”充电、私拉电线", "按描述中的关键词「飞线充电」")


def test_a_row_without_coordinates_is_placed_by_the_most_specific_region_in_its_address(importing):
    from renju.plans.geo import region_index

    batch = importing(xlsx([row("P1", 地址="荣成市崖头街道滨华社区府前路18号", 经度="", 纬度="")]))

    problem = Problem.objects.get()
    index = region_index()
    assert "滨华社区" in [n.name for n in index.ancestors(problem.region_id)]
    assert problem.unit.code == "yatou"
    assert problem.address == "荣成市崖头街道滨华社区府前路18号"
    assert line_of(batch, "P1")["place"] == "按地址定位到滨华社区"


def test_a_village_named_without_its_suffix_is_still_found(importing):
    from renju.plans.geo import region_index

    importing(xlsx([row("P2", 地址="俚岛东于家岭村口", 经度="", 纬度="")]))
    problem = Problem.objects.get()
    assert "东于家岭村" in [n.name for n in region_index().ancestors(problem.region_id)]


def test_swapped_coordinates_are_noticed_and_used_the_right_way_round(importing):
    lat_lng = row("S1")
    lng_at, lat_at = HEADERS.index("经度"), HEADERS.index("纬度")
    lat_lng[lng_at], lat_lng[lat_at] = lat_lng[lat_at], lat_lng[lng_at]
    batch = importing(xlsx([lat_lng]))
    assert outcomes(batch) == {"S1": "created"}
    assert "经纬度填反了，已交换后定位" in line_of(batch, "S1")["notes"]


def test_coordinates_outside_the_city_fall_back_to_the_address_with_a_note(importing):
    batch = importing(xlsx([row("S2", 经度=116.4, 纬度=39.9, 地址="城西街道")]))
    assert Problem.objects.get().unit.code == "chengxi"
    assert any("不在本市任何区域内，已按地址定位" in n for n in line_of(batch, "S2")["notes"])


def test_a_row_marked_key_becomes_a_key_problem(importing):
    importing(xlsx([row("K1", 是否重点="是"), row("K2", 是否重点="否"), row("K3")]))
    assert dict(Problem.objects.values_list("referrals__reference", "is_key")) == {"K1": True, "K2": False, "K3": False}


def test_photos_named_in_the_sheet_are_kept_as_the_problems_photos(importing):
    from renju.referrals.importer import UploadedPhoto

    photos = {"a-1.jpg": UploadedPhoto("a-1.jpg", jpeg(1)), "a-2.jpg": UploadedPhoto("a-2.jpg", jpeg(2))}
    importing(xlsx([row("F1", 照片="A-1.jpg，a-2.jpg")]), photos=photos)
    problem = Problem.objects.get()
    assert sorted(problem.photos.values_list("filename", flat=True)) == ["a-1.jpg", "a-2.jpg"]
    assert set(problem.photos.values_list("kind", flat=True)) == {Photo.Kind.BEFORE}


def test_a_deadline_earlier_than_the_plans_is_pointed_out(importing):
    batch = importing(xlsx([row("D1", 问题类型="道路破损", 整改时限=timezone.localdate().isoformat())]))
    assert any("晚于交办时限" in n for n in line_of(batch, "D1")["notes"])
    assert Referral.objects.get().due_on == timezone.localdate()


def test_a_csv_saved_by_chinese_excel_in_gbk_with_a_title_row_and_other_header_names_is_read(importing):
    headers = ["序号", "问题内容", "问题地址", "问题类别", "经度(WGS84)", "纬度(WGS84)", "备注"]
    data = "上级交办问题清单\r\n" + ",".join(headers) + "\r\n7,路边暴露垃圾,崖头街道滨华社区,暴露垃圾,,,请速办\r\n"
    batch = importing(data.encode("gb18030"), filename="list.csv", office="市精致办")

    assert outcomes(batch) == {"7": "created"}
    assert batch.columns["kind"] == "csv"
    assert {c["header"]: c["field"] for c in batch.columns["mapped"]}["经度(WGS84)"] == "lng"
    assert batch.columns["unused"] == ["备注"]
    assert Referral.objects.get().office == "市精致办"


# ---------------------------------------------------------------- importing again


def test_importing_the_same_file_again_reports_every_row_as_existing_and_files_nothing(importing):
    data = xlsx([row("R1"), row("R2")])
    first = importing(data)
    again = importing(data)

    assert Problem.objects.count() == 2
    assert (again.created, again.existing, again.refused) == (0, 2, 0)
    assert outcomes(again) == {"R1": "existing", "R2": "existing"}
    assert line_of(again, "R1")["problem"]["id"] == line_of(first, "R1")["problem"]["id"]
    assert line_of(again, "R1")["first_batch"] == first.id
    assert ReferralBatch.objects.count() == 2


def test_an_overlapping_file_adds_only_its_new_rows(importing):
    importing(xlsx([row("R1"), row("R2")]))
    batch = importing(xlsx([row("R2"), row("R3")]))
    assert outcomes(batch) == {"R2": "existing", "R3": "created"}
    assert Problem.objects.count() == 3


def test_another_dispatcher_importing_the_same_rows_makes_no_second_problem(importing, users):
    from renju.accounts.models import Role, User

    importing(xlsx([row("R1")]))
    other = User.objects.create_user("dispatcher9", role=Role.DISPATCHER)
    users["dispatcher9"] = other
    batch = importing(xlsx([row("R1")]), as_user="dispatcher9")
    assert outcomes(batch) == {"R1": "existing"}
    assert Problem.objects.count() == 1


def test_the_same_number_from_another_office_is_another_referral(importing):
    importing(xlsx([row("R1")]))
    batch = importing(xlsx([row("R1", 交办单位="威海市督查室")]))
    assert outcomes(batch) == {"R1": "created"}
    assert Problem.objects.count() == 2


def test_the_same_number_twice_in_one_file_files_it_once(importing):
    batch = importing(xlsx([row("R1"), row("R1")]))
    assert [line["outcome"] for line in batch.report] == ["created", "existing"]
    assert Problem.objects.count() == 1


def test_a_corrected_row_imported_again_is_not_rewritten_but_the_report_says_it_differs(importing):
    importing(xlsx([row("R1")]))
    batch = importing(xlsx([row("R1", 问题描述="更正后的描述")]))
    assert outcomes(batch) == {"R1": "existing"}
    assert any("与首次导入时内容不同（问题描述）" in n for n in line_of(batch, "R1")["notes"])
    assert "更正后的描述" not in Problem.objects.get().description


def test_a_refused_row_corrected_and_imported_again_goes_in_beside_the_ones_already_there(importing):
    importing(xlsx([row("R1"), row("R2", 责任单位="火星办")]))
    batch = importing(xlsx([row("R1"), row("R2", 责任单位="环卫集团")]))
    assert outcomes(batch) == {"R1": "existing", "R2": "created"}
    assert Problem.objects.get(referrals__reference="R2").unit.code == "huanwei"


def test_a_row_whose_referral_record_was_removed_is_refused_rather_than_filed_twice(importing):
    importing(xlsx([row("R1")]))
    Referral.objects.all().delete()
    batch = importing(xlsx([row("R1")]))
    assert outcomes(batch) == {"R1": "refused"}
    assert "缺少交办记录" in line_of(batch, "R1")["errors"]["row"][0]
    assert Problem.objects.count() == 1


def test_a_row_imported_again_shows_its_problems_state_now(importing, users):
    importing(xlsx([row("R1")]))
    problem = Problem.objects.get()
    lifecycle.problem_rectify(actor=users["yatou"], problem_id=problem.id, note="已清理", photos=[prepared_photo(3)])
    batch = importing(xlsx([row("R1")]))
    assert line_of(batch, "R1")["problem"]["status"] == "rectified"


# ---------------------------------------------------------------- rows refused, one reason each


REFUSALS = [
    ("no reference", ("", dict(问题描述="x暴露垃圾")), "reference", "必填"),
    ("no description", ("N2", dict(问题描述="", 问题类型="暴露垃圾")), "description", "必填"),
    ("office column empty and none given", ("N3", dict(交办单位="")), "office", "必填"),
    ("unknown category", ("N4", dict(问题类型="外星人", 问题描述="情况不明")), "category", "对应不到"),
    ("ambiguous category", ("N5", dict(问题类型="垃圾", 问题描述="情况不明")), "category", "无法确定"),
    ("shared national code", ("N5b", dict(问题类型="06008", 问题描述="情况不明")), "category", "无法确定"),
    ("address names no region", ("N6", dict(地址="某某路88号", 经度="", 纬度="")), "address", "无法定位"),
    ("address names two unrelated regions", ("N7", dict(地址="崖头街道青岭社区", 经度="", 纬度="")), "address",
     "不属于同一区域"),
    ("no place at all", ("N8", dict(地址="", 经度="", 纬度="")), "address", "无法定位"),
    ("coordinates outside and no address", ("N9", dict(经度=116.4, 纬度=39.9)), "lat", "不在本市任何区域内"),
    ("only one coordinate", ("N10", dict(经度="")), "lat", "同时填写"),
    ("unknown unit", ("N11", dict(责任单位="火星办")), "unit", "不是本方案的责任单位"),
    ("bad date", ("N12", dict(交办日期="六月五日")), "referred_on", "无法识别的日期"),
    ("future date", ("N13", dict(交办日期=(dt.date.today() + dt.timedelta(days=3)).isoformat())), "referred_on",
     "晚于今天"),
    ("bad key flag", ("N14", dict(是否重点="也许")), "is_key", "是 或 否"),
    ("photo not sent", ("N15", dict(照片="missing.jpg")), "photos", "未找到照片文件 missing.jpg"),
]


@pytest.mark.parametrize(("case", "bad", "field", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_bad_row_is_refused_with_its_reason_and_the_good_rows_still_go_in(importing, case, bad, field, message):
    reference, fields = bad
    batch = importing(xlsx([row("GOOD-1"), row(reference, **fields), row("GOOD-2")]))

    assert (batch.created, batch.refused) == (2, 1)
    refused = next(line for line in batch.report if line["outcome"] == "refused")
    assert refused["row"] == 3
    assert field in refused["errors"], refused["errors"]
    assert any(message in m for m in refused["errors"][field]), refused["errors"]
    assert Problem.objects.count() == 2 and Referral.objects.count() == 2


def test_a_corrupt_photo_refuses_its_row_only(importing):
    from renju.referrals.importer import UploadedPhoto

    batch = importing(xlsx([row("F1", 照片="bad.jpg"), row("F2")]),
                      photos={"bad.jpg": UploadedPhoto("bad.jpg", b"\xff\xd8\xff not really a jpeg")})
    assert outcomes(batch) == {"F1": "refused", "F2": "created"}
    assert "photos" in line_of(batch, "F1")["errors"]


def test_a_row_that_fails_after_its_problem_was_filed_leaves_nothing_behind(importing, monkeypatch, media_root):
    from renju.referrals import importer
    from renju.referrals.importer import UploadedPhoto

    real = lifecycle.problem_fast_track

    def refuse_second(*, actor, problem_id, reason, at=None):
        if "F2" in reason:
            raise InvalidInput.one("unit", "refused for the test")
        return real(actor=actor, problem_id=problem_id, reason=reason, at=at)

    monkeypatch.setattr(importer.lifecycle, "problem_fast_track", refuse_second)
    batch = importing(xlsx([row("F1"), row("F2", 照片="p.jpg")]), photos={"p.jpg": UploadedPhoto("p.jpg", jpeg(5))})

    assert outcomes(batch) == {"F1": "created", "F2": "refused"}
    assert Problem.objects.count() == 1 and Referral.objects.count() == 1
    assert Photo.objects.count() == 0
    stored = [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []
    assert stored == []


# ---------------------------------------------------------------- files refused whole: nothing written


def nothing_written() -> bool:
    return not (ReferralBatch.objects.exists() or Referral.objects.exists() or Problem.objects.exists())


FILE_REFUSALS = [
    ("empty", b"", "x.xlsx", "空"),
    ("not a spreadsheet", bytes(range(256)) * 8, "photo.jpg", "不是表格文件"),
    ("a broken xlsx", b"PK\x03\x04" + b"\x00garbage" * 50, "x.xlsx", "已损坏"),
    ("an old xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "x.xls", ".xls"),
    ("xlsx name, text inside", "交办编号,问题描述\r\n1,垃圾\r\n".encode(), "x.xlsx", "不是 Excel 工作簿"),
    ("no known headers", xlsx([["a", "b"]], headers=["姓名", "电话"]), "x.xlsx", "没有找到表头"),
    ("headers but no place columns", xlsx([["1", "垃圾"]], headers=["交办编号", "问题描述"]), "x.xlsx",
     "「地址」或「经度」「纬度」"),
    ("no reference column", xlsx([["垃圾", "崖头街道"]], headers=["问题描述", "地址"]), "x.xlsx", "「交办编号」"),
    ("headers and no rows", xlsx([]), "x.xlsx", "没有数据行"),
]


@pytest.mark.parametrize(("case", "data", "filename", "message"), FILE_REFUSALS, ids=[r[0] for r in FILE_REFUSALS])
def test_a_file_that_is_not_a_referral_sheet_is_refused_whole_and_nothing_is_written(
        importing, case, data, filename, message):
    with pytest.raises(InvalidInput) as refused:
        importing(data, filename=filename, office="市精致办")
    assert "file" in refused.value.errors
    assert any(message in m for m in refused.value.errors["file"]), refused.value.errors
    assert nothing_written()


def test_an_oversized_file_is_refused_before_it_is_read(importing, monkeypatch):
    from renju.referrals import sheet

    monkeypatch.setattr(sheet, "MAX_BYTES", 1000)
    with pytest.raises(InvalidInput) as refused:
        importing(xlsx([row("R1")]))
    assert "超过" in refused.value.errors["file"][0]
    assert nothing_written()


def test_a_sheet_with_too_many_rows_is_refused_whole(importing, monkeypatch):
    from renju.referrals import sheet

    monkeypatch.setattr(sheet, "MAX_ROWS", 2)
    with pytest.raises(InvalidInput) as refused:
        importing(xlsx([row("R1"), row("R2"), row("R3")]))
    assert "超过 2 行" in refused.value.errors["file"][0]
    assert nothing_written()


def test_a_sheet_without_an_office_column_needs_the_office_given_at_import(importing):
    headers = [h for h in HEADERS if h != "交办单位"]
    rows = [[v for h, v in zip(HEADERS, row("R1"), strict=True) if h != "交办单位"]]
    with pytest.raises(InvalidInput) as refused:
        importing(xlsx(rows, headers=headers))
    assert "office" in refused.value.errors
    assert nothing_written()
    batch = importing(xlsx(rows, headers=headers), office="市精致办")
    assert batch.created == 1 and Referral.objects.get().office == "市精致办"


# ---------------------------------------------------------------- who may import


@pytest.mark.parametrize("username", ["inspector", "yatou", "leader", "scorer"])
def test_only_dispatchers_may_import(importing, username):
    with pytest.raises(ActionForbidden):
        importing(xlsx([row("R1")]), as_user=username)
    assert nothing_written()


def test_an_admin_may_import(importing):
    assert importing(xlsx([row("R1")]), as_user="admin").created == 1


def test_csv_in_utf8_is_read_as_well(importing):
    batch = importing(csv_bytes([row("R1")]), filename="list.csv")
    assert outcomes(batch) == {"R1": "created"}
