"""Related papers, feeds, exports and terminal search, checked in the files a reader gets."""

from __future__ import annotations

import csv
import gzip
import io
import json
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import bibtexparser
import frontmatter
import pytest
from click.testing import CliRunner

from sitegen.build import build
from sitegen.cli import main
from sitegen.config import load_config
from sitegen.output import exports as exports_module
from sitegen.output import site
from sitegen.output.feeds import render_feeds_sitemap
from sitegen.output.related import related_papers

from .test_site import mkdocs_build

ATOM = "{http://www.w3.org/2005/Atom}"
SAE = "content/papers/sparse-autoencoders-find-monosemantic-features-in-language-models.md"


def run(root: Path):  # type: ignore[no-untyped-def]
    return build(load_config(root))


def test_related_papers_are_the_most_similar_texts() -> None:
    texts = [
        "sparse autoencoders interpretability features language models",
        "object detection aerial images rotated boxes",
        "interpretability of language models with sparse dictionary features",
        "rotated object detection in satellite images",
        "recipes for sourdough bread",
    ]
    related = related_papers(texts, count=2)
    assert related[0][0] == 2 and related[2][0] == 0
    assert related[1][0] == 3 and related[3][0] == 1
    assert 0 not in related[0]
    assert related[4] == []  # shares no word with the others


