"""`sitegen serve`: each change rebuilds what it needs, and only that."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from sitegen.build import build
from sitegen.config import load_config
from sitegen.serving.dumppreview import DumpPreview
from sitegen.serving.livebuild import LiveSite
from sitegen.serving.preview import Preview
from sitegen.serving.serve import Plan, Project, Rebuilder, Recorder, Site, changed, plan, snapshot

PAPER = "papers/spindet-rotated-object-detection-in-aerial-images"
OTHER = "papers/sparse-autoencoders-find-monosemantic-features-in-language-models"


def test_changes_are_classified_by_what_they_need(tmp_path: Path) -> None:
    content, sources = tmp_path / "content", tmp_path / "sources"
    project = Project(content, (sources, tmp_path / "topics.yml"),
                      (tmp_path / "mkdocs.yml", tmp_path / "overrides"), tmp_path / "topics.yml", (sources,))
    (content / "papers").mkdir(parents=True)
    page, topic = content / "papers/a.md", content / "topics/new.md"
    page.write_text("x", encoding="utf-8")
    assert plan({str(page)}, project) == Plan(background_sitegen=True)
    assert plan({str(topic), str(content / "exports/papers.csv")}, project) == Plan()
    assert plan({str(sources / "new.jsonl")}, project) == Plan(sitegen=True, sources_only=True)
    assert plan({str(sources / "new.jsonl"), str(tmp_path / "topics.yml")}, project) == Plan(sitegen=True)
    assert plan({str(tmp_path / "overrides/paper.html"), str(page)}, project) == Plan(
        full=True, background_sitegen=True)


def test_snapshots_see_edits_and_leave_hidden_files_out(tmp_path: Path) -> None:
    (tmp_path / ".sitegen").mkdir()
    (tmp_path / ".sitegen/state.json").write_text("{}", encoding="utf-8")
    page = tmp_path / "a.md"
    page.write_text("one", encoding="utf-8")
    first = snapshot([tmp_path])
    assert list(first) == [str(page)]
    page.write_text("three", encoding="utf-8")
    assert changed(first, snapshot([tmp_path])) == {str(page)}


def _mtimes(site: Path) -> dict[str, int]:
    # 404.html is a theme template: MkDocs renders it on every pass.
    return {str(p.relative_to(site)): p.stat().st_mtime_ns
            for p in site.rglob("*.html") if p.name != "404.html"}


@pytest.fixture
def served(project: Path, tmp_path: Path) -> tuple[Rebuilder, Path]:
    config = load_config(project)
    build(config)
    site = Site(project / "mkdocs.yml", tmp_path / "site", "http://127.0.0.1:8000/")
    site.build(index_now=True)
    watched = Project(config.content, (*config.sources, config.topics, project / "pyproject.toml"),
                      (project / "mkdocs.yml", project / "overrides"), config.topics, tuple(config.sources))
    pages = Preview(config)
    return Rebuilder(watched, site, lambda: build(load_config(project)) and None,
                     preview=pages.write, dump=DumpPreview(config, pages)), tmp_path / "site"


def test_a_saved_page_is_rendered_alone_and_sitegen_follows(served: tuple[Rebuilder, Path],
                                                            project: Path) -> None:
    rebuild, site = served
    before = _mtimes(site)
    page = project / "content" / f"{PAPER}.md"
    page.write_text(page.read_text(encoding="utf-8").replace("## Notes\n", "## Notes\n\nRead it twice.\n"),
                    encoding="utf-8")
    rebuild()
    assert "Read it twice." in (site / PAPER / "index.html").read_text(encoding="utf-8")
    after = _mtimes(site)
    assert [p for p in after if after[p] != before.get(p)] == [f"{PAPER}/index.html"]
    assert rebuild.background is not None
    rebuild.background.join(timeout=120)
    rebuild()  # what sitegen's build wrote, if anything: nothing here (the notes are no listing's)
    assert _mtimes(site)[f"{OTHER}/index.html"] == before[f"{OTHER}/index.html"]


def test_a_new_dump_and_a_new_topic_reach_the_site(served: tuple[Rebuilder, Path], project: Path) -> None:
    rebuild, site = served
    (project / "sources/more.jsonl").write_text(
        '{"title": "Counting Penguins from Orbit", "abstract": "Penguin colonies counted in satellite '
        'images with a segmentation model."}\n', encoding="utf-8")
    topics = project / "topics.yml"
    topics.write_text(topics.read_text(encoding="utf-8") + "  - name: Penguins\n    description: Birds.\n"
                      "    terms: [penguin*]\n", encoding="utf-8")
    before = _mtimes(site)
    rebuild()
    assert (site / "papers/counting-penguins-from-orbit/index.html").is_file()
    assert (site / "topics/penguins/index.html").is_file()
    # The navigation gained a topic: every page that shows it was rendered again (the video topic's
    # page did not change), paper pages were not (they show only the top of the navigation).
    assert "href=../penguins/>" in (site / "topics/video/index.html").read_text(encoding="utf-8")
    assert _mtimes(site)[f"{OTHER}/index.html"] == before[f"{OTHER}/index.html"]
    assert not rebuild.background  # sitegen's build ran first, not after


def test_an_edited_taxonomy_shows_before_sitegen_builds(served: tuple[Rebuilder, Path],
                                                        project: Path) -> None:
    rebuild, site = served
    topics = project / "topics.yml"
    topics.write_text(topics.read_text(encoding="utf-8").replace("Moving pictures.", "Films and clips."),
                      encoding="utf-8")
    feed = project / "content/feeds/video.xml"
    before = feed.stat().st_mtime_ns
    rebuild()
    # The topic page shows it at once; the feed (sitegen's build, in the background) follows.
    assert "Films and clips." in (site / "topics/video/index.html").read_text(encoding="utf-8")
    assert rebuild.background is not None
    rebuild.background.join(timeout=120)
    assert feed.stat().st_mtime_ns != before
    assert "Films and clips." in feed.read_text(encoding="utf-8")


SPINDET = ("SpinDet: Rotated Object Detection in Aerial Images", "We propose SpinDet, a detector for rotated "
           "objects in aerial images. Existing object detection methods assume axis-aligned bounding boxes.")


def _json_dump(path: Path, *records: object) -> None:
    """A JSON array, one record a line (so that a record's line is its place plus one)."""
    path.write_text("[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n", encoding="utf-8")


def test_a_new_dump_shows_before_sitegen_builds(served: tuple[Rebuilder, Path], project: Path) -> None:
    rebuild, site = served
    config = load_config(project)
    started = threading.Event()
    go = threading.Event()

    def later() -> None:  # sitegen's build in the background, held until the preview is checked
        started.set()
        go.wait(timeout=120)
        build(load_config(project))

    rebuild.sitegen_later = later
    _json_dump(project / "sources/more.json",
               {"title": "Counting Penguins from Orbit",
                "abstract": "Penguin colonies counted in satellite images with a segmentation model."},
               {"title": SPINDET[0], "abstract": SPINDET[1]},  # a paper the list has: merged by the build
               7)  # not a record: reported, and the rest builds
    rebuild()
    assert started.wait(timeout=30)
    new = "papers/counting-penguins-from-orbit"
    # Shown from memory: sitegen's build has not written the page yet.
    assert "Counting Penguins from Orbit" in (site / new / "index.html").read_text(encoding="utf-8")
    assert not (config.content / f"{new}.md").exists()
    # A record that may be a paper of the list already gets no page of its own.
    assert not list(site.glob("papers/spindet-*-2"))
    rebuild.site.settle()  # the generated pages listing the new paper
    topic = site / "topics/remote-sensing/index.html"
    assert "Counting Penguins from Orbit" in topic.read_text(encoding="utf-8")
    building = rebuild.background
    assert building is not None
    # Another dump while the build has not read the first: compared with the first dump's records too.
    _json_dump(project / "sources/later.json",
               {"title": "Counting penguins from orbit",
                "abstract": "Penguin colonies counted in satellite images with a segmentation model."},
               {"title": "Weighing Whales from Drones", "abstract": "Whales measured in drone video."})
    rebuild()
    assert (site / "papers/weighing-whales-from-drones/index.html").is_file()
    assert not (site / f"{new}-2").exists()
    go.set()
    building.join(timeout=120)  # it builds once more for the second dump
    rebuild()  # what sitegen's build wrote replaces the preview
    rebuild.site.settle()
    assert not rebuild.site.previewing
    assert "more.json" in (config.content / f"{PAPER}.md").read_text(encoding="utf-8")
    assert (site / new / "index.html").is_file()
    assert [str(d) for d in build(config).report.diagnostics if d.level == "error"] == [
        "sources/more.json:4: error: record 3 is not an object; skipped"]


def test_a_removed_page_leaves_the_site(served: tuple[Rebuilder, Path], project: Path) -> None:
    rebuild, site = served
    assert (site / OTHER / "index.html").is_file()
    page = project / "content" / f"{OTHER}.md"
    os.unlink(page)
    rebuild()
    assert not (site / OTHER / "index.html").exists()
    assert rebuild.background is not None
    rebuild.background.join(timeout=120)  # sitegen re-creates the page hidden: it stays off the site
    rebuild()
    assert not (site / OTHER / "index.html").exists()


def _differences(site: Path, reference: Path) -> list[str]:
    """Files that differ between two built sites (either side missing included)."""
    def files(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    ours, theirs = files(site), files(reference)
    return sorted(name for name in ours.keys() | theirs.keys() if ours.get(name) != theirs.get(name))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_kind_of_change_leaves_the_site_a_whole_build_makes(
        served: tuple[Rebuilder, Path], project: Path, tmp_path: Path) -> None:
    rebuild, site = served
    content = project / "content"
    paper, other = content / f"{PAPER}.md", content / f"{OTHER}.md"
    birds = "topics:\n  - name: Birds\n    description: Birds.\n    terms: [penguin*]\n"
    changes = {
        "a note in a paper page": lambda: _edit(paper, "## Notes\n", "## Notes\n\nRead it.\n"),
        "a paper's title": lambda: _edit(other, "title: Sparse Autoencoders", "title: Sparse Coders"),
        "a topic's description": lambda: _edit(project / "topics.yml", "Moving pictures.", "Films."),
        "a new dump": lambda: (project / "sources/more.jsonl").write_text(
            '{"title": "Rotated Penguin Detection in Aerial Video", "abstract": "A rotated object '
            'detector for penguins in aerial images and video, with bounding boxes."}\n',
            encoding="utf-8"),  # related to papers already there: their pages show it too
        "a dump whose records merge into existing papers": lambda: _json_dump(
            project / "sources/again.json", {"title": SPINDET[0], "abstract": SPINDET[1]},
            {"title": "Counting Penguins from Orbit", "abstract": "Penguin colonies counted from orbit."}),
        "a dump with a bad record": lambda: _json_dump(
            project / "sources/bad.json", {"title": "Gardening With Robots", "abstract": "Robots weed a "
                                           "garden and water it."}, {"title": ["not", "a", "title"]}),
        "a new topic": lambda: _edit(project / "topics.yml", "topics:\n", birds),
        "a hidden paper": lambda: _edit(other, "title:", "hidden: true\ntitle:"),
        "a deleted paper": lambda: paper.unlink(),
    }
    for n, (change, make) in enumerate(changes.items()):
        make()
        rebuild()
        if rebuild.background is not None:  # sitegen's build after a saved page, then its pages
            rebuild.background.join(timeout=120)
            rebuild.background = None
            rebuild()
        rebuild.site.settle()  # pages whose related papers changed
        reference = LiveSite(project / "mkdocs.yml", tmp_path / f"reference-{n}", "http://127.0.0.1:8000/")
        reference.whole()
        reference.close()
        assert _differences(site, tmp_path / f"reference-{n}") == [], change


def test_file_events_name_the_changed_files_and_leave_hidden_ones_out(tmp_path: Path) -> None:
    from sitegen.serving.serve import _observer

    content, topics = tmp_path / "content", tmp_path / "topics.yml"
    (content / "papers").mkdir(parents=True)
    topics.write_text("topics: []\n", encoding="utf-8")
    (content / "papers/read.md").write_text("x", encoding="utf-8")
    woken = []
    recorder = Recorder([content, topics], wake=lambda: woken.append(1))
    assert recorder.watches() == [(str(content), True), (str(tmp_path), False)]
    observer = _observer(content)
    for folder, recursive in recorder.watches():
        observer.schedule(recorder, folder, recursive=recursive)
    observer.start()
    try:
        (content / "papers/read.md").read_text(encoding="utf-8")  # read, not changed
        (content / ".sitegen").mkdir()
        (content / ".sitegen/state.json").write_text("{}", encoding="utf-8")
        (content / "papers/.a.md.1.tmp").write_text("x", encoding="utf-8")
        (tmp_path / "serve.log").write_text("x", encoding="utf-8")  # next to topics.yml, not watched
        (content / "papers/a.md").write_text("x", encoding="utf-8")
        topics.write_text("topics: [] # edited\n", encoding="utf-8")
        found: set[str] = set()
        for _ in range(100):
            found |= recorder()
            if len(found) >= 2:
                break
            time.sleep(0.05)
    finally:
        observer.stop()
        observer.join()
    assert found == {str(content / "papers/a.md"), str(topics)}
    assert woken


def test_a_change_made_while_sitegen_builds_is_built_next_time(project: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import sitegen.build

    config = load_config(project)
    build(config)
    read = sitegen.build.load_topics

    def read_then_edit(*args: object, **kwargs: object) -> object:
        found = read(*args, **kwargs)  # type: ignore[arg-type]
        _edit(config.topics, "Moving pictures.", "Films.")  # saved by the curator meanwhile
        return found

    monkeypatch.setattr(sitegen.build, "load_topics", read_then_edit)
    build(config, force=True)
    monkeypatch.setattr(sitegen.build, "load_topics", read)
    assert not build(config).skipped  # the edit was not in what that build wrote
    assert "Films\\." in (config.content / "topics/video.md").read_text(encoding="utf-8")


def _live(site: Path) -> dict[str, object]:
    manifest = json.loads((site / "pagefind/sitegen-parts.json").read_text(encoding="utf-8"))
    found: dict[str, object] = manifest["live"]
    return found


def test_with_pagefind_a_pass_indexes_the_pages_it_changed_and_a_whole_build_keeps_the_index(
        project: Path, tmp_path: Path) -> None:
    from .test_search import set_search

    set_search(project, "      search: pagefind\n")
    build(load_config(project))
    site_dir = tmp_path / "site"
    site = Site(project / "mkdocs.yml", site_dir, "http://127.0.0.1:8000/", quiet=3600)
    site.build(index_now=True)
    main = site.search.main
    assert main is not None and f"/{PAPER}/" in main.fragments
    assert _live(site_dir) == {"main": site.search.main_id}
    page = project / "content" / f"{PAPER}.md"
    page.write_text(page.read_text(encoding="utf-8").replace("## Notes\n", "## Notes\n\nQuokkas.\n"),
                    encoding="utf-8")
    site.update([f"{PAPER}.md"])
    end = time.monotonic() + 60
    while site.searched.busy and time.monotonic() < end:
        time.sleep(0.05)
    live = _live(site_dir)
    assert live["folder"] == "live-1/" and live["drop"] == [main.fragments[f"/{PAPER}/"]]
    assert site.search.written is not None and list(site.search.written.pages) == [f"/{PAPER}/"]
    assert site.indexed.busy  # the whole site's index waits for the site to be quiet
    # MkDocs' whole build empties the site folder: the index is set aside and put back.
    site.build()
    assert _live(site_dir)["folder"] == "live-1/"
    assert (site_dir / "pagefind/live-1").is_dir() and not (site_dir / ".pagefind-kept").exists()
