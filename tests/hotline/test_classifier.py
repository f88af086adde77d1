"""The category classifier: jieba with the plan's words, naive Bayes from the seed vocabulary, learning from the
dispatchers' corrections, the labelled set and its evaluation."""

from __future__ import annotations

from pathlib import Path

import pytest

from renju.hotline.classifier import Classifier, SeedCategory, keyword_baseline, seeds_from_context
from renju.hotline.evaluation import (
    LabelledSetError,
    evaluation_run,
    held_out_split,
    labelled_read,
    report_lines,
    stratified_folds,
)
from renju.hotline.learning import hotline_learn
from renju.hotline.models import ClassifierExample
from renju.hotline.suggest import category_suggest, classifier, forget_classifier
from renju.plans.active import active_plan
from renju.problems import lifecycle
from renju.problems.models import Problem

LABELLED = Path(__file__).resolve().parents[2] / "plans" / "hotline-labelled.csv"
TINY = [
    SeedCategory("A", "暴露垃圾", ("路边垃圾", "乱扔垃圾"), ("路面无垃圾",)),
    SeedCategory("B", "路灯异常", ("路灯不亮", "灯杆"), ()),
    SeedCategory("C", "占道经营", ("摆摊", "流动摊点"), ()),
]


@pytest.fixture(scope="module")
def tiny():
    return Classifier(TINY)


def test_the_plans_words_stay_whole_when_segmented(tiny):
    assert "路灯不亮" in tiny.segmenter.words("晚上路灯不亮了")
    assert "的" not in tiny.segmenter.words("路边的垃圾")  # stopwords dropped


def test_seed_vocabulary_alone_ranks_the_obvious_category_first_with_a_confidence(tiny):
    ranked = tiny.rank("府新路的路灯晚上都不亮", 3)
    assert ranked[0].code == "B" and ranked[0].p > ranked[1].p
    assert abs(sum(r.p for r in tiny.rank("府新路的路灯晚上都不亮", 3)) - 1) < 1e-9


def test_a_typo_still_matches_through_character_bigrams(tiny):
    assert tiny.rank("马路边有人乱扔拉圾")[0].code == "A"


def test_a_text_with_no_known_word_gets_an_even_unconfident_guess(tiny):
    ranked = tiny.rank("你好", 3)
    assert all(abs(r.p - 1 / 3) < 1e-9 for r in ranked)


def test_examples_teach_a_word_the_seeds_never_used(tiny):
    text = "天桥底下好多卖袜子的小贩"
    assert "w:小贩" not in tiny.vocabulary and tiny.rank(text)[0].p < 0.5
    learned = Classifier(TINY, [("天桥底下小贩卖东西", "C"), ("小贩推车卖水果", "C")], segmenter=tiny.segmenter)
    assert learned.rank(text)[0].code == "C" and learned.examples == 2
    assert "小贩" in learned.explain(text, "C")


def test_examples_of_a_category_the_plan_dropped_are_ignored(tiny):
    assert Classifier(TINY, [("什么", "Z")], segmenter=tiny.segmenter).examples == 0


def test_the_keyword_baseline_counts_names_and_keywords():
    predict = keyword_baseline(TINY)
    assert predict("路灯不亮，灯杆也歪了")[0] == "B"
    assert predict("没有关键词")[0] == "A"  # nothing matched: the first category


def test_the_labelled_set_is_large_varied_and_uses_only_plan_categories(db):
    codes = set(active_plan().categories)
    rows = labelled_read(LABELLED, codes)
    assert len(rows) >= 300
    per_category = {code: sum(c == code for _t, c in rows) for code in codes}
    assert min(per_category.values()) >= 3
    assert len({t for t, _c in rows}) == len(rows)  # no text twice


def test_a_labelled_set_with_an_unknown_category_or_bad_header_is_refused_by_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("# comment\ntext,category\n路灯坏了,01037\n路灯坏了,NOPE\n", encoding="utf-8")
    with pytest.raises(LabelledSetError, match=r"bad.csv:4: unknown category 'NOPE'"):
        labelled_read(bad, {"01037"})
    bad.write_text("words,label\n", encoding="utf-8")
    with pytest.raises(LabelledSetError, match="first row"):
        labelled_read(bad)


def test_splits_hold_out_every_category_and_folds_cover_every_text_once():
    rows = [(f"t{i}", "AB"[i % 2]) for i in range(20)]
    train, test = held_out_split(rows, 0.3, seed=1)
    assert not set(train) & set(test) and {rows[i][1] for i in test} == {"A", "B"}
    folds = stratified_folds(rows, 5, seed=1)
    assert sorted(i for f in folds for i in f) == list(range(20))


