"""How good the classifier is, on the labelled set kept in the repository (plans/hotline-labelled.csv).

Two questions, each answered with a held-out split and with k-fold cross-validation:
- seed vocabulary only: the classifier as it is on day one, trained on nothing but the plan;
- after learning from corrections: the training part of the labelled set is played as the dispatchers' settled
  orders (a correction where the seed classifier was wrong, a confirmation where it was right, as the app records
  them) and the held-out part is classified.
Beside them the plain way (`keyword_baseline`): the category whose name or keywords the text contains most often.
Nothing here touches the database; the seeds come from the active plan or from a plan file.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from renju.hotline.classifier import Classifier, SeedCategory, keyword_baseline
from renju.hotline.segment import Segmenter

Row = tuple[str, str]  # (text, category code)
CONFIDENCE_BINS = [(0.0, 0.2), (0.2, 0.35), (0.35, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01)]


class LabelledSetError(ValueError):
    pass


def labelled_read(path: Path | str, codes: set[str] | None = None) -> list[Row]:
    """Rows of a `text,category` CSV (lines starting with # are comments); unknown codes are errors, by line."""
    rows: list[Row] = []
    errors: list[str] = []
    with open(path, encoding="utf-8", newline="") as f:
        lines = [(n, line) for n, line in enumerate(f, start=1) if line.strip() and not line.startswith("#")]
    reader = csv.reader(line for _n, line in lines)
    header = next(reader, None)
    if header != ["text", "category"]:
        raise LabelledSetError(f"{path}: the first row must be 'text,category', got {header!r}")
    for (n, _line), record in zip(lines[1:], reader, strict=True):
        if len(record) != 2 or not record[0].strip():
            errors.append(f"{path}:{n}: expected two columns, text and category")
        elif codes is not None and record[1] not in codes:
            errors.append(f"{path}:{n}: unknown category {record[1]!r}")
        else:
            rows.append((record[0].strip(), record[1].strip()))
    if errors:
        raise LabelledSetError("\n".join(errors))
    return rows


@dataclass
class Result:
    n: int = 0
    top1: int = 0
    top3: int = 0
    per_category: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    bins: list[list[int]] = field(default_factory=lambda: [[0, 0] for _ in CONFIDENCE_BINS])
    hard: list[int] = field(default_factory=lambda: [0, 0])  # texts with none of their category's words: [n, right]

    def add(self, code: str, ranked: Sequence[str], confidence: float | None, hard: bool) -> None:
        right = bool(ranked) and ranked[0] == code
        self.n += 1
        self.top1 += right
        self.top3 += code in ranked[:3]
        self.per_category[code][0] += 1
        self.per_category[code][1] += right
        if hard:
            self.hard[0] += 1
            self.hard[1] += right
        if confidence is not None:
            for b, (lo, hi) in enumerate(CONFIDENCE_BINS):
                if lo <= confidence < hi:
                    self.bins[b][0] += 1
                    self.bins[b][1] += right

    def merge(self, other: Result) -> None:
        self.n += other.n
        self.top1 += other.top1
        self.top3 += other.top3
        for code, (n, right) in other.per_category.items():
            self.per_category[code][0] += n
            self.per_category[code][1] += right
        for mine, theirs in zip(self.bins, other.bins, strict=True):
            mine[0] += theirs[0]
            mine[1] += theirs[1]
        self.hard[0] += other.hard[0]
        self.hard[1] += other.hard[1]

    def share(self, k: int = 1) -> float:
        return (self.top1 if k == 1 else self.top3) / self.n if self.n else 0.0


def _hard(seeds: Sequence[SeedCategory]) -> Callable[[str, str], bool]:
    words = {s.code: [w for w in (s.name, *s.keywords) if w] for s in seeds}
    return lambda text, code: not any(w in text for w in words.get(code, ()))


def classify_all(classifier: Classifier, rows: Sequence[Row], seeds: Sequence[SeedCategory]) -> Result:
    hard = _hard(seeds)
    result = Result()
    for text, code in rows:
        ranked = classifier.rank(text, 3)
        result.add(code, [r.code for r in ranked], ranked[0].p, hard(text, code))
    return result


def baseline_all(seeds: Sequence[SeedCategory], rows: Sequence[Row]) -> Result:
    predict, hard = keyword_baseline(seeds), _hard(seeds)
    result = Result()
    for text, code in rows:
        result.add(code, predict(text)[:3], None, hard(text, code))
    return result


def stratified_folds(rows: Sequence[Row], k: int, seed: int) -> list[list[int]]:
    """Row indexes dealt into k folds category by category, so every fold sees every category it can."""
    by_code: dict[str, list[int]] = defaultdict(list)
    for i, (_text, code) in enumerate(rows):
        by_code[code].append(i)
    rng = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    start = 0
    for code in sorted(by_code):
        members = by_code[code]
        rng.shuffle(members)
        for j, i in enumerate(members):
            folds[(start + j) % k].append(i)
        start += len(members)
    return folds


def held_out_split(rows: Sequence[Row], test_share: float, seed: int) -> tuple[list[int], list[int]]:
    """(train, test) indexes: about `test_share` of each category held out, at least one of each."""
    by_code: dict[str, list[int]] = defaultdict(list)
    for i, (_text, code) in enumerate(rows):
        by_code[code].append(i)
    rng = random.Random(seed)
    train, test = [], []
    for code in sorted(by_code):
        members = by_code[code]
        rng.shuffle(members)
        cut = max(1, round(len(members) * test_share))
        test += members[:cut]
        train += members[cut:]
    return sorted(train), sorted(test)


@dataclass
class Learned:
    result: Result
    corrections: int  # training texts the seed classifier got wrong (recorded as corrections)
    confirmations: int  # … and right (recorded as confirmations)


def learned_on(seeds: Sequence[SeedCategory], rows: Sequence[Row], train: Sequence[int], test: Sequence[int], *,
               segmenter: Segmenter, seed_classifier: Classifier, cache: dict) -> Learned:
    """Play `train` as the dispatchers' settled orders, then classify `test`."""
    examples = [rows[i] for i in train]
    wrong = sum(seed_classifier.rank(text, 1)[0].code != code for text, code in examples)
    learned = Classifier(seeds, examples, segmenter=segmenter, features=cache)
    return Learned(classify_all(learned, [rows[i] for i in test], seeds), wrong, len(examples) - wrong)


@dataclass
class Report:
    rows: int
    categories: int
    held_out: dict[str, Result]
    held_out_learned: Learned
    curve: list[tuple[int, Result]]
    kfold: dict[str, Result]
    kfold_corrections: int
    folds: int


def evaluation_run(seeds: Sequence[SeedCategory], rows: Sequence[Row], *, folds: int = 5, test_share: float = 0.3,
                   seed: int = 1, segmenter: Segmenter | None = None) -> Report:
    base = Classifier(seeds, segmenter=segmenter)
    segmenter = base.segmenter
    cache: dict = {}
    train, test = held_out_split(rows, test_share, seed)
    test_rows = [rows[i] for i in test]
    held_out = {"keywords": baseline_all(seeds, test_rows), "seeds": classify_all(base, test_rows, seeds)}
    learned = learned_on(seeds, rows, train, test, segmenter=segmenter, seed_classifier=base, cache=cache)
    rng = random.Random(seed)
    shuffled = list(train)
    rng.shuffle(shuffled)
    curve = []
    for size in sorted({s for s in (50, 100, 200, len(train)) if s <= len(train)}):
        curve.append((size, learned_on(seeds, rows, shuffled[:size], test, segmenter=segmenter,
                                       seed_classifier=base, cache=cache).result))
    kfold = {"keywords": baseline_all(seeds, rows), "seeds": classify_all(base, rows, seeds), "learned": Result()}
    corrections = 0
    parts = stratified_folds(rows, folds, seed)
    for n, part in enumerate(parts):
        rest = [i for m, other in enumerate(parts) if m != n for i in other]
        fold = learned_on(seeds, rows, rest, part, segmenter=segmenter, seed_classifier=base, cache=cache)
        kfold["learned"].merge(fold.result)
        corrections += fold.corrections
    return Report(len(rows), len({c for _t, c in rows}), held_out, learned, curve, kfold, corrections // folds, folds)


def report_lines(report: Report, names: dict[str, str], *, per_category: bool = True,
                 min_confidence: float | None = None) -> list[str]:
    """The report as text (what `renju hotline-eval` prints)."""

    def pct(right: int, n: int) -> str:
        return f"{100 * right / n:5.1f}%" if n else "    —"

    def line(label: str, r: Result) -> str:
        return (f"  {label:<44} top-1 {pct(r.top1, r.n)}  top-3 {pct(r.top3, r.n)}  "
                f"without own keywords {pct(r.hard[1], r.hard[0])} (n={r.hard[0]})  n={r.n}")

    lo = report.held_out_learned
    out = [f"labelled set: {report.rows} texts, {report.categories} categories",
           "held-out split (the same test texts for every line):",
           line("keyword matching (baseline)", report.held_out["keywords"]),
           line("seed vocabulary only", report.held_out["seeds"]),
           line(f"after {lo.corrections} corrections + {lo.confirmations} confirmations", lo.result),
           "  learning curve (settled orders → top-1 / top-3):"]
    out += [f"    {size:>5} → {pct(r.top1, r.n)} / {pct(r.top3, r.n)}" for size, r in report.curve]
    out += [f"{report.folds}-fold cross-validation (every text classified once):",
            line("keyword matching (baseline)", report.kfold["keywords"]),
            line("seed vocabulary only", report.kfold["seeds"]),
            line(f"after learning (≈{report.kfold_corrections} corrections a fold)", report.kfold["learned"]),
            "confidence against accuracy (k-fold, after learning):"]
    learned = report.kfold["learned"]
    for (low, high), (n, right) in zip(CONFIDENCE_BINS, learned.bins, strict=True):
        out.append(f"  {low:.2f}–{min(high, 1):.2f}: {n:>4} texts, {pct(right, n)} right")
    if min_confidence is not None:
        above = [(n, r) for (low, _h), (n, r) in zip(CONFIDENCE_BINS, learned.bins, strict=True)
                 if low >= min_confidence]
        n_above, right_above = sum(n for n, _r in above), sum(r for _n, r in above)
        out.append(f"  at min_confidence {min_confidence}: {pct(n_above, learned.n)} suggested, "
                   f"{pct(right_above, n_above)} of them right; the rest are marked for review")
    if per_category:
        out.append("per category (k-fold top-1: seed vocabulary only → after learning):")
        seeds_only = report.kfold["seeds"].per_category
        share = {c: right / n for c, (n, right) in learned.per_category.items()}
        for code in sorted(share, key=lambda c: (share[c], c)):
            n, right = learned.per_category[code]
            out.append(f"  {code:<9} {names.get(code, code)[:24]:<24} n={n:<3} "
                       f"{pct(seeds_only[code][1], n)} → {pct(right, n)}")
    return out
