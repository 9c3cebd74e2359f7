"""End to end: `sitegen build` then `mkdocs build --strict`, checked in the built HTML."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.mkdocs_plugin.layouts import THEME

LONG = "We evaluate the method on segmentation benchmarks and report strong results. " * 6


def mkdocs_build(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", "site"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )


def links_to(html: str, url: str) -> bool:
    """Whether a built page links to url (pages are minified: attribute quotes only where needed)."""
    return any(f"href={form}" in html for form in (f'"{url}"', f"{url}>", f"{url} "))


class Injections(HTMLParser):
    """Collects anything in a page that would run script or load content from text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src") and value and value.strip().lower().startswith(
                    ("javascript:", "data:", "vbscript:")) and value != "javascript:void(0)":
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag in ("img", "iframe", "object", "embed"):
            self.found.append(f"<{tag}>")
        self._script = tag == "script"

    def handle_data(self, data: str) -> None:
        if self._script and "alert(" in data:
            self.found.append(f"<script>{data[:40]}")

    def handle_endtag(self, tag: str) -> None:
        self._script = False


def test_seed_site_builds_strict_with_614_small_paper_pages(seed_project: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--project", str(seed_project)])
    assert result.exit_code == 0, result.output
    assert "736 records read from 5 files, 122 duplicates merged, 614 papers" in result.output
    assert len(list((seed_project / "content/papers").glob("*.md"))) == 614

    built = mkdocs_build(seed_project)
    assert built.returncode == 0, built.stderr
    assert "WARNING" not in built.stderr
    site = seed_project / "site"
    papers = list((site / "papers").glob("*/index.html"))
    assert len(papers) == 614
    assert max(p.stat().st_size for p in papers) < 40_000
    assert (site / "topics/object-detection/index.html").exists()
    assert (site / "topics/untagged/index.html").exists()
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "614 papers" in home
    # Paper pages stay out of the navigation.
    assert "/papers/" not in home.split("class=md-nav__list", 1)[1].split("</nav>", 1)[0]
    paper = (site / "papers/ssd-single-shot-multibox-detector/index.html").read_text(encoding="utf-8")
    # Pages are minified: attribute values without spaces lose their quotes.
    assert "href=https://github.com/weiliu89/caffe/tree/ssd " in paper
    assert "class=md-tag href=../../topics/object-detection/>" in paper
    assert "Where this paper was found" in paper
    # With no network and no enrichment, every paper still opens: its arXiv page, else search links.
    for page in papers:
        html = page.read_text(encoding="utf-8")
        assert "https://arxiv.org/abs/" in html or (
            "https://huggingface.co/papers?q=" in html and "https://scholar.google.com/scholar?q=" in html
            and "https://arxiv.org/search/?searchtype=title" in html), page


def test_hostile_titles_and_abstracts_never_become_live_html(project: Path) -> None:
    (project / "sources/evil.txt").write_text(
        "<script>alert('t')</script> Segmentation of <img src=x onerror=alert(1)>\n\n"
        f"{LONG}<script>alert('a')</script> [x](javascript:alert(1)) "
        '<a href="javascript:alert(2)">y</a> {: onclick="alert(3)" } '
        "https://github.com/e/r\" onmouseover=\"alert(4)\n\n"
        "[click](javascript:alert(5)) Segmentation link title\n\n"
        f"{LONG}\n\n"
        "A last title with no abstract\n",
        encoding="utf-8",
    )
    (project / "sources/evil.json").write_text(json.dumps([{
        "title": "Segmentation <svg onload=alert(6)> by JSON",
        "abstract": LONG + "<iframe src=javascript:alert(7)>",
        "authors": ["<img src=x onerror=alert(8)>", "Bo <b onmouseover=alert(9)>Chen</b>"],
        "venue": "<script>alert(10)</script>", "year": "2024",
        "doi": '10.1234/"><script>alert(11)</script>',
        "code": "javascript:alert(12)", "project": 'https://x.org/" onmouseover="alert(13)',
        "keywords": ["<script>alert(14)</script>"],
    }]), encoding="utf-8")
    (project / "sources/blob.bin").write_bytes(b"\x00\xff\x00binary")
    result = CliRunner().invoke(main, ["build", "--project", str(project)])
    assert result.exit_code == 0, result.output
    assert "sources/blob.bin: error: binary file" in result.output
    assert "sources/evil.txt:9: warning: title 'A last title with no abstract'" in result.output

    built = mkdocs_build(project)
    assert built.returncode == 0, built.stderr
    pages = sorted((project / "site").rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        checker = Injections()
        checker.feed(page.read_text(encoding="utf-8"))
        assert checker.found == [], page
    search = (project / "site/search/search_index.json").read_text(encoding="utf-8")
    assert "<script>" not in search and "<img" not in search
    paper = next((project / "site/papers").glob("script-alert*/index.html"))
    assert "<h1>&lt;script>alert('t')&lt;/script> Segmentation" in paper.read_text()  # minified: > is text
    evil = (project / "site/papers/segmentation-svg-onload-alert-6-by-json/index.html").read_text()
    assert "&lt;img src=x onerror=alert(8)>" in evil
    assert "&lt;script>alert(10)&lt;/script>" in evil
    doi = "https://doi.org/10.1234/%22%3E%3Cscript%3Ealert%2811%29%3C/script%3E"
    assert f"href={doi} rel=nofollow>DOI" in evil


def test_seed_site_builds_with_zensical_when_installed(seed_project: Path) -> None:
    """Material's successor reads the same mkdocs.yml; the site must stay buildable with it."""
    zensical = shutil.which("zensical") or str(Path(sys.executable).parent / "zensical")
    if not Path(zensical).exists():
        pytest.skip("Zensical is not installed (pip install zensical)")
    result = CliRunner().invoke(main, ["build", "--project", str(seed_project)])
    assert result.exit_code == 0, result.output
    # Zensical runs no MkDocs plugin, so sitegen's layouts are named as the theme's custom_dir.
    config = seed_project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    custom = f"  name: material\n  custom_dir: {json.dumps(str(THEME))}\n"
    config.write_text(text.replace("  name: material\n", custom, 1), encoding="utf-8")
    built = subprocess.run([zensical, "build"], cwd=seed_project, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    site = seed_project / "site"
    assert len(list((site / "papers").glob("*/index.html"))) == 614
    assert "sitegen-byline" not in (site / "papers/ssd-single-shot-multibox-detector/index.html").read_text(
        encoding="utf-8")  # seed pages have no authors: the byline is left out, as under MkDocs
