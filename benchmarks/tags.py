"""Benchmark learned tags: curator tags on a share of a labelled set, micro-F1 on the rest.

The labelled set is tests/fixtures/seed_labels.yml: seed papers labelled by
hand with every topic of topics.yml a reader would accept (their text is read
from content/papers/). For each share (10%, 25%, 50%) and each of several
random splits, the labelled papers of the share are handed to the tagger as
the curator's tags; it tags the others (topics.yml's terms plus the classifier
taught by those examples, as `sitegen retag` does) and is scored by micro-F1
against the labels. Beside it:

- terms: topics.yml's terms alone, no examples (what a list nobody tagged gets);
- baseline: a plain supervised model trained on the same papers, TF-IDF and
  one-vs-rest logistic regression, its one threshold tuned by 3-fold
  cross-validation on those papers.

Medians over the splits are printed. Run from the repository root:
    python benchmarks/tags.py [--splits N] [--min-examples N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitegen.models import Paper  # noqa: E402
from sitegen.pages import read_pages  # noqa: E402
from sitegen.tagging.agreement import Label, load_labels, micro_f1  # noqa: E402
from sitegen.tagging.learn import paper_text, predict  # noqa: E402
from sitegen.tagging.tag import Matcher, TagSettings, choose, load_topics, suggest  # noqa: E402

SHARES = (0.10, 0.25, 0.50)


def learned(papers: Sequence[Paper], train_at: Sequence[int], test_at: Sequence[int],
            labels: Sequence[tuple[str, ...]], matcher: Matcher, settings: TagSettings,
            use_model: bool = True) -> list[tuple[str, ...]]:
    """The tagger's tags for the test papers, taught by the training papers' labels."""
    texts = [paper_text(p.title, p.abstract) for p in papers]
    found = None
    if use_model:
        found = predict(texts, {i: labels[i] for i in train_at}, [t.name for t in matcher.topics],
                        settings.min_examples)
    return [tuple(s.topic for s in choose(suggest(papers[i], matcher, found[i] if found else None), settings))
            for i in test_at]


def baseline(texts: Sequence[str], train_at: Sequence[int], test_at: Sequence[int],
             labels: Sequence[tuple[str, ...]], topics: Sequence[str]) -> list[tuple[str, ...]]:
    """TF-IDF + one-vs-rest logistic regression, its threshold tuned by 3-fold cross-validation."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    binarizer = MultiLabelBinarizer(classes=list(topics))
    target = binarizer.fit_transform([labels[i] for i in train_at])
    seen = target.sum(axis=0) > 0  # topics without a training example cannot be learned

    def fit_predict(fit_at: Sequence[int], predict_at: Sequence[int], y: np.ndarray) -> np.ndarray:
        vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
        x = vectorizer.fit_transform([texts[i] for i in fit_at])
        cols = [k for k in range(y.shape[1]) if 0 < y[:, k].sum() < len(fit_at)]
        scores = np.zeros((len(predict_at), y.shape[1]))
        if cols:
            model = OneVsRestClassifier(LogisticRegression(C=10.0, max_iter=1000)).fit(x, y[:, cols])
            scores[:, cols] = model.predict_proba(vectorizer.transform([texts[i] for i in predict_at]))
        return scores

    grid = np.linspace(0.02, 0.6, 30)
    folds = [list(range(k, len(train_at), 3)) for k in range(3)]
    totals = np.zeros(len(grid))
    for held in folds:
        inside = [j for j in range(len(train_at)) if j not in set(held)]
        scores = fit_predict([train_at[j] for j in inside], [train_at[j] for j in held], target[inside])
        truth = [labels[train_at[j]] for j in held]
        for g, threshold in enumerate(grid):
            guess = [[t for k, t in enumerate(topics) if row[k] >= threshold] for row in scores]
            totals[g] += micro_f1(guess, truth)
    threshold = float(grid[int(np.argmax(totals))])
    scores = fit_predict(list(train_at), list(test_at), target)
    scores[:, ~seen] = 0.0
    return [tuple(t for k, t in enumerate(topics) if row[k] >= threshold) for row in scores]


def main() -> None:
    """Print micro-F1 medians per share for the learned tags, the terms alone and the baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=7, help="random splits per share (default 7)")
    parser.add_argument("--min-examples", type=int, default=TagSettings.min_examples)
    args = parser.parse_args()
    topics, problems = load_topics(REPO / "topics.yml", "topics.yml")
    if problems:
        sys.exit("\n".join(map(str, problems)))
    labelled: dict[str, Label] = load_labels(REPO / "tests/fixtures/seed_labels.yml")
    pages, _, _ = read_pages(REPO / "content/papers", REPO)
    chosen = sorted((p for p in pages if p.slug in labelled), key=lambda p: p.slug)
    papers = [Paper(p.title, p.abstract, key=p.slug, sources=()) for p in chosen]
    labels = [labelled[p.slug].topics for p in chosen]
    texts = [paper_text(p.title, p.abstract) for p in papers]
    names = [t.name for t in topics]
    matcher = Matcher(topics)
    settings = TagSettings(min_examples=args.min_examples)
    print(f"labelled set: {len(papers)} seed papers, {len(names)} topics, "
          f"{sum(map(len, labels)) / len(labels):.2f} accepted topics a paper; {args.splits} splits a share")
    print(f"{'share':>6} {'curator papers':>15} {'learned tags':>13} {'terms only':>11} {'baseline':>9} "
          f"{'s/split':>8}")
    for share in SHARES:
        scores: dict[str, list[float]] = {"learned": [], "terms": [], "baseline": []}
        started = time.perf_counter()
        for split in range(args.splits):
            order = list(range(len(papers)))
            random.Random(split).shuffle(order)
            cut = round(share * len(order))
            train_at, test_at = sorted(order[:cut]), sorted(order[cut:])
            truth = [labels[i] for i in test_at]
            scores["learned"].append(micro_f1(
                learned(papers, train_at, test_at, labels, matcher, settings), truth))
            scores["terms"].append(micro_f1(
                learned(papers, train_at, test_at, labels, matcher, settings, use_model=False), truth))
            scores["baseline"].append(micro_f1(baseline(texts, train_at, test_at, labels, names), truth))
        took = (time.perf_counter() - started) / args.splits
        med = {k: statistics.median(v) for k, v in scores.items()}
        print(f"{share:>6.0%} {cut:>15} {med['learned']:>13.3f} {med['terms']:>11.3f} "
              f"{med['baseline']:>9.3f} {took:>8.1f}")


if __name__ == "__main__":
    main()
