"""Deduplication: identifiers first, then titles backed by abstracts, authors and years."""

from __future__ import annotations

from sitegen.dedupe import candidate_pairs, compare, dedupe, evidence, record_evidence
from sitegen.models import Record, SourceRef
from sitegen.parse import collect_sources, parse_sources
from sitegen.text import extract_links

from .conftest import SEEDS

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


def test_arxiv_versions_merge_and_different_ids_never_do() -> None:
    assert groups(
        rec("Attention Is All You Need", n=1, file="a.json", arxiv="1706.03762"),
        rec("Attention is all you need (v2, revised)", n=2, file="b.bib", arxiv="1706.03762"),
        rec("Attention Is All You Need", n=3, file="c.csv", arxiv="2001.00001"),
    ) == [[("a.json", 1), ("b.bib", 2)], [("c.csv", 3)]]


def test_same_doi_merges_whatever_the_titles() -> None:
    assert len(groups(
        rec("Query optimisation revisited", n=1, doi="10.1145/1.2"),
        rec("Revisiting query optimization", n=2, file="b.csv", doi="10.1145/1.2"),
    )) == 1


def test_same_title_by_different_authors_stays_apart() -> None:
    assert len(groups(
        rec("Deep Learning for Recommender Systems", n=1, authors=("Ann Smith",), year=2019),
        rec("Deep learning for recommender systems", n=2, file="b.csv", authors=("Bo Chen",), year=2019),
    )) == 2


def test_conference_and_journal_versions() -> None:
    conference = rec("Fast Joins for Streams", n=1, authors=("Ann Smith", "Bo Chen"), year=2001)
    # One year later in another export, same authors: the same work.
    assert len(groups(conference, rec("Fast joins for streams", n=2, file="b.csv",
                                      authors=("A. Smith", "B. Chen"), year=2002))) == 1
    # Three years later: a different publication, kept apart.
    assert len(groups(conference, rec("Fast joins for streams", n=2, file="b.csv",
                                      authors=("A. Smith", "B. Chen"), year=2004))) == 2
    # Distinct DOIs: separate publications even in one year.
    assert len(groups(
        rec("Fast Joins for Streams", n=1, authors=("Ann Smith",), year=2001, doi="10.1/a"),
        rec("Fast joins for streams", n=2, file="b.csv", authors=("Ann Smith",), year=2001, doi="10.1/b"),
    )) == 2


def test_bracketed_translations_subtitles_and_typos() -> None:
    authors = ("Jürgen Müller", "Eva Weber")
    assert len(groups(
        rec("Anfragen an Datenbanken [Querying databases]", n=1, authors=authors, year=1999),
        rec("Anfragen an Datenbanken", n=2, file="b.csv", authors=("J. Muller", "E. Weber"), year=1999),
    )) == 1
    assert len(groups(
        rec("Online Query Processing", n=1, authors=("Joe Hellerstein",), year=2001),
        rec("Online query processing: a tutorial", n=2, file="b.csv", authors=("J. Hellerstein",),
            year=2001),
    )) == 1
    assert len(groups(
        rec("ZOO: A Desktop Emperiment Management Environment", n=1, authors=("Y. Ioannidis",), year=1997),
        rec("Zoo: a desktop experiment management environment", n=2, file="b.csv",
            authors=("Yannis E. Ioannidis",), year=1997),
    )) == 1


def test_generic_titles_never_merge_on_the_title_alone() -> None:
    assert len(groups(rec("Editorial", n=1), rec("Editorial", n=2, file="b.csv"))) == 2
    assert len(groups(
        rec("Editorial", n=1, authors=("Ann Smith",), year=2001),
        rec("Editorial", n=2, file="b.csv", authors=("Bo Chen",), year=2001),
    )) == 2
    assert len(groups(
        rec("Editorial", n=1, authors=("Ann Smith",), year=2001),
        rec("Editorial", n=2, file="b.csv", authors=("Ann Smith",), year=2001),
    )) == 1


def test_parts_and_addenda_are_other_works() -> None:
    authors = ("Maria Halkidi", "Michalis Vazirgiannis")
    assert len(groups(
        rec("Clustering validity checking methods: part I", n=1, authors=authors, year=2002),
        rec("Clustering validity checking methods: part II", n=2, file="b.csv", authors=authors, year=2002),
    )) == 2
    assert len(groups(
        rec("Automatic Generation of Production Rules", n=1, authors=authors, year=1994),
        rec("Addendum to Automatic Generation of Production Rules", n=2, file="b.csv", authors=authors,
            year=1995),
    )) == 2


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
