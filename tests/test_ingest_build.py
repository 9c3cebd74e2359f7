"""Builds from several formats: one page per paper, curator overrides obeyed, nothing lost."""

from __future__ import annotations

import json
from pathlib import Path

import frontmatter
from click.testing import CliRunner

from sitegen.build import build
from sitegen.cli import main
from sitegen.config import load_config

from .test_site import mkdocs_build

SPINDET = "SpinDet: Rotated Object Detection in Aerial Images"
SPINDET_PAGE = "content/papers/spindet-rotated-object-detection-in-aerial-images.md"


def run(root: Path):  # type: ignore[no-untyped-def]
    return build(load_config(root))


def meta(root: Path, rel: str) -> dict[str, object]:
    return dict(frontmatter.load(root / rel).metadata)


def pages(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "content/papers").glob("*.md"))}


def write(root: Path, name: str, text: str) -> None:
    (root / "sources" / name).write_text(text, encoding="utf-8")


def test_one_paper_from_text_json_and_bibtex_is_one_page_with_every_field(project: Path) -> None:
    write(project, "api.json", json.dumps([{"paper": {
        "id": "2401.09999v2", "title": SPINDET.lower(), "authors": [{"name": "Ann Smith"}],
        "publishedAt": "2024-01-18T00:00:00Z", "githubRepo": "https://github.com/ann/spindet", "upvotes": 5,
    }}]))
    write(project, "refs.bib", "@article{s, title={{SpinDet}: Rotated Object Detection in Aerial Images},\n"
                               " author={Smith, Ann and Chen, Bo}, year=2024, journal={Remote Sensing},\n"
                               " eprint={2401.09999}}\n")
    result = run(project)
    assert result.report.diagnostics == []
    spindet = [name for name in pages(project) if name.startswith("spindet")]
    assert spindet == ["spindet-rotated-object-detection-in-aerial-images.md"]
    front = meta(project, SPINDET_PAGE)
    assert front["authors"] == ["Ann Smith", "Bo Chen"]
    assert (front["year"], front["venue"], front["arxiv"], front["upvotes"]) == (
        2024, "Remote Sensing", "2401.09999", 5)
    assert {"kind": "code", "url": "https://github.com/ann/spindet"} in front["links"]  # type: ignore[operator]
    files = sorted(s["file"] for s in front["sources"])  # type: ignore[attr-defined, index]
    assert files == ["api.json", "refs.bib", "small.txt", "small.txt"]
    topic = (project / "content/topics/object-detection.md").read_text(encoding="utf-8")
    assert "· Ann Smith et al. · 2024" in topic  # topic lists are HTML: no Markdown escapes
    assert front["title"] == SPINDET  # the capitalised spelling, not the API's lower case
    # The same sources again change nothing.
    before = pages(project)
    assert len(run(project).stats.updated) == 0
    assert pages(project) == before


def test_a_known_page_gains_missing_fields_but_keeps_the_curators(project: Path) -> None:
    run(project)
    path = project / SPINDET_PAGE
    text = path.read_text(encoding="utf-8").replace("## Notes\n", "## Notes\n\nMy notes.\n")
    text = text.replace("tags:", "venue: My own venue\ntags:", 1)
    path.write_text(text, encoding="utf-8")
    write(project, "more.csv", f'title,authors,year,venue\n"{SPINDET}",Ann Smith,2024,CVPR\n')
    run(project)
    front = meta(project, SPINDET_PAGE)
    assert front["authors"] == ["Ann Smith"] and front["year"] == 2024
    assert front["venue"] == "My own venue"
    assert "My notes." in path.read_text(encoding="utf-8")


def test_distinct_from_splits_a_merge_and_later_builds_obey(project: Path) -> None:
    run(project)
    before = meta(project, SPINDET_PAGE)
    assert [s["record"] for s in before["sources"]] == [1, 4]  # type: ignore[attr-defined, index]
    path = project / SPINDET_PAGE
    post = frontmatter.load(path)
    post["distinct_from"] = ["small.txt#4"]
    path.write_text(frontmatter.dumps(post, sort_keys=False) + "\n", encoding="utf-8")
    run(project)
    assert [s["record"] for s in meta(project, SPINDET_PAGE)["sources"]] == [1]  # type: ignore[attr-defined, index]
    split = project / "content/papers/spindet-rotated-object-detection-in-aerial-images-2.md"
    assert [s["record"] for s in meta(project, split.relative_to(project).as_posix())["sources"]] == [4]  # type: ignore[attr-defined, index]
    settled = pages(project)
    run(project)
    assert pages(project) == settled


