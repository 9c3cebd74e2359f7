"""The Pagefind index sitegen builds: each page's record, parts of bounded size, the service's errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from sitegen.mkdocs_plugin.pagefind_index import (
    MANIFEST,
    PACKS,
    PagefindError,
    Service,
    index_site,
    pack_fragments,
    pack_of,
    page_record,
    stop_all,
    write_part,
)

PAPER = (
    '<!doctype html><html class=no-js lang=fr><head><title>T</title></head><body>'
    "<header><nav>Home Topics Tags</nav></header>"
    '<article class="md-content__inner md-typeset"><div data-pagefind-body>'
    "<h1>Sparse {n} autoencoders</h1><p class=sitegen-links data-pagefind-ignore><a href=x>arXiv</a></p>"
    "<h2 id=abstract>Abstract<a class=headerlink href=#abstract>¶</a></h2>"
    "<div class=sitegen-abstract><p>Monosemantic features{n} found in language models.</p></div>"
    "</div><section class=sitegen-related><h2 id=related-papers>Related papers</h2></section></article>"
    "<footer>Made with Material</footer></body></html>"
)
TOPIC = (
    "<!doctype html><html lang=en><body><header>Home</header>"
    '<article class="md-content__inner md-typeset"><h1 id=object-detection>Object detection</h1>'
    "<p>Boxes around things.</p><div class=sitegen-papers data-search-exclude><ul><li>Some paper</li></ul>"
    "</div></article></body></html>"
)


def test_a_paper_page_record_is_its_marked_part_without_ids() -> None:
    record = page_record(PAPER.format(n=1), "/papers/sparse/")
    assert record is not None
    assert record.startswith('<!DOCTYPE html><html lang="fr">')
    assert "<h1>Sparse 1 autoencoders</h1>" in record and "Monosemantic features1" in record
    assert "Home Topics Tags" not in record and "Related papers" not in record and "Material" not in record
    assert "data-pagefind-ignore" in record  # Pagefind leaves the buttons out itself
    assert " id=" not in record  # no anchors in the fragments: the search box shows none


def test_other_pages_are_indexed_by_their_article_and_later_list_pages_not_at_all() -> None:
    record = page_record(TOPIC, "/topics/object-detection/")
    assert record is not None and "<h1>Object detection</h1>" in record and "Boxes around" in record
    assert "Home" not in record
    assert page_record(TOPIC, "/topics/object-detection-page-2/") is None
    assert page_record("<html><body><p>No article</p></body></html>", "/x/") is None


def fragments(folder: Path) -> list[dict[str, object]]:
    """The fragments of a part of the index, from its packs."""
    return [fragment for p in (folder / PACKS).iterdir()
            for fragment in json.loads(gzip.decompress(p.read_bytes())).values()]


def test_a_site_is_indexed_in_parts_that_the_first_lists(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for n in range(6):
        (site / f"papers/p{n}").mkdir(parents=True)
        (site / f"papers/p{n}/index.html").write_text(PAPER.format(n=n), encoding="utf-8")
    (site / "topics/object-detection").mkdir(parents=True)
    (site / "topics/object-detection/index.html").write_text(TOPIC, encoding="utf-8")
    (site / "404.html").write_text(TOPIC.replace("Object detection", "Not found"), encoding="utf-8")
    (site / "pagefind").mkdir()
    (site / "pagefind/old.html").write_text(TOPIC, encoding="utf-8")  # an earlier index: not a page
    output = site / "pagefind"

    assert index_site(site, output, part_words=25) == 7
    merged = json.loads((output / MANIFEST).read_text(encoding="utf-8"))["merge"]
    assert len(merged) >= 2
    parts = [output, *(output / name for name in merged)]
    found = [f for part in parts for f in fragments(part)]
    assert sorted(str(f["url"]) for f in found) == [*(f"/papers/p{n}/" for n in range(6)),
                                                     "/topics/object-detection/"]
    titles = {str(f["url"]): f["meta"]["title"] for f in found}  # type: ignore[index]
    assert titles["/papers/p3/"] == "Sparse 3 autoencoders"
    assert not any("arXiv" in str(f["content"]) or "Some paper" in str(f["content"]) for f in found)
    assert (output / "pagefind.js").is_file() and not (output / "pagefind-ui.js").exists()
    # A merged part keeps only its index: the first part's script and WebAssembly search it.
    assert sorted(p.name for p in (output / merged[0]).iterdir() if not p.name.endswith(".pf_meta")) == [
        PACKS, "index", "pagefind-entry.json"]
    packs = json.loads((output / MANIFEST).read_text(encoding="utf-8"))["packs"]
    assert sorted(packs) == ["", *merged] and all(n >= 1 for n in packs.values())
    assert not any((part / "fragment").exists() for part in parts)  # one file a page no more

    assert index_site(site, output) == 7  # again, in one part: the old parts are gone
    assert json.loads((output / MANIFEST).read_text(encoding="utf-8"))["merge"] == []
    assert not (output / "2").exists()


def test_a_service_that_stops_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", "/bin/false")
    with pytest.raises(PagefindError, match="Pagefind stopped"):
        Service()
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", "/nonexistent/pagefind")
    with pytest.raises(PagefindError, match="cannot run Pagefind"):
        Service()


def test_services_still_running_are_ended_by_stop_all() -> None:
    # A server stopped while Pagefind indexes in the background must not leave the process behind.
    service = Service()
    service.add_html("/a/", "<html><body><h1>A paper</h1><p>words</p></body></html>")
    process = service._proc
    stop_all()
    assert process.poll() is not None
    stop_all()  # nothing left: a second call is harmless


def test_a_title_naming_the_body_marker_does_not_widen_the_record() -> None:
    # An untrusted title is escaped text in <title> and <meta>, yet holds the marker's words.
    hostile = PAPER.format(n=1).replace(
        "<title>T</title>", '<title>x data-pagefind-body y</title><meta content="a data-pagefind-body">')
    record = page_record(hostile, "/papers/sparse/")
    assert record is not None and "Monosemantic features1" in record
    assert "Related papers" not in record and "Home Topics Tags" not in record


def test_fragments_are_packed_where_the_search_script_looks_for_them(tmp_path: Path) -> None:
    written, files = {}, {"index/en_1.pf_index": b"words", "pagefind-ui.js": b"ui", "pagefind.js": b"js"}
    for n in range(40):
        name = f"en_{n:07x}"
        written[name] = {"url": f"/papers/p{n}/", "content": f"Paper {n} \u00b7 words " * 40, "meta": {}}
        data = b"pagefind_dcd" + json.dumps(written[name], ensure_ascii=False).encode("utf-8")
        files[f"fragment/{name}.pf_fragment"] = gzip.compress(data)
    urls: dict[str, str] = {}
    count = write_part(files, tmp_path / "part", False, pack_bytes=500, urls=urls)
    assert count > 1 and not (tmp_path / "part/fragment").exists()
    assert urls == {str(fragment["url"]): name for name, fragment in written.items()}
    assert (tmp_path / "part/index/en_1.pf_index").read_bytes() == b"words"
    assert (tmp_path / "part/pagefind.js").exists() and not (tmp_path / "part/pagefind-ui.js").exists()
    names = sorted(p.name for p in (tmp_path / "part" / PACKS).iterdir())
    assert names == sorted(f"{n}.pf_pack" for n in range(count))
    for n in range(count):
        pack = json.loads(gzip.decompress((tmp_path / "part" / PACKS / f"{n}.pf_pack").read_bytes()))
        for name, fragment in pack.items():
            assert pack_of(name, count) == n and fragment == written.pop(name)
    assert written == {}
    # FNV-1a of 32 bits (as sitegen-search.js computes it): the published test values.
    assert [pack_of(text, 2**32) for text in ("", "a", "foobar")] == [0x811C9DC5, 0xE40C292C, 0xBF9CF968]
    # A merged part keeps only its index; with no page, no packs.
    assert write_part({"pagefind.js": b"js", "index/x.pf_index": b"w"}, tmp_path / "merged", True) == 0
    assert sorted(p.name for p in (tmp_path / "merged").iterdir()) == ["index"]


def test_a_file_that_is_not_a_fragment_is_reported() -> None:
    with pytest.raises(PagefindError, match=r"fragment en_1: not a Pagefind fragment"):
        pack_fragments({"en_1": gzip.compress(b"{}")})


def test_an_index_answered_in_many_reads_arrives_whole(tmp_path: Path) -> None:
    # A part's files come back as one answer of megabytes, read in many pieces.
    service = Service()
    try:
        for n in range(300):
            words = " ".join(f"w{n}x{k}" for k in range(400))
            service.add_html(f"/p{n}/", f"<html><body><h1>Paper {n}</h1><p>{words}</p></body></html>")
        service.ask_files()
        files = service.files()
    finally:
        service.close()
    fragments = [path for path in files if path.startswith("fragment/")]
    assert len(fragments) == 300 and sum(map(len, files.values())) > 1 << 20
    urls: dict[str, str] = {}
    assert write_part(files, tmp_path, True, urls=urls) >= 1
    assert sorted(urls) == sorted(f"/p{n}/" for n in range(300))
