"""The whole build on small projects: golden pages, curation safety, no-op rebuilds."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import frontmatter

from sitegen.build import build
from sitegen.buildcache import CACHE
from sitegen.config import load_config
from sitegen.state import STATE

from .conftest import FIXTURES

GOLDEN = Path(__file__).resolve().parent / "golden"
LONG = "A method for rotated object detection in aerial images with oriented boxes. " * 6


def run(root: Path):  # type: ignore[no-untyped-def]
    return build(load_config(root))


def snapshot(content: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(content).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(content.rglob("*")) if p.is_file()
    }


def test_generated_pages_match_golden_files(project: Path) -> None:
    result = run(project)
    assert result.report.diagnostics == []
    content = project / "content"
    produced = {p.relative_to(content).as_posix(): p.read_text(encoding="utf-8")
                for p in sorted(content.rglob("*.md"))}
    if os.environ.get("SITEGEN_UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, text in produced.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_text(text, encoding="utf-8")
    expected = {p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8")
                for p in sorted(GOLDEN.rglob("*.md"))}
    assert sorted(produced) == sorted(expected)
    for rel, text in expected.items():
        assert produced[rel] == text, f"{rel} differs (SITEGEN_UPDATE_GOLDEN=1 to accept)"


def test_paper_front_matter_holds_what_curators_and_mkdocs_need(project: Path) -> None:
    run(project)
    page = frontmatter.load(project / "content/papers/spindet-rotated-object-detection-in-aerial-images.md")
    meta = page.metadata
    assert list(meta)[:2] == ["title", "tags"]
    assert meta["tags"] == ["Object detection", "Remote sensing"]
    assert meta["links"] == [{"kind": "code", "url": "https://github.com/example/spindet"}]
    assert meta["listed"] == "Mar 11"
    assert meta["sources"] == [
        {"file": "small.txt", "record": 1, "line": 13},
        {"file": "small.txt", "record": 4, "line": 27},
    ]
    untagged = frontmatter.load(project / "content/papers/curating-reading-lists-by-hand.md")
    assert untagged["tags"] == []
    assert "curating-reading-lists-by-hand" in (project / "content/topics/untagged.md").read_text()


def test_second_build_writes_nothing(project: Path) -> None:
    first = run(project)
    before = snapshot(project / "content")
    result = run(project)
    assert result.skipped and result.summary().startswith("sitegen: nothing changed since the last build")
    assert (result.records, result.papers) == (first.records, first.papers)
    assert snapshot(project / "content") == before
    # Forced, the build compares every file and still writes none but its own parse and dedupe
    # cache, made again from the sources, and the state that covers it.
    forced = build(load_config(project), force=True)
    assert (len(forced.stats.new), len(forced.stats.updated)) == (0, 0)
    # All but the registry, related.json, the parse and dedupe cache, and the state.
    assert len(forced.stats.unchanged) == len(before) - 4
    assert ".sitegen/pages.json" in before
    after = snapshot(project / "content")
    own = {CACHE, STATE}
    assert {k: v for k, v in after.items() if k not in own} == {
        k: v for k, v in before.items() if k not in own}
    assert after[CACHE][1] > before[CACHE][1]
    assert "0 new, 0 updated" in forced.summary()
    assert run(project).skipped


def test_a_changed_input_ends_the_no_op_fast_path(project: Path) -> None:
    run(project)
    (project / "sources/more.csv").write_text("title\nA Paper Added Later\n", encoding="utf-8")
    result = run(project)
    assert not result.skipped and (project / "content/papers/a-paper-added-later.md").exists()
    page = project / "content/papers/a-paper-added-later.md"
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1_000_000))
    assert not run(project).skipped  # a touched page is read again
    assert run(project).skipped


def test_curator_edits_survive_rebuilds_and_reach_topic_pages(project: Path) -> None:
    run(project)
    path = project / "content/papers/curating-reading-lists-by-hand.md"
    post = frontmatter.load(path)
    post["tags"] = ["Video", "my-own-tag"]
    post["rating"] = 5
    post.content = post.content + "\nMy notes: read this *first*.\n"
    edited = frontmatter.dumps(post) + "\n"
    path.write_text(edited, encoding="utf-8")

    result = run(project)
    assert path.read_text(encoding="utf-8") == edited
    assert "papers/curating-reading-lists-by-hand.md" not in result.stats.updated
    video = (project / "content/topics/video.md").read_text(encoding="utf-8")
    assert "curating-reading-lists-by-hand" in video
    assert not (project / "content/topics/untagged.md").exists()


def test_new_source_adds_provenance_and_keeps_everything_else(project: Path) -> None:
    run(project)
    path = project / "content/papers/spindet-rotated-object-detection-in-aerial-images.md"
    text = path.read_text(encoding="utf-8").replace("## Notes\n", "## Notes\n\nKeep me.\n")
    text = text.replace("tags:\n- Object detection\n- Remote sensing", "tags:\n- Remote sensing")
    path.write_text(text, encoding="utf-8")
    (project / "sources/more.txt").write_text(
        f"SPINDET: Rotated object detection in aerial images\n\n{LONG}\n\n"
        f"A Brand New Paper on Video Tracking\n\n{LONG.replace('rotated', 'video')}\n",
        encoding="utf-8",
    )
    result = run(project)
    assert result.stats.updated.count("papers/spindet-rotated-object-detection-in-aerial-images.md")
    assert "papers/a-brand-new-paper-on-video-tracking.md" in result.stats.new
    post = frontmatter.load(path)
    assert post["tags"] == ["Remote sensing"]
    assert post["sources"][-1] == {"file": "more.txt", "record": 1, "line": 1}
    assert "Keep me." in post.content


def test_unparsable_page_is_reported_and_left_alone(project: Path) -> None:
    run(project)
    path = project / "content/papers/curating-reading-lists-by-hand.md"
    broken = path.read_text(encoding="utf-8").replace("tags: []", "tags: [unclosed")
    path.write_text(broken, encoding="utf-8")
    result = run(project)
    assert path.read_text(encoding="utf-8") == broken
    messages = [str(d) for d in result.report.diagnostics]
    assert any(m.startswith("content/papers/curating-reading-lists-by-hand.md:") and
               "front matter does not parse" in m for m in messages)
    assert not list((project / "content/papers").glob("curating-reading-lists-by-hand-*.md"))


def test_bad_sources_are_named_and_the_rest_builds(project: Path) -> None:
    (project / "sources/blob.pdf").write_bytes(b"%PDF\x00\x01")
    (project / "sources/cut.txt").write_text(f"Good Title\n{LONG}\nCut Title\n", encoding="utf-8")
    result = run(project)
    messages = [str(d) for d in result.report.diagnostics]
    assert any(m.startswith("sources/blob.pdf: error: binary file") for m in messages)
    assert any(m.startswith("sources/cut.txt:3: warning: title 'Cut Title'") for m in messages)
    assert (project / "content/papers/good-title.md").exists()
    assert result.papers == 4


def test_slug_collisions_get_distinct_stable_slugs(project: Path) -> None:
    (project / "sources/clash.txt").write_text(
        f"SpinDet: Rotated Object Detection in Aerial Images?!\n\n{LONG} Different work entirely "
        "about Pascal VOC evaluation with ranked lists and tables of results.\n",
        encoding="utf-8",
    )
    shutil.copy(FIXTURES / "small.txt", project / "sources/small.txt")
    run(project)
    pages = sorted(p.name for p in (project / "content/papers").glob("spindet-*"))
    # Same title, different abstracts: two papers, and the second one's slug is suffixed.
    assert pages == ["spindet-rotated-object-detection-in-aerial-images-2.md",
                     "spindet-rotated-object-detection-in-aerial-images.md"]
    before = {p.name: p.read_bytes() for p in (project / "content/papers").iterdir()}
    run(project)
    assert {p.name: p.read_bytes() for p in (project / "content/papers").iterdir()} == before


def test_hidden_papers_leave_generated_pages(project: Path) -> None:
    run(project)
    path = project / "content/papers/sparse-autoencoders-find-monosemantic-features-in-language-models.md"
    post = frontmatter.load(path)
    post["hidden"] = True
    path.write_text(frontmatter.dumps(post) + "\n", encoding="utf-8")
    run(project)
    home = (project / "content/index.md").read_text(encoding="utf-8")
    assert "sparse-autoencoders-find" not in home
    assert path.exists()


def test_comments_in_front_matter_are_never_dropped(project: Path) -> None:
    run(project)
    path = project / "content/papers/curating-reading-lists-by-hand.md"
    text = path.read_text(encoding="utf-8").replace("tags: []", "tags: []  # tag me later")
    path.write_text(text, encoding="utf-8")
    (project / "sources/again.txt").write_text(
        (FIXTURES / "small.txt").read_text(encoding="utf-8"), encoding="utf-8")
    result = run(project)
    assert path.read_text(encoding="utf-8") == text
    assert any("front matter has comments; left unchanged" in str(d)
               for d in result.report.diagnostics)