def test_duplicate_of_merges_two_pages_and_keeps_both_files(project: Path) -> None:
    write(project, "other.csv", 'title,authors\n"SpinDet, revisited: rotated boxes",Bo Chen\n')
    run(project)
    other = "content/papers/spindet-revisited-rotated-boxes.md"
    path = project / other
    path.write_text(path.read_text(encoding="utf-8").replace("tags:", "duplicate_of: spindet-rotated-object-"
                                                             "detection-in-aerial-images\ntags:", 1),
                    encoding="utf-8")
    run(project)
    files = [s["file"] for s in meta(project, SPINDET_PAGE)["sources"]]  # type: ignore[attr-defined, index]
    assert "other.csv" in files
    assert path.exists()
    home = (project / "content/index.md").read_text(encoding="utf-8")
    assert "spindet-revisited" not in home
    settled = pages(project)
    run(project)
    assert pages(project) == settled


def test_unknown_override_targets_are_reported_with_their_line(project: Path) -> None:
    run(project)
    path = project / SPINDET_PAGE
    path.write_text(path.read_text(encoding="utf-8").replace(
        "tags:", "duplicate_of: no-such-page\ndistinct_from: [nothing-here]\ntags:", 1), encoding="utf-8")
    result = run(project)
    found = [str(d) for d in result.report.diagnostics]
    assert any(m.startswith(f"{SPINDET_PAGE}:") and "duplicate_of: no paper page 'no-such-page'" in m
               for m in found)
    assert any("distinct_from: 'nothing-here' names no paper page" in m for m in found)
    # The site agrees: the page stays on it, and no topic page links to a missing page.
    built = mkdocs_build(project)
    assert built.returncode == 0 and "WARNING" not in built.stderr, built.stderr
    assert (project / "site/papers/spindet-rotated-object-detection-in-aerial-images/index.html").exists()


def test_a_bad_file_among_good_ones_loses_nothing(project: Path) -> None:
    run(project)
    before = pages(project)
    write(project, "broken.json", '[{"title": "New good paper"}, {"title": oops}]')
    write(project, "bad.csv", "title,year\n\"unterminated,2020\n")
    result = run(project)
    found = [str(d) for d in result.report.diagnostics]
    assert any(m.startswith("sources/broken.json:1: error: record 2: invalid JSON") for m in found)
    assert any(m.startswith("sources/bad.csv") for m in found)
    after = pages(project)
    assert all(after[name] == data for name, data in before.items())
    assert "new-good-paper.md" in after


def test_dedupe_command_reports_merges_and_near_misses(project: Path) -> None:
    write(project, "a.csv", "title,authors,year\nLearning to Rank with Graph Networks,Ann Smith,2020\n"
                            "Stream Joins Made Fast,Cy Doe,2001\n")
    write(project, "b.csv", "title,authors,year\nLearning to Rank with Graph Network,Bo Chen,2020\n"
                            "Stream joins made fast.,C. Doe,2001\n")
    result = CliRunner().invoke(main, ["dedupe", "--project", str(project)])
    assert result.exit_code == 0, result.output
    assert "## Merges (1)" in result.output  # the exact SpinDet duplicate needs no review
    assert "**title and authors and year**" in result.output
    assert "`a.csv#2` (line 3): Stream Joins Made Fast" in result.output
    assert "## Near misses (1)" in result.output and "**no author in common**" in result.output
    assert not (project / "content").exists()  # a review writes nothing
    out = project / "review.md"
    result = CliRunner().invoke(main, ["dedupe", "--project", str(project), "-o", str(out)])
    assert "report written to" in result.output and out.read_text(encoding="utf-8").startswith("# Dedup")
