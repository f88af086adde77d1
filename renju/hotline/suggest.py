"""The category to suggest for an order: the work order's own type when it names a category of the plan, else the
classifier's best guess with its confidence.

The classifier is trained in memory per process and retrained only when what it learns from changes: the plan
(its content hash) or the examples (their count and newest id), checked at most every `RECHECK_SECONDS`. The jieba
dictionary with the plan's words is built once per plan, and each example's features are kept, so learning one more
correction costs one segmentation and a recount.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.db.models import Count, Max

from renju.hotline.classifier import Classifier, seeds_from_context, segmenter_for
from renju.hotline.models import ClassifierExample
from renju.plans.active import active_plan

RECHECK_SECONDS = 2.0

_lock = threading.Lock()
_state: dict = {"key": None, "classifier": None, "segmenter": None, "plan": None, "features": {}, "checked": 0.0}


def _examples_key() -> tuple:
    agg = ClassifierExample.objects.aggregate(n=Count("id"), m=Max("id"))
    return agg["n"], agg["m"]


def classifier() -> Classifier:
    """The classifier for the active plan and the examples now in the database."""
    now = time.monotonic()
    if _state["classifier"] is not None and now - _state["checked"] < RECHECK_SECONDS:
        return _state["classifier"]
    ctx = active_plan()
    key = (ctx.plan.id, ctx.plan.content_hash, _examples_key())
    with _lock:
        if _state["key"] != key:
            seeds = seeds_from_context(ctx)
            plan_key = (ctx.plan.id, ctx.plan.content_hash)
            if _state["plan"] != plan_key:
                _state.update(segmenter=segmenter_for(seeds), plan=plan_key, features={})
            examples = list(ClassifierExample.objects.order_by("id").values_list("text", "category"))
            _state["classifier"] = Classifier(seeds, examples, segmenter=_state["segmenter"],
                                              features=_state["features"])
            _state["key"] = key
        _state["checked"] = now
        return _state["classifier"]


def forget_classifier() -> None:
    """Look at the plan and the examples again on next use (tests roll the database back under it)."""
    _state["checked"] = 0.0


@dataclass(frozen=True)
class CategorySuggestion:
    code: str
    confidence: float
    by: str  # "hint": the work order's own type named a category; "classifier"
    top: list[dict]
    words: list[str]
    needs_review: bool

    def as_json(self) -> dict:
        return {"by": self.by, "top": self.top, "words": self.words}


def min_confidence() -> float:
    return float(active_plan().plan.intake.get("hotline", {}).get("min_confidence", 0.35))


def category_suggest(content: str, hint: str = "") -> CategorySuggestion:
    """What to file the order under. A hint naming a category (code or exact name) is taken as it is; otherwise the
    classifier reads the text (with the hint's words, e.g. "城市管理-市容环境-占道经营"). Below the plan's
    `min_confidence` the best guess is still returned — a problem needs a category — but marked for review."""
    ctx = active_plan()
    hint = (hint or "").strip()
    by_name = {c.name: c for c in ctx.categories.values()}
    named = ctx.categories.get(hint) or by_name.get(hint)
    if named is not None:
        top = [{"code": named.code, "name": named.name, "p": 1.0}]
        return CategorySuggestion(named.code, 1.0, "hint", top, [], False)
    model = classifier()
    text = f"{content}\n{hint}" if hint else content
    ranked = model.rank(text, 3)
    best = ranked[0]
    top = [{"code": r.code, "name": r.name, "p": round(r.p, 4)} for r in ranked]
    return CategorySuggestion(best.code, round(best.p, 4), "classifier", top, model.explain(text, best.code),
                              best.p < min_confidence())
