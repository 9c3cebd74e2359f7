"""Which search a site gets: Material's for small lists, Pagefind's for large ones or when asked."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.mkdocs_plugin.plugin import PAGEFIND_FROM, count_papers, uses_pagefind

from .test_site import mkdocs_build


def set_search(root: Path, options: str) -> None:
    """Give the sitegen plugin options in the project's mkdocs.yml."""
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "  - sitegen\n" in text
    config.write_text(text.replace("  - sitegen\n", f"  - sitegen:\n{options}"), encoding="utf-8")


def test_the_setting_and_the_size_of_the_list_choose_the_search() -> None:
    assert not uses_pagefind("auto", PAGEFIND_FROM - 1)
    assert uses_pagefind("auto", PAGEFIND_FROM)
    assert uses_pagefind("pagefind", 3)
    assert not uses_pagefind("material", 10 * PAGEFIND_FROM)
    assert uses_pagefind("auto", 50, threshold=40)


@pytest.mark.parametrize(("options", "pagefind"), [
    ("      pagefind_from: 3\n", True),  # 3 papers: at the (lowered) threshold
    ("      pagefind_from: 4\n", False),
    ("      search: material\n      pagefind_from: 3\n", False),
    ("      search: pagefind\n", True),
])
def test_large_lists_are_searched_with_pagefind(project: Path, options: str, pagefind: bool) -> None:
    assert CliRunner().invoke(main, ["build", "--project", str(project)]).exit_code == 0
    assert count_papers(project / "content") == 3
    set_search(project, options)
    built = mkdocs_build(project)
    assert built.returncode == 0, built.stderr
    site = project / "site"
    home = (site / "index.html").read_text(encoding="utf-8")
    paper = next((site / "papers").glob("*/index.html")).read_text(encoding="utf-8")
    scripts = site / "assets/javascripts"
    assert not list((site / "assets").rglob("*.map"))  # source maps of Material's files: for its developers
    assert (scripts / "workers").is_dir() != pagefind and (scripts / "lunr").is_dir() != pagefind
    if pagefind:
        assert (site / "pagefind/pagefind.js").is_file()
        assert not (site / "search/search_index.json").exists()  # Material's index is not built
        assert "sitegen-search.js" in home
        assert "data-md-component=search" not in home  # Material's search box and code are off
        assert "<div data-pagefind-body>" in paper
        # Each paper's abstract is indexed, not only its title (a page's text is in its fragment).
        packs = (site / "pagefind/fragment-packs").iterdir()
        fragments = b" ".join(gzip.decompress(p.read_bytes()) for p in packs)
        assert b"axis-aligned bounding boxes" in fragments
    else:
        assert (site / "search/search_index.json").is_file()
        assert not (site / "pagefind").exists()
        assert "data-md-component=search" in home and "sitegen-search.js" not in home


def test_a_pagefind_that_cannot_run_fails_the_build_with_a_hint(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert CliRunner().invoke(main, ["build", "--project", str(project)]).exit_code == 0
    set_search(project, "      search: pagefind\n")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", "/bin/false")  # starts, and stops at once
    built = mkdocs_build(project)
    assert built.returncode != 0
    assert "sitegen: Pagefind could not index the site: " in built.stderr
    assert "hint: pip install 'pagefind[bin]'" in built.stderr
    assert "Traceback" not in built.stderr


def test_a_dirty_build_still_indexes_every_page(project: Path) -> None:
    assert CliRunner().invoke(main, ["build", "--project", str(project)]).exit_code == 0
    set_search(project, "      search: pagefind\n")
    assert mkdocs_build(project).returncode == 0

    def urls() -> list[str]:
        folder = project / "site/pagefind/fragment-packs"
        return sorted(fragment["url"] for p in folder.iterdir()
                      for fragment in json.loads(gzip.decompress(p.read_bytes())).values())

    everything = urls()
    assert sum(url.startswith("/papers/") for url in everything) == 3
    assert "/topics/" in everything  # pages other than papers are found too
    paper = next((project / "content/papers").glob("*.md"))
    paper.write_text(paper.read_text(encoding="utf-8") + "\nA note.\n", encoding="utf-8")
    dirty = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--dirty", "--site-dir", "site"],
                           cwd=project, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
                           capture_output=True, text=True, timeout=300)
    assert dirty.returncode == 0, dirty.stderr
    assert urls() == everything  # the pages it did not render are still in the index