def test_feeds_are_valid_atom_with_titles_abstracts_links_and_topics(project: Path) -> None:
    run(project)
    root = ET.parse(project / "content/feeds/all.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 3
    titles = {e.findtext(f"{ATOM}title") for e in entries}
    assert "Sparse Autoencoders Find Monosemantic Features in Language Models" in titles
    sae = next(e for e in entries if e.findtext(f"{ATOM}title", "").startswith("Sparse"))
    assert sae.findtext(f"{ATOM}summary", "").startswith("Sparse autoencoders recover")
    (link,) = sae.findall(f"{ATOM}link")  # one link, rel omitted: "alternate" in Atom
    assert link.get("rel", "alternate") == "alternate"
    assert link.get("href") == "../papers/sparse-autoencoders-find-monosemantic-features-in-language-models/"
    assert {c.get("term") for c in sae.findall(f"{ATOM}category")} == {"Interpretability", "Language models"}
    topic = ET.parse(project / "content/feeds/interpretability.xml").getroot()
    assert [e.findtext(f"{ATOM}title") for e in topic.findall(f"{ATOM}entry")] == [
        "Sparse Autoencoders Find Monosemantic Features in Language Models"]


def test_the_feeds_folder_has_the_sitemap_materials_scripts_ask_for(project: Path) -> None:
    # Material fetches sitemap.xml beside each <link rel="alternate"> of a page, feed links too.
    sitemap = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    with (project / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write('site_url = "https://example.org/list/"\n')
    run(project)
    root = ET.parse(project / "content/feeds/sitemap.xml").getroot()
    locs = [u.findtext(f"{sitemap}loc") for u in root]
    feeds = {f"https://example.org/list/feeds/{p.name}" for p in (project / "content/feeds").glob("*.xml")}
    assert locs[0] == "https://example.org/list/feeds/all.xml" and len(locs) == len(set(locs)) > 1
    assert set(locs) == feeds - {"https://example.org/list/feeds/sitemap.xml"}
    empty = ET.fromstring(render_feeds_sitemap(["feeds/all.xml"], ""))  # URLs are absolute: none without one
    assert empty.tag == f"{sitemap}urlset" and list(empty) == []


def test_exports_parse_and_leave_hidden_papers_out(project: Path) -> None:
    run(project)
    post = frontmatter.load(project / SAE)
    post["hidden"] = True
    (project / SAE).write_text(frontmatter.dumps(post, sort_keys=False) + "\n", encoding="utf-8")
    run(project)
    exports = project / "content/exports"
    papers = json.loads((exports / "papers.json").read_text(encoding="utf-8"))
    assert sorted(p["title"] for p in papers) == [
        "Curating Reading Lists by Hand", "SpinDet: Rotated Object Detection in Aerial Images"]
    rows = list(csv.DictReader(io.StringIO((exports / "papers.csv").read_text(encoding="utf-8"))))
    assert [r["title"] for r in rows] == [p["title"] for p in papers]
    library = bibtexparser.parse_string((exports / "papers.bib").read_text(encoding="utf-8"))
    assert len(library.entries) == 2 and not library.failed_blocks
    assert (exports / "topics/interpretability.csv").read_text(encoding="utf-8").count("\n") == 1  # header
    assert not (exports / "topics/interpretability.json").exists()  # the list's JSON has the topics
    # An export is itself a source sitegen reads.
    (project / "sources/reimport.json").write_text((exports / "papers.json").read_text(encoding="utf-8"),
                                                   encoding="utf-8")
    again = run(project)
    assert again.report.diagnostics == [] and not again.stats.new


def test_topic_exports_are_reference_lists_without_abstracts(project: Path) -> None:
    (project / "sources/odd.csv").write_text(  # an abstract with a comma, quotes and a line break
        'title,abstract,year\n"Rotated Object Detection, Revisited","Boxes, ""rotated""\nand more.",2024\n',
        encoding="utf-8")
    run(project)
    exports = project / "content/exports"
    whole = list(csv.DictReader(io.StringIO((exports / "papers.csv").read_text(encoding="utf-8"))))
    topic = list(csv.DictReader(io.StringIO(
        (exports / "topics/object-detection.csv").read_text(encoding="utf-8"))))
    assert list(whole[0]) == [*list(topic[0]), "abstract"]
    by_title = {row["title"]: row for row in whole}
    assert by_title["Rotated Object Detection, Revisited"]["abstract"] == 'Boxes, "rotated" and more.'
    for row in topic:  # the same row as the whole list's, less the abstract
        assert {**row, "abstract": by_title[row["title"]]["abstract"]} == by_title[row["title"]]
    assert by_title["SpinDet: Rotated Object Detection in Aerial Images"]["abstract"]
    entries = {e.key: e for e in bibtexparser.parse_string(
        (exports / "papers.bib").read_text(encoding="utf-8")).entries}
    listed = bibtexparser.parse_string((exports / "topics/object-detection.bib").read_text(encoding="utf-8"))
    assert len(listed.entries) == len(topic) == 2 and not listed.failed_blocks
    for entry in listed.entries:  # the same key and fields as in the whole list's
        fields = {f.key: f.value for f in entries[entry.key].fields}
        assert "abstract" in fields and {f.key: f.value for f in entry.fields} == {
            k: v for k, v in fields.items() if k != "abstract"}


def test_exports_of_large_lists_are_compressed_and_read_back(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(project)
    exports = project / "content/exports"
    assert (exports / "papers.json").is_file() and (exports / "topics/object-detection.csv").is_file()
    monkeypatch.setattr(site, "COMPRESS_FROM", 3)  # the list has 3 papers
    result = build(load_config(project), force=True)  # as when the list grows past the threshold
    assert "exports/papers.json" in result.stats.removed and not (exports / "papers.json").exists()
    papers = json.loads(gzip.decompress((exports / "papers.json.gz").read_bytes()))
    assert len(papers) == 3 and any(p["abstract"] for p in papers)
    # The list's CSV and BibTeX are then reference lists like a topic's: every field but the abstract.
    whole = list(csv.DictReader(io.StringIO(gzip.decompress(
        (exports / "papers.csv.gz").read_bytes()).decode("utf-8"))))
    assert len(whole) == 3 and "abstract" not in whole[0] and whole[0]["title"]
    bib = bibtexparser.parse_string(gzip.decompress((exports / "papers.bib.gz").read_bytes()).decode("utf-8"))
    assert len(bib.entries) == 3 and not any("abstract" in e.fields_dict for e in bib.entries)
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(
        (exports / "topics/object-detection.csv.gz").read_bytes()).decode("utf-8"))))
    assert len(rows) == 1 and not (exports / "topics/object-detection.csv").exists()
    home = (project / "content/index.md").read_text(encoding="utf-8")
    assert "[JSON](exports/papers.json.gz)" in home
    assert "(gzip-compressed; CSV and BibTeX without abstracts)" in home
    topic = (project / "content/topics/object-detection.md").read_text(encoding="utf-8")
    assert "[CSV](../exports/topics/object-detection.csv.gz)" in topic
    # The same bytes every build, so a rebuild writes nothing.
    assert not run(project).stats.updated
    # A compressed JSON export is a source too.
    (project / "sources/reimport.json.gz").write_bytes((exports / "papers.json.gz").read_bytes())
    again = run(project)
    assert again.report.diagnostics == [] and not again.stats.new


