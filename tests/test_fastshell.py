"""Paper pages from the shared shell: byte for byte what the paper layout renders, or the layout itself."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sitegen.build import build
from sitegen.config import load_config as load_sitegen_config
from sitegen.mkdocs_plugin import fastshell

from .test_fastpage import built_site


def edit_meta(page: Path, lines: str) -> None:
    """Add front-matter lines at the top of a paper page's front matter."""
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("---\n", f"---\n{lines}", 1), encoding="utf-8")


def assert_same_sites(project: Path) -> Any:
    fast, _, shells = built_site(project, "site-fast", True)
    slow, _, _ = built_site(project, "site-slow", False)
    assert fast.keys() == slow.keys()
    assert [name for name in fast if fast[name] != slow[name]] == []
    return shells


def test_the_seed_site_is_the_same_with_the_shared_shell(seed_project: Path) -> None:
    build(load_sitegen_config(seed_project))
    papers = sorted((seed_project / "content/papers").glob("*.md"))
    # Keys Material reads (these pages take the layout), and titles that are also words of the
    # shell ("Search", "Topics"): the first two pages rendered, so the shell is found later.
    for page, title in ((papers[0], "Search"), (papers[1], "Topics")):
        text = page.read_text(encoding="utf-8")
        page.write_text(re.sub(r"(?m)^title: .*$", f"title: {title}", text, count=1), encoding="utf-8")
    edit_meta(papers[2], "hide:\n- toc\n")
    edit_meta(papers[3], "description: A page of its own\n")
    shells = assert_same_sites(seed_project)
    # All paper pages but the first few (rendered in full until two agree) and the two with keys
    # of Material's take the shell.
    assert shells.filled >= len(papers) - 2 - fastshell.MAX_TRIES
    assert list(shells.shells.values()) == [shells.shells[next(iter(shells.shells))]] and shells.filled > 500
    site = seed_project / "site-slow/papers"
    assert "<title>Search - " in (site / papers[0].stem / "index.html").read_text(encoding="utf-8")
    assert 'content="A page of its own"' in (site / papers[3].stem / "index.html").read_text(encoding="utf-8")


def test_a_layout_of_the_curators_takes_no_shell(seed_project: Path) -> None:
    build(load_sitegen_config(seed_project))
    overrides = seed_project / "overrides"
    overrides.mkdir()
    layout = (Path(fastshell.__file__).parent.parent / "theme/paper.html").read_text(encoding="utf-8")
    # The page's first source in the head, where the shell would hold the first page's.
    extra = '<meta name="x-source" content="{{ page.meta.sources[0].record }}">'
    (overrides / "paper.html").write_text(layout.replace('<link rel="icon"', extra + '\n  <link rel="icon"'),
                                          encoding="utf-8")
    config = seed_project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("theme:\n  name: material\n", "theme:\n  name: material\n"
                                   "  custom_dir: overrides\n", 1), encoding="utf-8")
    assert assert_same_sites(seed_project) is None  # no shell is taken with a layout of the curator's


def test_cut_and_fill() -> None:
    page = "<title>T - S</title><main>C</main><link href='U'>T"
    parts = ("<main>C</main>", "T", "U", "")
    pieces = fastshell.cut(page, parts)
    assert pieces is not None and fastshell.fill(pieces, parts) == page
    other = fastshell.fill(pieces, ("<main>D</main>", "V", "W", ""))
    assert other == "<title>V - S</title><main>D</main><link href='W'>V"
    assert fastshell.cut(page, ("T", "", "", "")) is None  # the content must be there once
    assert fastshell.cut(page, ("", "", "", "")) is None
