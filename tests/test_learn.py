"""Topics learned from the curator's tags: build, retag and check, and their settings."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import frontmatter
import pytest
from click.testing import CliRunner

from sitegen.build import build
from sitegen.buildcache import CACHE
from sitegen.cli import main
from sitegen.config import ConfigError, load_config
from sitegen.state import STATE
from sitegen.tagging.learn import curated_tags, predict

from .conftest import make_project
from .test_build import snapshot

TOPICS = """topics:
  - name: Felines
    description: Cats, their whiskers and their purring.
  - name: Spaceflight
    description: Rockets, orbits and launches.
  - name: Cooking
    description: Recipes.
    terms: [recipe*]
"""
CATS = ["whiskers", "purring", "kittens", "fur", "tabby", "litter", "meowing", "paws", "felines", "catnip"]
SPACE = ["rockets", "orbit", "launch", "booster", "satellites", "payload", "thrust", "astronauts", "capsule",
         "spaceport"]


def papers(words: list[str], name: str, first: int, count: int) -> list[tuple[str, str]]:
    """Made-up papers whose abstracts draw on one topic's words."""
    rows = []
    for n in range(first, first + count):
        picked = [words[(n * 3 + k) % len(words)] for k in range(6)]
        rows.append((f"A study of {name} number {n}",
                     f"We look at {', '.join(picked)} and how {picked[0]} relate to {picked[1]}."))
    return rows


