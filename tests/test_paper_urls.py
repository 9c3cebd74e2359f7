"""`paper_urls = "file"`: paper pages published as papers/<slug>.html, every link to them following."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.config import ConfigError, load_config

from .test_search import set_search
from .test_site import links_to, mkdocs_build


def test_paper_pages_can_be_files_and_every_link_finds_them(project: Path) -> None:
    with (project / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write('paper_urls = "file"\nsite_url = "https://example.org/list/"\n')
    (project / "sources/extra.jsonl").write_text(json.dumps({  # a paper related to SpinDet's
        "title": "Oriented Object Detection in Aerial Images with Rotated Boxes",
        "abstract": "Detecting rotated objects in aerial images needs oriented bounding boxes; our detector "
                    "predicts them directly and improves mAP on DOTA."}) + "\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["build", "--project", str(project)]).exit_code == 0
    set_search(project, "      search: pagefind\n")
    with (project / "mkdocs.yml").open("a", encoding="utf-8") as config:
        config.write("site_url: https://example.org/list/\n")  # for the sitemap
    built = mkdocs_build(project)
    assert built.returncode == 0, built.stderr
    site = project / "site"
    slugs = sorted(p.stem for p in (project / "content/papers").glob("*.md"))
    assert len(slugs) == 4
    assert sorted(p.name for p in (site / "papers").iterdir()) == [f"{slug}.html" for slug in slugs]

    home = (site / "index.html").read_text(encoding="utf-8")
    assert all(links_to(home, f"papers/{slug}.html") for slug in slugs)
    topic = next(p for p in (site / "topics").glob("*/index.html") if "papers/" in p.read_text("utf-8"))
    listed = re.findall(r"href=\"?\.\./\.\./papers/([^\"> ]+)", topic.read_text(encoding="utf-8"))
    assert listed and all(link.removesuffix(".html") in slugs and link.endswith(".html") for link in listed)
    paper = (site / "papers/spindet-rotated-object-detection-in-aerial-images.html").read_text("utf-8")
    assert "href=../assets/stylesheets/sitegen.css" in paper  # the theme's files, one folder up
    related = paper.split("id=related-papers", 1)[1].split("</section>", 1)[0]
    assert "href=oriented-object-detection-in-aerial-images-with-rotated-boxes.html>" in related

    feed = (site / "feeds/all.xml").read_text(encoding="utf-8")
    assert sorted(re.findall(r'href="https://example.org/list/papers/([^"]+)\.html"', feed)) == slugs
    export = json.loads(gzip.decompress((site / "exports/papers.json.gz").read_bytes())
                        if (site / "exports/papers.json.gz").exists()
                        else (site / "exports/papers.json").read_bytes())
    assert sorted(row["page"] for row in export) == [f"papers/{slug}.html" for slug in slugs]
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert all(f"https://example.org/list/papers/{slug}.html</loc>" in sitemap for slug in slugs)
    packs = (site / "pagefind/fragment-packs").iterdir()
    urls = {f["url"] for p in packs for f in json.loads(gzip.decompress(p.read_bytes())).values()}
    assert {f"/papers/{slug}.html" for slug in slugs} <= urls


def test_paper_urls_takes_two_values(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.sitegen]\npaper_urls = "flat"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(tmp_path)
    assert "pyproject.toml:2: error: [tool.sitegen]: 'paper_urls' must be 'directory' or 'file'" in str(
        refused.value)
    (tmp_path / "pyproject.toml").write_text("[tool.sitegen]\n", encoding="utf-8")
    assert load_config(tmp_path).paper_urls == "directory"
