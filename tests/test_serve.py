"""`sitegen serve`: each change rebuilds what it needs, and only that."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sitegen.build import build
from sitegen.config import load_config
from sitegen.serve import Plan, Project, Rebuilder, Site, changed, output_of, plan, snapshot

PAPER = "papers/spindet-rotated-object-detection-in-aerial-images"
OTHER = "papers/sparse-autoencoders-find-monosemantic-features-in-language-models"


def test_changes_are_classified_by_what_they_need(tmp_path: Path) -> None:
    content, sources = tmp_path / "content", tmp_path / "sources"
    project = Project(content, (sources, tmp_path / "topics.yml"),
                      (tmp_path / "mkdocs.yml", tmp_path / "overrides"))
    (content / "papers").mkdir(parents=True)
    page, topic = content / "papers/a.md", content / "topics/new.md"
    page.write_text("x", encoding="utf-8")
    before = {str(page): (1, 1)}
    assert plan({str(page)}, before, project) == Plan(background_sitegen=True)
    assert plan({str(topic)}, before, project) == Plan(nav=True, removed=["topics/new.md"])
    assert plan({str(sources / "new.jsonl")}, before, project) == Plan(sitegen=True)
    assert plan({str(tmp_path / "overrides/paper.html"), str(page)}, before, project) == Plan(
        full=True, background_sitegen=True)


def test_outputs_follow_mkdocs_directory_urls(tmp_path: Path) -> None:
    assert output_of("index.md", tmp_path) == tmp_path / "index.html"
    assert output_of("topics/index.md", tmp_path) == tmp_path / "topics/index.html"
    assert output_of("papers/a.md", tmp_path) == tmp_path / "papers/a/index.html"
    assert output_of("exports/papers.csv", tmp_path) == tmp_path / "exports/papers.csv"


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
    site.build(dirty=False)
    watched = Project(config.content, (*config.sources, config.topics, project / "pyproject.toml"),
                      (project / "mkdocs.yml", project / "overrides"))
    return Rebuilder(watched, site, lambda: build(load_config(project)) and None), tmp_path / "site"


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
