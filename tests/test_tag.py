"""The topic taxonomy and auto-tagging."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sitegen.dedupe import dedupe
from sitegen.parse import collect_sources, parse_sources
from sitegen.tag import load_topics, tag_papers

from .conftest import REPO, SEEDS


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

    paper = Paper("k", "Panoptic Segmenters", "A video about cats.", (), None, ())
    (tagged,) = tag_papers([paper], topics)
    assert tagged.tags == ("Segmentation",)


def test_every_taxonomy_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "topics.yml"
    path.write_text(
        "topics:\n"
        "  - name: Good\n    description: Fine.\n    terms: [good]\n"
        "  - description: No name.\n    terms: [x]\n"
        "  - name: No terms\n    description: Empty.\n    terms: []\n"
        "  - name: Good\n    description: Again.\n    terms: [again]\n    colour: red\n",
        encoding="utf-8",
    )
    topics, problems = load_topics(path, "topics.yml")
    assert [t.name for t in topics] == ["Good"]
    messages = [str(p) for p in problems]
    assert messages[0] == "topics.yml:5: error: topic 2: missing 'name'"
    assert messages[1].startswith("topics.yml:9: error: topic 'No terms': 'terms' must be")
    assert any("unknown key 'colour'" in m for m in messages)
    assert any("topics.yml:10: error: topic 'Good': slug 'good' is already used" in m
               for m in messages)


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "topics.yml"
    path.write_text("topics:\n  - name: [unclosed\n", encoding="utf-8")
    topics, problems = load_topics(path, "topics.yml")
    assert topics == [] and problems[0].line is not None
