"""Deduplication: exact after normalisation, fuzzy only when the abstracts agree."""

from __future__ import annotations

from sitegen.dedupe import candidate_pairs, dedupe
from sitegen.models import Record, SourceRef
from sitegen.parse import collect_sources, parse_sources

from .conftest import SEEDS

ABSTRACT = (
    "We introduce a method for learning visual features without labels by predicting rotations. "
    "It works well on ImageNet and transfers to detection and segmentation benchmarks."
)
OTHER = (
    "Graph neural networks aggregate messages over edges. We study their expressive power and "
    "propose a new readout that counts substructures, improving molecule property prediction."
)


def rec(title: str, abstract: str, n: int) -> Record:
    return Record(title, abstract, SourceRef("a.txt", n, n * 2))


def test_seeds_deduplicate_to_614_papers() -> None:
    files, _ = collect_sources([SEEDS], SEEDS.parent)
    records, _ = parse_sources(files)
    papers, fuzzy = dedupe(records)
    assert len(papers) == 614
    assert sum(len(p.sources) for p in papers) == 736
    assert fuzzy == []  # no two distinct seed titles are close enough to merge


def test_case_punctuation_and_typos_merge_when_abstracts_agree() -> None:
    papers, fuzzy = dedupe([
        rec("Unsupervised Representation Learning by Predicting Image Rotations", ABSTRACT, 1),
        rec("unsupervised representation learning by predicting image rotations.", ABSTRACT, 2),
        rec("Unsupervised Representation Learning by Predictng Image Rotations", ABSTRACT, 3),
    ])
    assert len(papers) == 1
    assert [s.record for s in papers[0].sources] == [1, 2, 3]
    assert len(fuzzy) == 1 and fuzzy[0].title_score >= 92


def test_similar_titles_with_different_abstracts_stay_apart() -> None:
    papers, _ = dedupe([
        rec("Graph Neural Networks for Molecule Property Prediction", ABSTRACT, 1),
        rec("Graph Neural Network for Molecule Property Prediction", OTHER, 2),
    ])
    assert len(papers) == 2


def test_merged_paper_keeps_first_title_longest_abstract_and_every_link() -> None:
    papers, _ = dedupe([
        rec("A Paper", ABSTRACT + " Code: https://github.com/a/b.", 2),
        rec("a paper", ABSTRACT + " Longer, see https://a.github.io/p.", 1),
    ])
    (paper,) = papers
    assert paper.title == "a paper"
    assert [link.url for link in paper.links] == ["https://a.github.io/p", "https://github.com/a/b"]


def test_blocking_compares_far_fewer_pairs_than_all_pairs() -> None:
    files, _ = collect_sources([SEEDS], SEEDS.parent)
    records, _ = parse_sources(files)
    keys = sorted({" ".join(r.title.lower().split()) for r in records})
    pairs = candidate_pairs(keys)
    all_pairs = len(keys) * (len(keys) - 1) // 2
    assert len(pairs) < all_pairs * 0.05
