"""The topic taxonomy and auto-tagging."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.matching.dedupe import dedupe
from sitegen.models import Paper
from sitegen.pages import read_pages
from sitegen.readers.parse import collect_sources, parse_sources
from sitegen.tagging.agreement import agreement, agrees, load_labels, micro_f1
from sitegen.tagging.tag import _WORD, Matcher, _words, load_topics, tag_paper, tag_papers

from .conftest import FIXTURES, REPO, SEEDS


def test_shipped_taxonomy_is_valid_and_covers_the_seeds() -> None:
    topics, problems = load_topics(REPO / "topics.yml", "topics.yml")
    assert problems == []
    assert len(topics) >= 19
    files, _ = collect_sources([SEEDS], SEEDS.parent)
    records, _ = parse_sources(files)
    papers = tag_papers(dedupe(records).papers, topics)
    tagged = [p for p in papers if p.tags]
    assert len(tagged) / len(papers) >= 0.95
    counts = Counter(tag for p in papers for tag in p.tags)
    assert max(counts.values()) <= 0.30 * len(papers)
    assert all(len(p.tags) <= 3 for p in papers)


def test_a_reader_agrees_with_the_tags_of_nine_seed_papers_in_ten() -> None:
    """The hand-labelled seed papers: tags neither wrong nor missing the paper's topic."""
    topics, _ = load_topics(REPO / "topics.yml", "topics.yml")
    labels = load_labels(FIXTURES / "seed_labels.yml")
    assert len(labels) >= 150
    names = {t.name for t in topics}
    assert {t for label in labels.values() for t in label.topics} <= names
    pages, _, problems = read_pages(REPO / "content/papers", REPO)
    assert not problems
    matcher = Matcher(topics)
    tags = {page.slug: tag_paper(Paper(page.title, page.abstract, key="", sources=()), matcher).tags
            for page in pages if page.slug in labels}
    assert set(tags) == set(labels)
    assert agreement(tags, labels) >= 0.90
    # The part not looked at while the taxonomy was tightened agrees as well as the rest.
    held_out = {slug: label for slug, label in labels.items() if label.part == "held-out"}
    assert len(held_out) >= 70 and agreement(tags, held_out) >= 0.90
    # The committed pages carry exactly these tags.
    assert all(set(page.meta["tags"]) == set(tags[page.slug]) for page in pages if page.slug in labels)


def test_title_match_alone_tags_but_one_abstract_word_does_not(tmp_path: Path) -> None:
    path = tmp_path / "topics.yml"
    path.write_text(
        "topics:\n"
        "  - name: Segmentation\n    description: Masks.\n    terms: [segment*, panoptic]\n"
        "  - name: Video\n    description: Clips.\n    terms: [video, tracking]\n",
        encoding="utf-8",
    )
    topics, problems = load_topics(path, "topics.yml")
    assert not problems
    from sitegen.models import Paper

    paper = Paper("Panoptic Segmenters", "A video about cats.", key="k", sources=())
    (tagged,) = tag_papers([paper], topics)
    assert tagged.tags == ("Segmentation",)


def test_every_taxonomy_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "topics.yml"
    path.write_text(
        "topics:\n"
        "  - name: Good\n    description: Fine.\n    terms: [good]\n"
        "  - description: No name.\n    terms: [x]\n"
        "  - name: Bad terms\n    description: Not a list.\n    terms: segmentation\n"
        "  - name: Good\n    description: Again.\n    terms: [again]\n    colour: red\n",
        encoding="utf-8",
    )
    topics, problems = load_topics(path, "topics.yml")
    assert [t.name for t in topics] == ["Good"]
    messages = [str(p) for p in problems]
    assert messages[0] == "topics.yml:5: error: topic 2: missing 'name'"
    assert messages[1].startswith("topics.yml:9: error: topic 'Bad terms': 'terms' must be a list")
    assert any("unknown key 'colour'" in m for m in messages)
    assert any("topics.yml:10: error: topic 'Good': slug 'good' is already used" in m
               for m in messages)


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "topics.yml"
    path.write_text("topics:\n  - name: [unclosed\n", encoding="utf-8")
    topics, problems = load_topics(path, "topics.yml")
    assert topics == [] and problems[0].line is not None


def test_agreement_and_micro_f1_count_as_documented() -> None:
    assert agrees(["A"], ["A", "B"]) and agrees([], [])
    assert not agrees(["A", "C"], ["A", "B"])  # one wrong topic
    assert not agrees([], ["A"])  # left without its topic
    assert micro_f1([["A"], ["B", "C"]], [["A", "B"], ["C"]]) == 2 * 2 / (3 + 3)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=60))
def test_words_of_ascii_text_are_those_of_the_regular_expression(text: str) -> None:
    assert _words(text) == tuple(_WORD.findall(text.lower()))
    assert _words(text + " Ünïcode-x") == tuple(_WORD.findall((text + " Ünïcode-x").lower()))