def test_abstracts_are_rendered_only_for_exports_that_hold_them(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, bool]] = []
    for name in ("_csv_rows", "_bib_entries"):
        real = getattr(exports_module, name)

        def spy(*args, real=real, name=name, **kwargs):  # type: ignore[no-untyped-def]
            asked.append((name, args[-1] if len(args) > 1 and isinstance(args[-1], bool)
                          else kwargs.get("abstracts", True)))
            return real(*args, **kwargs)
        monkeypatch.setattr(exports_module, name, spy)
    run(project)
    assert sorted(asked) == [("_bib_entries", True), ("_csv_rows", True)]  # the list's own files hold them
    asked.clear()
    monkeypatch.setattr(site, "COMPRESS_FROM", 3)  # the list has 3 papers: no CSV or BibTeX holds them
    build(load_config(project), force=True)
    assert sorted(asked) == [("_bib_entries", False), ("_csv_rows", False)]


def test_compressed_exports_are_the_bytes_of_one_compression(monkeypatch: pytest.MonkeyPatch) -> None:
    # Batches are compressed in a thread while the next is made: the bytes must not depend on that.
    monkeypatch.setattr(exports_module, "GZIP_BATCH", 1000)
    pieces = [f"row {n}, caf\u00e9 {'x' * (n % 97)}\n" for n in range(5000)]
    whole = zlib.compressobj(exports_module.GZIP_LEVEL, zlib.DEFLATED, 31)
    expected = whole.compress("".join(pieces).encode("utf-8")) + whole.flush()
    assert b"".join(exports_module.gzipped(iter(pieces))) == expected
    assert gzip.decompress(b"".join(exports_module.gzipped([]))) == b""


def test_a_broken_compressed_source_is_reported(project: Path) -> None:
    (project / "sources/cut.json.gz").write_bytes(gzip.compress(b'[{"title": "A paper"}]')[:-12])
    result = run(project)
    assert [d.message for d in result.report.diagnostics if "cut.json.gz" in d.path] == [
        "cannot decompress: the compressed data ends early; skipped"]


def test_bibtex_export_escapes_latex_specials(project: Path) -> None:
    (project / "sources/odd.csv").write_text(
        'title,authors,year\n"100% of {braces} & $money_ #1 ~ ^",Ann O\'Neil,2024\n', encoding="utf-8")
    run(project)
    library = bibtexparser.parse_string((project / "content/exports/papers.bib").read_text(encoding="utf-8"))
    assert not library.failed_blocks
    titles = [e.fields_dict["title"].value for e in library.entries]
    assert any("100\\% of \\{braces\\} \\& \\$money\\_ \\#1" in t for t in titles)


def test_site_shows_related_papers_feed_links_and_export_links(project: Path) -> None:
    (project / "sources/extra.jsonl").write_text(json.dumps({
        "title": "Oriented Object Detection in Aerial Images with Rotated Boxes",
        "abstract": "Detecting rotated objects in aerial images needs oriented bounding boxes; our detector "
                    "predicts them directly and improves mAP on DOTA."}) + "\n", encoding="utf-8")
    run(project)
    assert mkdocs_build(project).returncode == 0
    site = project / "site"  # minified: attribute values without spaces have no quotes
    paper = (site / "papers/spindet-rotated-object-detection-in-aerial-images/index.html").read_text(
        encoding="utf-8")
    related = paper.split("id=related-papers", 1)[1].split("</section>", 1)[0]
    assert 'href=../oriented-object-detection-in-aerial-images-with-rotated-boxes/>' in related
    assert 'type=application/atom+xml' in paper and "feeds/all.xml" in paper
    topic = (site / "topics/object-detection/index.html").read_text(encoding="utf-8")
    assert 'href=../../feeds/object-detection.xml>' in topic
    assert 'href=../../exports/topics/object-detection.csv>' in topic
    assert 'data-added=2026-01-01' in topic and 'class=sitegen-filters' in topic
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href=exports/papers.bib>' in home
    for path in ("feeds/all.xml", "exports/papers.json", "assets/javascripts/sitegen.js"):
        assert (site / path).is_file(), path


def test_search_ranks_title_matches_first_and_prints_json(project: Path) -> None:
    run(project)
    result = CliRunner().invoke(main, ["search", "--project", str(project), "--json", "language", "models"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert hits[0]["title"] == "Sparse Autoencoders Find Monosemantic Features in Language Models"
    assert hits[0]["path"] == SAE
    assert hits[0]["topics"] == ["Interpretability", "Language models"]
    # "detector" is in the SpinDet title and only in the abstract of no other paper.
    text = CliRunner().invoke(main, ["search", "--project", str(project), "rotated"])
    assert text.output.splitlines()[0] == "SpinDet: Rotated Object Detection in Aerial Images"
    none = CliRunner().invoke(main, ["search", "--project", str(project), "zebrafish"])
    assert none.exit_code == 1 and "no paper matches" in none.output
