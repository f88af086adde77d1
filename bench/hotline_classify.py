"""Hotline classification: how often the suggested category is right, and how many orders a second it reads.

What is measured, on the labelled set kept in the repository (`plans/hotline-labelled.csv`, 554 synthetic 12345
texts over the 86 categories of the Rongcheng plan) with the categories read from the plan file (no database):
- accuracy: top-1 and top-3 of `renju.hotline.classifier.Classifier` (the one the app uses, jieba + TF-IDF naive
  Bayes) with the seed vocabulary only, and after learning from the training part as the dispatchers' settled
  orders, by 5-fold cross-validation and by a 30% held-out split (`renju.hotline.evaluation`, the same code as
  `renju hotline-eval`); also on the texts that contain none of their category's name or keywords;
- throughput: `Classifier.rank(text, 3)` over the labelled texts, several passes, one at a time (as orders
  arrive), after a warm-up;
- retraining: building the classifier again after one more correction, with the features of the texts already seen
  kept (what the app does), against building it from nothing (segmenting every text again).

Baseline, and why it is fair: plain keyword matching against the same plan, measured in the same run on the same
texts: the category whose name or keywords occur in the text most often (`keyword_baseline`), which is what a
dispatcher's search box or a first implementation would do. Accuracy and throughput are both compared with it.
"""

from __future__ import annotations

import argparse
import time

from bench.common import PLAN_FILE, ROOT, Figure, django_setup, fmt_rate, fmt_ratio, print_figures, print_table

LABELLED = ROOT / "plans" / "hotline-labelled.csv"


def pct(result, k: int = 1) -> str:
    return f"{100 * result.share(k):.1f}%"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=5, help="passes over the labelled texts when timing")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    django_setup()
    from renju.hotline.classifier import Classifier, keyword_baseline, seeds_from_document
    from renju.hotline.evaluation import evaluation_run, labelled_read
    from renju.plans.plan_loader import plan_read

    seeds = seeds_from_document(plan_read(PLAN_FILE))
    rows = labelled_read(LABELLED, {s.code for s in seeds})
    t0 = time.perf_counter()
    seed_only = Classifier(seeds)
    build_s = time.perf_counter() - t0
    report = evaluation_run(seeds, rows, folds=args.folds, segmenter=seed_only.segmenter)
    kf, ho = report.kfold, report.held_out
    print_table(f"accuracy on {len(rows)} labelled texts, {report.categories} categories", [
        [f"{args.folds}-fold: keyword matching", pct(kf["keywords"]), pct(kf["keywords"], 3)],
        [f"{args.folds}-fold: seed vocabulary only", pct(kf["seeds"]), pct(kf["seeds"], 3)],
        [f"{args.folds}-fold: after learning (≈{report.kfold_corrections} corrections a fold)",
         pct(kf["learned"]), pct(kf["learned"], 3)],
        ["held out: keyword matching", pct(ho["keywords"]), pct(ho["keywords"], 3)],
        ["held out: seed vocabulary only", pct(ho["seeds"]), pct(ho["seeds"], 3)],
        [f"held out: after {report.held_out_learned.corrections} corrections + "
         f"{report.held_out_learned.confirmations} confirmations",
         pct(report.held_out_learned.result), pct(report.held_out_learned.result, 3)],
        ["k-fold, texts without their own keywords: keywords / seeds / learned",
         f"{100 * kf['keywords'].hard[1] / kf['keywords'].hard[0]:.1f}% / "
         f"{100 * kf['seeds'].hard[1] / kf['seeds'].hard[0]:.1f}%",
         f"{100 * kf['learned'].hard[1] / kf['learned'].hard[0]:.1f}% (n={kf['learned'].hard[0]})"],
    ], header=["", "top-1", "top-3"])

    learned = Classifier(seeds, rows, segmenter=seed_only.segmenter)
    predict = keyword_baseline(seeds)
    texts = [t for t, _c in rows]
    for text in texts[:50]:  # warm-up
        learned.rank(text, 3)
        predict(text)
    n = len(texts) * args.passes
    t0 = time.perf_counter()
    for _ in range(args.passes):
        for text in texts:
            learned.rank(text, 3)
    ours = n / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for _ in range(args.passes):
        for text in texts:
            predict(text)
    theirs = n / (time.perf_counter() - t0)

    cache: dict = {}
    Classifier(seeds, rows[:-1], segmenter=seed_only.segmenter, features=cache)
    t0 = time.perf_counter()
    Classifier(seeds, rows, segmenter=seed_only.segmenter, features=cache)
    retrain_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    Classifier(seeds, rows, segmenter=seed_only.segmenter)
    scratch_s = time.perf_counter() - t0
    print_table("speed", [
        ["classify (learned model, top-3)", fmt_rate(ours, "texts")],
        ["keyword matching", fmt_rate(theirs, "texts")],
        ["first build incl. jieba dictionary", f"{build_s:.2f} s"],
        [f"retrain after one more correction ({len(rows)} examples)", f"{retrain_s * 1000:.0f} ms"],
        ["train from nothing (same examples)", f"{scratch_s * 1000:.0f} ms"],
    ])
    print_figures([
        Figure("hotline top-1, 5-fold, after learning", pct(kf["learned"]), f"keyword matching {pct(kf['keywords'])}",
               fmt_ratio(kf["learned"].share() / kf["keywords"].share())),
        Figure("hotline top-1, 5-fold, seed vocabulary only", pct(kf["seeds"]),
               f"keyword matching {pct(kf['keywords'])}", fmt_ratio(kf["seeds"].share() / kf["keywords"].share())),
        Figure("hotline top-3, 5-fold, after learning", pct(kf["learned"], 3),
               f"keyword matching {pct(kf['keywords'], 3)}",
               fmt_ratio(kf["learned"].share(3) / kf["keywords"].share(3))),
        Figure("hotline classification throughput", fmt_rate(ours, "texts"),
               f"keyword matching {fmt_rate(theirs, 'texts')}",
               fmt_ratio(ours / theirs)),
        Figure("hotline retrain after one correction", f"{retrain_s * 1000:.0f} ms",
               f"from nothing {scratch_s * 1000:.0f} ms", fmt_ratio(retrain_s / scratch_s)),
    ])


if __name__ == "__main__":
    main()
