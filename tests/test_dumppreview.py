"""A new dump's preview: the records it shows can be duplicates of nothing, whatever deduplication does."""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.matching.dedupe import candidate_array, compare, dedupe, plausible_pairs, record_evidence
from sitegen.models import Record, SourceRef
from sitegen.readers.parse import collect_sources, parse_sources
from sitegen.serving.dumppreview import Pool, singletons

from .conftest import SEEDS
from .test_dedupe import CASES, REFERENCE_CASES, _case_records


def _same(a: int, b: int, items: list) -> bool:  # type: ignore[type-arg]
    return compare(items[a], items[b]).same or compare(items[b], items[a]).same


@pytest.mark.parametrize("case", CASES + REFERENCE_CASES, ids=[c["name"] for c in CASES + REFERENCE_CASES])
def test_every_pair_that_can_merge_is_a_candidate(case: dict[str, object]) -> None:
    items = [record_evidence(r) for r in _case_records(case)]
    found = set(Pool(items).candidates(items))
    for a, b in combinations(range(len(items)), 2):
        if _same(a, b, items):
            assert (a, b) in found and (b, a) in found


@pytest.mark.parametrize("case", CASES + REFERENCE_CASES, ids=[c["name"] for c in CASES + REFERENCE_CASES])
def test_a_record_deduplication_merges_is_never_shown_alone(case: dict[str, object]) -> None:
    records = _case_records(case)
    merged = {s for p in dedupe(records).papers if len(p.sources) > 1 for s in p.sources}
    for n, record in enumerate(records):
        rest = [record_evidence(r) for r in records[:n] + records[n + 1:]]
        (alone,) = singletons([record_evidence(record)], Pool(rest))
        assert not (alone and record.source in merged), record.title


def test_the_seeds_pairs_that_merge_are_all_candidates() -> None:
    files, _ = collect_sources([SEEDS], SEEDS.parent)
    records, _ = parse_sources(files)
    items = [record_evidence(r) for r in sorted(records, key=lambda r: r.source)]
    merging = {(a, b) for a, b in plausible_pairs(items, candidate_array(items)) if _same(a, b, items)}
    assert merging  # the seeds hold duplicates
    assert merging <= set(Pool(items).candidates(items))


_TITLES = ["Vision Transformers Need Registers", "Vision transformers need registers (extended)",
           "Online Query Processing", "Online Query Processing: A Tutorial", "Editorial", "Deep Learning",
           "Deep learning for object detection", "Garbage Collection in Object-Oriented Databases"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_TITLES), st.sampled_from(["a.csv", "b.csv", "c.json"]),
                          st.sampled_from([None, 1999, 2000]),
                          st.sampled_from([(), ("Ann Smith",), ("Bo Chen", "Ann Smyth")]),
                          st.sampled_from(["", "Transformers learn visual features of images with registers.",
                                           "We tutor on processing queries online."]),
                          st.sampled_from([None, "1706.03762"])),
                min_size=2, max_size=10))
def test_candidates_hold_every_pair_compare_merges(rows) -> None:  # type: ignore[no-untyped-def]
    records = [Record(title, abstract, SourceRef(file, i + 1, i + 2), authors=authors, year=year, arxiv=arxiv)
               for i, (title, file, year, authors, abstract, arxiv) in enumerate(rows)]
    items = [record_evidence(r) for r in records]
    found = set(Pool(items).candidates(items))
    assert all((a, b) in found for a, b in combinations(range(len(items)), 2) if _same(a, b, items))


def test_a_subtitle_pair_with_one_abstract_is_a_candidate_both_ways() -> None:
    items = [record_evidence(Record("Online Query Processing", "", SourceRef("a.csv", 1, 2),
                                    authors=("Ann Smith", "Bo Chen"), year=2000)),
             record_evidence(Record("Online Query Processing: A Tutorial", "We tutor on processing queries.",
                                    SourceRef("b.json", 1, 2), authors=("A. Smith", "B. Chen"), year=2000))]
    assert _same(0, 1, items)
    assert set(Pool(items).candidates(items)) >= {(0, 1), (1, 0)}
    assert singletons(items[:1], Pool(items[1:])) == [False]
