"""Which category a complaint is about: naive Bayes over TF-IDF-weighted words and character bigrams, in numpy.

Why naive Bayes: it trains from a few words per category (the plan's seed vocabulary is all there is on day one),
it trains by counting (so learning one more correction costs a sum, not an optimisation), and its per-feature
weights say why a suggestion was made. Why not scikit-learn: counting and one matrix-vector product are all it
needs; a dependency of that size would buy nothing here.

Training documents:
- the seed vocabulary of each category: its name (weight `W_NAME`), each keyword (`W_KEYWORD`) and the texts of
  its check items (`W_ITEM`); a check item shared by several categories counts for each of them;
- examples (`ClassifierExample`): orders whose category a dispatcher settled, each at `W_EXAMPLE`.

Plain multinomial naive Bayes got *worse* when it learned from examples (measured on plans/hotline-labelled.csv:
74% top-1 from the seeds alone, 62% after learning): an example brings twenty ordinary words for each keyword, and
the categories with long examples are diluted. So each document is transformed first, as Rennie et al. (2003,
"Tackling the poor assumptions of naive Bayes text classifiers") recommend: term counts damped (log 1+tf), weighted
by inverse document frequency (words every category uses weigh little), and normalised to unit length (a long
example counts as much as a keyword, no more). Only features seen in training count. The prior is uniform: a prior
learned from how often each category is settled pulled every text towards the categories that happened to have
examples (k-fold top-1 after learning 76% with it, 82% without). The confidence is a softmax of the scores of the
unit-length query at a temperature (`TEMPERATURE`) chosen on the labelled set so that the confidence tracks the
share of right answers (`renju hotline-eval` prints that table).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from renju.hotline.segment import Segmenter, vocabulary_words

W_NAME = 3.0
W_KEYWORD = 2.0
W_ITEM = 1.0
W_EXAMPLE = 1.0
ALPHA = 1.0  # additive smoothing per feature
TEMPERATURE = 0.1


@dataclass(frozen=True)
class SeedCategory:
    """What the plan says about one category: the classifier's starting vocabulary."""

    code: str
    name: str
    keywords: tuple[str, ...] = ()
    items: tuple[str, ...] = ()

    def documents(self) -> list[tuple[str, float]]:
        return ([(self.name, W_NAME)] + [(k, W_KEYWORD) for k in self.keywords]
                + [(i, W_ITEM) for i in self.items])


@dataclass(frozen=True)
class Ranked:
    code: str
    name: str
    p: float


def seeds_from_context(ctx) -> list[SeedCategory]:
    """The seed vocabulary of the active plan (`renju.plans.active.PlanContext`)."""
    out = []
    for category in sorted(ctx.categories.values(), key=lambda c: c.position):
        items = sorted(ctx.category_items.get(category.id, ()))
        out.append(SeedCategory(category.code, category.name, tuple(category.keywords or ()),
                                tuple(ctx.check_items[code].text for code in items if code in ctx.check_items)))
    return out


def seeds_from_document(doc) -> list[SeedCategory]:
    """The seed vocabulary of a plan file read with `renju.plans.plan_loader.plan_read` (no database needed)."""
    items = {i.code: i.text for s in doc.standards for i in s.items}
    return [SeedCategory(c.code, c.name, tuple(c.keywords),
                         tuple(items[code] for code in c.check_items if code in items)) for c in doc.categories]


def segmenter_for(seeds: Sequence[SeedCategory]) -> Segmenter:
    texts: list[str] = []
    for seed in seeds:
        texts.extend(text for text, _w in seed.documents())
    return Segmenter(vocabulary_words(texts))