def test_the_evaluation_reports_baseline_seeds_and_learning_on_a_small_set(tiny):
    rows = [("路边有垃圾", "A"), ("垃圾没人清", "A"), ("乱扔垃圾很多", "A"), ("路灯坏了", "B"), ("灯不亮", "B"),
            ("路灯黑了", "B"), ("有人摆摊", "C"), ("小贩占道", "C"), ("地摊占路", "C")]
    report = evaluation_run(TINY, rows, folds=3, test_share=0.34, seed=1, segmenter=tiny.segmenter)
    assert report.kfold["seeds"].n == len(rows) and report.kfold["learned"].n == len(rows)
    assert report.held_out["keywords"].n == report.held_out["seeds"].n == 3
    text = "\n".join(report_lines(report, {s.code: s.name for s in TINY}, min_confidence=0.35))
    assert "seed vocabulary only" in text and "keyword matching" in text and "per category" in text


@pytest.mark.django_db
def test_the_suggestion_marks_a_weak_guess_for_review(settings):
    weak = category_suggest("情况说明一下")
    assert weak.needs_review and weak.confidence < 0.35 and len(weak.top) == 3
    strong = category_suggest("夜间施工噪音太大，工地晚上还在打桩")
    assert strong.code == "08001" and not strong.needs_review


@pytest.mark.django_db
def test_the_classifier_is_retrained_when_examples_are_added():
    first = classifier()
    assert classifier() is first
    ClassifierExample.objects.create(text="天桥底下好多卖袜子的小贩", category="09006")
    forget_classifier()
    second = classifier()
    assert second is not first and second.examples == 1


def accept(users, problem: Problem, category: str | None = None, actor: str = "dispatcher"):
    return lifecycle.problem_accept(actor=users[actor], problem_id=problem.id, category=category)


@pytest.mark.django_db
def test_an_accept_with_another_category_is_learnt_as_a_correction_and_without_as_a_confirmation(receive, users):
    corrected = receive("L-1", content="天桥底下好多卖袜子的小贩")
    confirmed = receive("L-2", content="夜间施工噪音太大，工地晚上还在打桩")
    untouched = receive("L-3", content="路灯坏了")
    accept(users, corrected.problem, "09006")
    accept(users, confirmed.problem)
    assert hotline_learn(None) == {"examples": 2, "corrections": 1}
    examples = {e.order.order_no: (e.category, e.source) for e in ClassifierExample.objects.select_related("order")}
    assert examples == {"L-1": ("09006", "correction"), "L-2": ("08001", "confirmation")}
    assert hotline_learn(None) == {"examples": 0, "corrections": 0}  # nothing twice
    assert not ClassifierExample.objects.filter(order=untouched).exists()


@pytest.mark.django_db
def test_the_platforms_own_fast_track_teaches_nothing(receive, platform):
    order = receive("L-9", content="路灯坏了")
    lifecycle.problem_fast_track(actor=platform, problem_id=order.problem_id, reason="平台直派")
    assert hotline_learn(None)["examples"] == 0


@pytest.mark.django_db
def test_seeds_come_from_the_active_plan_with_check_item_texts():
    seeds = {s.code: s for s in seeds_from_context(active_plan())}
    assert len(seeds) == len(active_plan().categories)
    assert "垃圾没人清" in seeds["06010"].keywords and seeds["06010"].items


@pytest.mark.django_db
def test_the_eval_command_reports_accuracy_and_refuses_a_bad_set(tmp_path, capsys):
    from django.core.management import CommandError, call_command

    small = tmp_path / "small.csv"
    lines = ["text,category"] + [f"{t},{c}" for t, c in [
        ("路边垃圾没人清", "06010"), ("有人乱扔垃圾", "06010"), ("路灯不亮", "01037"), ("路灯坏了", "01037"),
        ("工地晚上施工太吵", "08001"), ("夜间施工噪音", "08001")]]
    small.write_text("\n".join(lines), encoding="utf-8")
    call_command("hotline-eval", "--file", str(small), "--folds", "2", "--brief")
    out = capsys.readouterr().out
    assert "labelled set: 6 texts, 3 categories" in out and "seed vocabulary only" in out
    assert "at min_confidence 0.35" in out and "per category" not in out
    small.write_text("text,category\n路灯坏了,NOPE\n", encoding="utf-8")
    with pytest.raises(CommandError, match="unknown category"):
        call_command("hotline-eval", "--file", str(small))
