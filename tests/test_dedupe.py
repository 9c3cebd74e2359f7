"""Deduplication: identifiers first, then titles backed by abstracts, authors and years."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.matching.dedupe import (
    _decide,
    candidate_array,
    candidate_pairs,
    compare,
    dedupe,
    evidence,
    plausible_pairs,
    record_evidence,
)
from sitegen.models import Link, Record, SourceRef
from sitegen.readers.fields import gather, to_record
from sitegen.readers.parse import collect_sources, parse_sources
from sitegen.text import extract_links

from .conftest import FIXTURES, SEEDS

ABSTRACT = (
    "We introduce a method for learning visual features without labels by predicting rotations. "
    "It works well on ImageNet and transfers to detection and segmentation benchmarks."
)
OTHER = (
    "Graph neural networks aggregate messages over edges. We study their expressive power and "
    "propose a new readout that counts substructures, improving molecule property prediction."
)


def rec(title: str, abstract: str = "", n: int = 1, file: str = "a.txt", **fields: object) -> Record:
    return Record(title, abstract, SourceRef(file, n, n * 2), links=extract_links(abstract),
                  **fields)  # type: ignore[arg-type]


def groups(*records: Record) -> list[list[tuple[str, int]]]:
    result = dedupe(records)
    return sorted(sorted((s.file, s.record) for s in p.sources) for p in result.papers)


def test_seeds_deduplicate_to_614_papers() -> None:
    files, _ = collect_sources([SEEDS], SEEDS.parent)
    records, _ = parse_sources(files)
    result = dedupe(records)
    assert len(result.papers) == 614
    assert sum(len(p.sources) for p in result.papers) == 736
    # Every seed duplicate is an exact title with its abstract: nothing for a curator to review.
    assert result.merges == []


def test_case_punctuation_and_typos_merge_when_abstracts_agree() -> None:
    result = dedupe([
        rec("Unsupervised Representation Learning by Predicting Image Rotations", ABSTRACT, 1),
        rec("unsupervised representation learning by predicting image rotations.", ABSTRACT, 2),
        rec("Unsupervised Representation Learning by Predictng Image Rotations", ABSTRACT, 3),
    ])
    (paper,) = result.papers
    assert [s.record for s in paper.sources] == [1, 2, 3]
    assert len(result.merges) == 1 and result.merges[0].decision.title_score >= 92


def test_similar_titles_with_different_abstracts_stay_apart() -> None:
    assert len(groups(
        rec("Graph Neural Networks for Molecule Property Prediction", ABSTRACT, 1),
        rec("Graph Neural Network for Molecule Property Prediction", OTHER, 2),
    )) == 2


def test_merged_paper_keeps_the_richest_fields_and_every_link() -> None:
    result = dedupe([
        rec("A Paper: With a Subtitle", ABSTRACT + " Code: https://github.com/a/b.", 2, "b.json",
            authors=("Ada Lovelace",), arxiv="2401.00001", upvotes=3, keywords=("vision",)),
        rec("a paper", ABSTRACT + " Longer, see https://a.github.io/p.", 1, "a.csv",
            authors=("Ada Lovelace", "Charles Babbage"), arxiv="2401.00001", venue="ICML", year=2024,
            upvotes=7, keywords=("rotation",)),
    ])
    (paper,) = result.papers
    assert paper.title == "A Paper: With a Subtitle"
    assert paper.abstract.endswith("https://a.github.io/p.")
    assert paper.authors == ("Ada Lovelace", "Charles Babbage")
    assert (paper.venue, paper.year, paper.upvotes) == ("ICML", 2024, 7)
    assert paper.keywords == ("rotation", "vision")
    assert {link.url for link in paper.links} == {"https://a.github.io/p", "https://github.com/a/b"}


def test_a_repository_link_gives_way_to_a_folder_of_it() -> None:
    result = dedupe([
        rec("SSD", ABSTRACT + " Code: https://github.com/weiliu89/caffe/tree/ssd", 1),
        Record("SSD", ABSTRACT, SourceRef("b.json", 1, 2), links=(Link("code", "https://github.com/weiliu89/caffe"),
                                                                  Link("project", "https://ssd.example.org"))),
    ])
    assert [link.url for link in result.papers[0].links] == [
        "https://github.com/weiliu89/caffe/tree/ssd", "https://ssd.example.org"]


def test_a_group_never_joins_conflicting_records() -> None:
    # b matches both a and c, but a and c are three years apart: only one join happens.
    found = groups(
        rec("Stream Joins", n=1, file="a.csv", authors=("Ann Smith",), year=2000),
        rec("Stream joins", n=2, file="b.csv", authors=("Ann Smith",)),
        rec("Stream Joins.", n=3, file="c.csv", authors=("Ann Smith",), year=2003),
    )
    assert len(found) == 2


def test_curator_distinct_records_are_never_joined() -> None:
    a = rec("Attention Is All You Need", ABSTRACT, 1)
    b = rec("Attention is all you need", ABSTRACT, 2, file="b.txt")
    assert len(dedupe([a, b]).papers) == 1
    result = dedupe([a, b], [(frozenset({a.source}), frozenset({b.source}))])
    assert len(result.papers) == 2
    assert result.near_misses[0].decision.reason == "declared distinct by the curator"


def test_near_misses_are_reported_with_their_reason() -> None:
    result = dedupe([
        rec("Learning to Rank with Graph Networks", n=1, authors=("Ann Smith",), year=2020),
        rec("Learning to Rank with Graph Network", n=2, file="b.csv", authors=("Bo Chen",), year=2020),
    ])
    (miss,) = result.near_misses
    assert miss.decision.reason == "no author in common"
    assert miss.decision.title_score > 95


def test_compare_is_symmetric_on_seed_like_evidence() -> None:
    a = record_evidence(rec("Vision Transformers Need Registers", ABSTRACT, 1))
    b = evidence("Vision transformers need registers!", ABSTRACT, origin="b.txt")
    assert compare(a, b).same and compare(b, a).same


def test_blocking_compares_far_fewer_pairs_than_all_pairs() -> None:
    files, _ = collect_sources([SEEDS], SEEDS.parent)
    records, _ = parse_sources(files)
    items = [record_evidence(r) for r in records]
    pairs = candidate_pairs(items)
    all_pairs = len(items) * (len(items) - 1) // 2
    assert len(pairs) < all_pairs * 0.05


CASES = yaml.safe_load((FIXTURES / "dedupe_cases.yml").read_text(encoding="utf-8"))
# Reference-manager exports: duplicates inside one file, told apart by journal, volume and pages.
REFERENCE_CASES = yaml.safe_load((FIXTURES / "reference_cases.yml").read_text(encoding="utf-8"))


def _case_records(case: dict[str, Any]) -> list[Record]:
    counters: dict[str, int] = {}
    records = []
    for raw in case["records"]:
        file = raw.get("file", "a.csv")
        counters[file] = counters.get(file, 0) + 1
        fields = dict(gather(raw))
        fields.pop("file", None)
        record, why = to_record(fields, SourceRef(file, counters[file], counters[file] + 1))
        assert record is not None, why
        records.append(record)
    return records


@pytest.mark.parametrize("case", CASES + REFERENCE_CASES, ids=[c["name"] for c in CASES + REFERENCE_CASES])
def test_hard_cases(case: dict[str, Any]) -> None:
    records = _case_records(case)
    position = {r.source: i for i, r in enumerate(records)}
    found = sorted(sorted(position[s] for s in p.sources) for p in dedupe(records).papers)
    assert found == sorted(case["groups"])


def test_pairs_left_out_before_comparing_are_none_the_matcher_keeps() -> None:
    # plausible_pairs drops candidates on array tests alone: compare() must agree that none of
    # them is a merge or a near miss, on the hard cases and the seeds (abstracts, arXiv ids).
    files, _ = collect_sources([SEEDS], SEEDS.parent)
    seeds, _ = parse_sources(files)
    cases = [r for case in CASES + REFERENCE_CASES for r in _case_records(case)]
    # Also with every other record given an abstract: then one of two may have one.
    halves = [replace(r, abstract=ABSTRACT, source=replace(r.source, file="half.csv")) if i % 2 else r
              for i, r in enumerate(cases)]
    items = [record_evidence(r) for r in [*cases, *halves, *seeds]]
    pairs = candidate_array(items)
    kept = plausible_pairs(items, pairs)
    assert len(kept) < len(pairs) / 2
    assert _decide(items, kept) == _decide(items, [(a, b) for a, b in pairs.tolist()])


_TITLES = [c["records"][0]["title"] for c in CASES] + ["Editorial", "Deep Learning", "Preface"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_TITLES), st.sampled_from(["a.csv", "b.csv", "c.json"]),
                          st.sampled_from([None, 1999, 2000, 2003]),
                          st.sampled_from([(), ("Ann Smith",), ("Bo Chen", "Ann Smith")])),
                max_size=12),
       st.randoms(use_true_random=False))
def test_every_record_lands_on_exactly_one_paper_whatever_the_order(rows, rnd) -> None:  # type: ignore[no-untyped-def]
    records = [Record(title.upper() if i % 2 else title, "", SourceRef(file, i + 1, i + 2), authors=authors,
                      year=year) for i, (title, file, year, authors) in enumerate(rows)]
    first = dedupe(records).papers
    assert sorted(s for p in first for s in p.sources) == sorted(r.source for r in records)
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert sorted(p.sources for p in dedupe(shuffled).papers) == sorted(p.sources for p in first)
    for paper in first:  # no group holds records that conflict
        years = [r.year for r in records if r.source in paper.sources and r.year]
        assert not years or max(years) - min(years) <= 1