class Classifier:
    """Trained once from seeds and examples; `rank` is read-only and safe to share between threads."""

    def __init__(self, seeds: Sequence[SeedCategory], examples: Iterable[tuple[str, str]] = (), *,
                 segmenter: Segmenter | None = None, features: dict | None = None) -> None:
        """`examples` are (text, category code); `features` may map a text to its already computed features, so
        retraining after one more correction segments only the new text."""
        self.segmenter = segmenter or segmenter_for(seeds)
        self.codes = [s.code for s in seeds]
        self.names = {s.code: s.name for s in seeds}
        index = {code: n for n, code in enumerate(self.codes)}
        cache = features if features is not None else {}

        def counted(text: str) -> Counter:
            if text not in cache:
                cache[text] = Counter(self.segmenter.features(text))
            return cache[text]

        docs: list[tuple[int, Counter, float]] = []
        for n, seed in enumerate(seeds):
            docs.extend((n, counted(text), weight) for text, weight in seed.documents())
        self.example_counts = np.zeros(len(self.codes))
        for text, code in examples:
            n = index.get(code)
            if n is not None:  # else a category the plan no longer has
                docs.append((n, counted(text), W_EXAMPLE))
                self.example_counts[n] += 1
        df = Counter(f for _n, tf, _w in docs for f in tf)
        self.vocabulary = {f: k for k, f in enumerate(sorted(df))}
        self.idf = np.zeros(len(self.vocabulary))
        for f, k in self.vocabulary.items():
            self.idf[k] = math.log(len(docs) / df[f])
        # Every (document, feature) pair in flat arrays, then one vectorised pass: TF-IDF, unit length, summed.
        vocabulary, doc_of, class_of, columns, counts = self.vocabulary, [], [], [], []
        for d, (n, tf, _weight) in enumerate(docs):
            doc_of.extend([d] * len(tf))
            class_of.extend([n] * len(tf))
            columns.extend(vocabulary[f] for f in tf)
            counts.extend(tf.values())
        doc_of_a, columns_a = np.array(doc_of, dtype=np.int64), np.array(columns, dtype=np.int64)
        values = np.log1p(np.array(counts, dtype=float)) * self.idf[columns_a]
        norms = np.sqrt(np.bincount(doc_of_a, weights=values * values, minlength=len(docs)))
        weights = np.array([w for _n, _tf, w in docs])
        values *= (weights / np.where(norms > 0, norms, 1.0))[doc_of_a]
        mass = np.zeros((len(self.codes), len(self.vocabulary)))
        np.add.at(mass, (np.array(class_of, dtype=np.int64), columns_a), values)
        self.log_p = np.log((mass + ALPHA) / (mass.sum(axis=1, keepdims=True) + ALPHA * len(self.vocabulary)))

    @property
    def examples(self) -> int:
        return int(self.example_counts.sum())

    def _query(self, text: str) -> tuple[list[int], np.ndarray]:
        tf = Counter(f for f in self.segmenter.features(text) if f in self.vocabulary)
        columns = [self.vocabulary[f] for f in tf]
        values = np.log1p(np.fromiter(tf.values(), float, len(tf))) * self.idf[columns]
        norm = np.linalg.norm(values)
        return columns, (values / norm if norm > 0 else values)

    def scores(self, text: str) -> np.ndarray:
        """Per-category log-likelihood of the (unit-length, TF-IDF) text; all zero when no feature is known."""
        columns, values = self._query(text)
        return self.log_p[:, columns] @ values if columns else np.zeros(len(self.codes))

    def rank(self, text: str, k: int = 3) -> list[Ranked]:
        """The `k` likeliest categories with their confidence (0..1, summing to 1 over all categories)."""
        scores = self.scores(text)
        p = np.exp((scores - scores.max()) / TEMPERATURE)
        p /= p.sum()
        order = np.argsort(-p, kind="stable")[:k]
        return [Ranked(self.codes[i], self.names[self.codes[i]], float(p[i])) for i in order]

    def explain(self, text: str, code: str, k: int = 5) -> list[str]:
        """The words of `text` that speak most for `code` against the other categories (shown to the dispatcher)."""
        n = self.codes.index(code)
        lifts: dict[str, float] = {}
        for f in set(self.segmenter.features(text)):
            column = self.vocabulary.get(f)
            if column is not None and f.startswith("w:"):
                lifts[f[2:]] = float(self.log_p[n, column] - np.median(self.log_p[:, column]))
        return [w for w, lift in sorted(lifts.items(), key=lambda kv: -kv[1]) if lift > 0][:k]


def keyword_baseline(seeds: Sequence[SeedCategory]):
    """The plain way, for comparison: the category whose name or keywords occur in the text most often (the first
    in plan order on a tie; the first category when nothing matches)."""

    def predict(text: str) -> list[str]:
        hits = [(sum(text.count(k) for k in (s.name, *s.keywords) if k), -n, s.code) for n, s in enumerate(seeds)]
        hits.sort(reverse=True)
        return [code for _h, _n, code in hits]

    return predict
