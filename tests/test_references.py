"""Reference-manager exports: the RIS reader, volume, issue, pages and entry type in every reader,
shown in the byline and written back by the exports."""

from __future__ import annotations

import json
from pathlib import Path

import frontmatter
import pytest

from sitegen.build import build
from sitegen.config import load_config
from sitegen.models import Citation
from sitegen.readers.formats import detect_format
from sitegen.readers.parse import SourceFile, parse_text

from .test_site import mkdocs_build

RIS = """\
TY  - JOUR
TI  - Eculizumab in atypical hemolytic uremic syndrome. [Chinese]
AU  - Zhai, Q. J.
AU  - Yue, X. Y.
PY  - 2010/03/01/
JO  - Blood
VL  - 116
IS  - 3
SP  - 280
EP  - 281
DO  - https://doi.org/10.1182/BLOOD-2010-01-1
KW  - complement
AB  - An abstract.
ER  -

TY  - ABST
T1  - A meeting abstract
T2  - Proceedings of the Annual Meeting
SP  - 290A
ER  -
"""


def read(name: str, text: str, fmt: str | None = None):  # type: ignore[no-untyped-def]
    return parse_text(text, SourceFile(Path(name), name, f"sources/{name}"), fmt)


def test_ris_records_keep_every_field() -> None:
    (first, second), problems = read("refs.ris", RIS)
    assert problems == []
    assert first.title == "Eculizumab in atypical hemolytic uremic syndrome. [Chinese]"
    assert first.authors == ("Q. J. Zhai", "X. Y. Yue")
    assert (first.year, first.venue, first.doi, first.abstract) == (2010, "Blood", "10.1182/blood-2010-01-1",
                                                                    "An abstract.")
    assert first.keywords == ("complement",)
    assert first.citation == Citation(kind="article", volume="116", number="3", pages="280-281")
    assert (first.source.record, first.source.line) == (1, 1)
    assert second.citation == Citation(kind="abstract", pages="290A")
    assert (second.venue, second.source.record, second.source.line) == (
        "Proceedings of the Annual Meeting", 2, 16)


def test_ris_problems_name_their_line_and_cost_only_their_record() -> None:
    text = ("stray text\nTY  - JOUR\nAU  - Nobody\nER  - \nTY  - JOUR\nTI  - Kept\nER  - \nTY  - \nAU  - X\n"
            "ER  - \nTY  - JOUR\nTI  - Open\n")
    records, problems = read("bad.ris", text)
    # An entry without a title is kept, named by what it has; one with nothing to name it by is not.
    assert [r.title for r in records] == ["Untitled article", "Kept", "Open"]
    assert [str(p) for p in problems] == [
        "sources/bad.ris:1: error: text outside a record (a record starts with 'TY  -'); ignored",
        "sources/bad.ris:2: warning: record 1: no title; read as 'Untitled article'",
        "sources/bad.ris:8: error: record 3: missing 'title'; skipped\n"
        "  hint: tags found: AU, TY (TI or T1 is the title)",
        "sources/bad.ris:11: warning: record not closed by 'ER  -' at the end of the file; read anyway",
    ]


def test_ris_is_detected_by_extension_or_content() -> None:
    assert detect_format("export.ris", "") == "ris"
    assert detect_format("export.txt", "TY  - JOUR\nTI  - x\nER  - \n") == "ris"


@pytest.mark.parametrize(("name", "text"), [
    ("refs.csv", 'title,journal,volume,number,pages,ENTRYTYPE\n"Paper",Blood,116,3,280--281,Article\n'),
    ("refs.bib", "@article{k, title={Paper}, journal={Blood}, volume={116}, number={3}, pages={280--281}}\n"),
    ("refs.json", json.dumps([{"title": "Paper", "container-title": "Blood", "volume": 116, "issue": "3",
                               "page": "280\u2013281", "type": "article-journal"}])),
])
def test_every_reader_keeps_volume_issue_pages_and_entry_type(name: str, text: str) -> None:
    (record,), problems = read(name, text)
    assert problems == []
    assert record.venue == "Blood"
    assert record.citation == Citation(kind="article", volume="116", number="3", pages="280-281")


def test_a_reference_without_a_title_is_read_with_a_warning() -> None:
    text = ("title,journal,volume,number,pages,ENTRYTYPE\n"
            ",Nat Rev Nephrol,7,1,23-35,article\n,,,,,\n,Blood,,,,\n")
    records, problems = read("refs.csv", text)
    assert [r.title for r in records] == ["Nat Rev Nephrol 7(1), 23-35"]
    assert [str(p) for p in problems] == [
        "sources/refs.csv:2: warning: record 1: no title; read as 'Nat Rev Nephrol 7(1), 23-35'",
        "sources/refs.csv:4: error: record 2: missing 'title'; skipped",
    ]


def test_byline_and_exports_carry_the_citation_and_read_back(project: Path) -> None:
    (project / "sources/refs.ris").write_text(RIS, encoding="utf-8")
    result = build(load_config(project))
    assert result.report.diagnostics == []
    page = project / "content/papers/eculizumab-in-atypical-hemolytic-uremic-syndrome-chinese.md"
    meta = frontmatter.load(page).metadata
    assert (meta["venue"], meta["volume"], meta["issue"], meta["pages"], meta["entry_type"]) == (
        "Blood", "116", "3", "280-281", "article")
    exports = project / "content/exports"
    bib = (exports / "papers.bib").read_text(encoding="utf-8")
    assert "volume = {116}" in bib and "number = {3}" in bib and "pages = {280--281}" in bib
    assert "@abstract{" in bib and "booktitle = {Proceedings of the Annual Meeting}" not in bib
    for name in ("papers.json", "papers.csv", "papers.bib"):
        records, problems = read(name, (exports / name).read_text(encoding="utf-8"))
        assert problems == [], name
        again = {r.title: r.citation for r in records}
        assert again["Eculizumab in atypical hemolytic uremic syndrome. [Chinese]"] == Citation(
            kind="article", volume="116", number="3", pages="280-281"), name
        assert again["A meeting abstract"] == Citation(kind="abstract", pages="290A"), name

    built = mkdocs_build(project)
    assert built.returncode == 0, built.stderr
    html = (project / "site/papers/eculizumab-in-atypical-hemolytic-uremic-syndrome-chinese/index.html"
            ).read_text(encoding="utf-8")
    # The byline: authors, venue and year as plain text, in the order a reference list gives them.
    assert " \u00b7 Blood 116(3), 280\u2013281 \u00b7 2010</p>" in html


def test_the_review_says_where_each_reference_was_published() -> None:
    from sitegen.matching.dedupe import dedupe
    from sitegen.matching.review import render_report

    records, _ = read("refs.csv", "title,author,year,journal,volume,number,pages,ENTRYTYPE\n"
                                  "Complement in HUS,\"Zipfel, P. F.\",2006,Blood,116,3,280-281,article\n"
                                  "Complement in HUS,\"Zipfel, P. F.\",2006,Blood,116,4,390-391,article\n")
    result = dedupe(records)
    assert len(result.papers) == 2
    report = render_report(result, len(records))
    assert ("- **different pages** (title 100, authors 100%)\n"
            "  - `refs.csv#1` (line 2): Complement in HUS — Blood 116(3), 280-281, 2006\n"
            "  - `refs.csv#2` (line 3): Complement in HUS — Blood 116(4), 390-391, 2006\n") in report