def write_csv(path: Path, rows: list[tuple[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["title", "abstract"])
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def cli(root: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, [*args, "--project", str(root)])


def set_tags(path: Path, tags: list[str]) -> None:
    post = frontmatter.load(path)
    post["tags"] = tags
    path.write_text(frontmatter.dumps(post, sort_keys=False) + "\n", encoding="utf-8")


def page(root: Path, title: str) -> Path:
    return root / "content/papers" / (title.lower().replace(" ", "-") + ".md")


@pytest.fixture
def taught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A list of cat and space papers, sixteen of which the curator has tagged."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    root = tmp_path / "proj"
    root.mkdir()
    make_project(root)
    (root / "topics.yml").write_text(TOPICS, encoding="utf-8")
    write_csv(root / "sources/first.csv", papers(CATS, "cats", 0, 12) + papers(SPACE, "rockets", 0, 12))
    assert cli(root, "build").exit_code == 0
    # Topics without terms tag nothing until the curator gives examples.
    assert frontmatter.load(page(root, "A study of cats number 0")).metadata["tags"] == []
    for n in range(8):
        set_tags(page(root, f"A study of cats number {n}"), ["Felines"])
        set_tags(page(root, f"A study of rockets number {n}"), ["Spaceflight", "Mine"])
    return root


def test_new_papers_of_a_build_get_the_topics_learned_from_the_curators_tags(taught: Path) -> None:
    write_csv(taught / "sources/second.csv",
              papers(CATS, "tabbies", 20, 1) + papers(SPACE, "boosters", 20, 1))
    result = cli(taught, "build")
    assert result.exit_code == 0, result.output
    assert frontmatter.load(page(taught, "A study of tabbies number 20")).metadata["tags"] == ["Felines"]
    meta = frontmatter.load(page(taught, "A study of boosters number 20")).metadata
    assert meta["tags"] == meta["auto_tags"] == ["Spaceflight"]


def test_retag_tags_the_rest_and_leaves_the_curated_pages_byte_identical(taught: Path) -> None:
    curated = {p: p.read_bytes() for p in sorted((taught / "content/papers").glob("*.md"))
               if curated_tags(frontmatter.load(p).metadata) is not None}
    assert len(curated) == 16
    dry = cli(taught, "retag", "--dry-run")
    assert dry.exit_code == 0, dry.output
    line = next(x for x in dry.output.splitlines() if "a-study-of-cats-number-10.md" in x)
    assert line.startswith("content/papers/a-study-of-cats-number-10.md: + Felines (0.")
    assert cli(taught, "retag").exit_code == 0
    for n in range(8, 12):
        for name, topic in (("cats", "Felines"), ("rockets", "Spaceflight")):
            assert frontmatter.load(page(taught, f"A study of {name} number {n}")).metadata["tags"] == [topic]
    assert {p: p.read_bytes() for p in curated} == curated
    assert "0 pages retagged" in cli(taught, "retag").output


def test_the_build_a_retag_runs_leaves_what_a_full_build_would(taught: Path) -> None:
    done = cli(taught, "retag")
    assert done.exit_code == 0, done.output
    assert "pages retagged" in done.output and "0 pages retagged" not in done.output
    content = taught / "content"
    after = snapshot(content)
    assert "nothing changed since the last build" in cli(taught, "build").output
    # Built again from scratch (every page read, sources parsed and deduplicated): not a byte differs.
    (content / CACHE).unlink()
    again = build(load_config(taught), force=True)
    assert (len(again.stats.new), len(again.stats.updated), again.stats.removed) == (0, 0, [])
    own = {CACHE, STATE}  # the cache made again, and the fingerprint that covers it
    assert {k: v[0] for k, v in snapshot(content).items() if k not in own} == {
        k: v[0] for k, v in after.items() if k not in own}


def test_check_reports_a_likely_slip_and_automatic_tags_of_low_confidence(taught: Path) -> None:
    slip = page(taught, "A study of cats number 7")
    set_tags(slip, ["Felines", "Spaceflight"])
    doubtful = page(taught, "A study of rockets number 11")
    post = frontmatter.load(doubtful)
    post["tags"], post["auto_tags"] = ["Cooking"], ["Cooking"]  # as if one abstract word had matched it
    doubtful.write_text(frontmatter.dumps(post, sort_keys=False) + "\n", encoding="utf-8")
    result = cli(taught, "check")
    assert result.exit_code == 0, result.output  # warnings, not errors
    out = result.output
    assert ("content/papers/a-study-of-cats-number-7.md:3: warning: tag 'Spaceflight' looks like a slip: "
            "the topics learned from your other tags give it 0.1") in out
    assert "tag 'Felines' looks like a slip" not in out
    assert "content/papers/a-study-of-rockets-number-11.md:3: warning: automatic tag 'Cooking' has low " \
           "confidence (0.00)" in out


def test_predict_needs_examples_of_a_topic_and_papers_without_it() -> None:
    texts = [f"{w} {w} {w}" for w in CATS[:4] + SPACE[:4]]
    assert predict(texts, {0: ["Felines"], 1: ["Felines"]}, ["Felines"], 2) is None  # no counter-example
    found = predict(texts, {0: ["Felines"], 1: ["Felines"], 4: [], 5: []}, ["Felines", "Spaceflight"], 2)
    assert found is not None and set(found[0]) == {"Felines"}


def test_tag_settings_are_validated_together(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.sitegen]\ntag_threshold = 1.5\nmax_topics = 0\nmin_examples = 'three'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    messages = [str(p) for p in info.value.problems]
    assert messages[0].startswith("pyproject.toml:2: error: [tool.sitegen]: 'tag_threshold' must be a number")
    assert messages[1] == ("pyproject.toml:3: error: [tool.sitegen]: 'max_topics' must be a whole number "
                           "from 1 to 10")
    assert messages[2].startswith("pyproject.toml:4: error: [tool.sitegen]: 'min_examples' must be")
    (tmp_path / "pyproject.toml").write_text("[tool.sitegen]\ntag_threshold = 0.7\nmax_topics = 2\n",
                                             encoding="utf-8")
    tagging = load_config(tmp_path).tagging
    assert (tagging.threshold, tagging.max_topics, tagging.min_examples) == (0.7, 2, 3)


def test_texts_in_parts_have_the_words_and_matrices_of_the_joined_texts() -> None:
    """Words never cross a part's edge, so parts analysed once give the models the very same input."""
    import numpy as np

    from sitegen import words
    from sitegen.output.related import related_papers, related_parts
    from sitegen.pages import read_pages
    from sitegen.tagging.learn import paper_parts, paper_text, text_matrix

    root = Path(__file__).resolve().parent.parent
    pages, _, _ = read_pages(root / "content/papers", root)
    odd = [("Foo-. -bar x-ray", "end-"), ("", "The ÉCOLE über-fast a1-b2-"), ("Ünïcode title", ""),
           ("a. b", " . leading space and trailing dot.")]
    pairs = [(p.title, p.abstract) for p in pages] + odd
    joined = [paper_text(t, a) for t, a in pairs]
    parts = [paper_parts(t, a) for t, a in pairs]
    plain = words.analyzer()
    assert [plain(text) for text in joined] == [plain(text) for text in parts]
    stock = text_matrix(joined)  # nothing kept: scikit-learn's own analyzer
    kept = text_matrix(parts, keep=True)  # as retag's helper learns
    assert words._KEPT  # the parts' words, kept for the related papers
    for again in (stock, text_matrix(joined)):
        assert (kept != again).nnz == 0 and np.array_equal(kept.indices, again.indices)
    tags = [("Tag one", "Other"), ()] * (len(pairs) // 2) + [()] * (len(pairs) % 2)
    related = [related_parts(t, g, a) for (t, a), g in zip(pairs, tags, strict=True)]
    from_parts = related_papers(related)
    words.forget()
    assert not words._KEPT
    assert from_parts == related_papers([" ".join(r) for r in related])
