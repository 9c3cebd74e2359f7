"""Input that must not stop a build: control characters, odd values, BibTeX macros, YAML alias bombs."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.buildcache import CACHE
from sitegen.cli import main
from sitegen.models import Diagnostic, Record
from sitegen.pages import parse_page
from sitegen.readers.parse import SourceFile, parse_text
from sitegen.safeyaml import MAX_DEPTH, refusal
from sitegen.text import clean_text

from .conftest import REPO, SEEDS, make_project
from .test_site import mkdocs_build

# Anything of these in a built file is a character that should have been cleaned away.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
ABSTRACT = "We study how reading lists survive hostile input. The method is simple. It works well. " * 4


def billion_laughs(key: str = "title") -> str:
    """Nine levels of nine aliases: 20 lines that stand for 9^9 strings."""
    lines = ["lol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 9):
        lines.append(f"lol{level}: &lol{level} [" + ", ".join([f"*lol{level - 1}"] * 9) + "]")
    lines.append(f"{key}: *lol8")
    return "---\n" + "\n".join(lines) + "\ntemplate: paper.html\n---\n\n## Notes\n"


def read(name: str, text: str) -> tuple[list[Record], list[Diagnostic]]:
    return parse_text(text, SourceFile(Path(name), name, f"sources/{name}"))


@pytest.mark.parametrize(("raw", "clean", "flagged"), [
    ("plain text", "plain text", False),
    ("form\x0cfeed", "form feed", True),
    ("bell\x07 and \x1b[1mbold\x1b[0m", "bell and bold", True),
    ("nul\x00l", "null", True),
    ("lone \ud800surrogate", "lone surrogate", True),
    ("C1 \x85next\x9b", "C1  next", True),
    ("cafe\u0301", "caf\u00e9", False),  # NFC, nothing removed
    ("windows\r\nline\rends", "windows\nline\nends", False),
    ("tab\tand\nnewline stay", "tab\tand\nnewline stay", False),
    ("\ufffe\uffff", "", True),
])
def test_clean_text(raw: str, clean: str, flagged: bool) -> None:
    assert clean_text(raw) == (clean, flagged)


def test_a_dump_with_control_characters_keeps_its_records_and_says_so_once() -> None:
    text = (f"Robust\x0cParsing of Pasted Dumps\n{ABSTRACT}\n\n"
            f"Bell\x07 Title With \x1b[31mColour\x1b[0m\n{ABSTRACT}\x00\n")
    records, problems = read("dump.txt", text)
    assert [r.title for r in records] == ["Robust Parsing of Pasted Dumps", "Bell Title With Colour"]
    assert [r.source.line for r in records] == [1, 4]
    assert [str(p).split("\n")[0] for p in problems] == [
        "sources/dump.txt:1: warning: 5 invisible control characters removed "
        "(escape \u00d72, form feed, bell, NUL); the records are kept"]


def test_json_titles_that_are_not_text_skip_their_record_with_file_and_line() -> None:
    data = [{"title": "Clean \u0000 record"}, {"title": {"nested": "object"}}, {"title": ["a", "list"]},
            {"title": 1984}, {"title": True}, {"title": "\u0007"}, {"title": "Ok", "abstract": {"x": 1},
                                                                    "upvotes": 1e999, "year": "NaN"}]
    text = "[\n" + ",\n".join(json.dumps(d) for d in data) + "\n]\n"  # NUL and bell as JSON escapes
    records, problems = read("odd.json", text)
    assert [r.title for r in records] == ["Clean record", "1984", "true", "Ok"]
    assert records[-1].abstract == "" and records[-1].upvotes is None
    messages = [str(p).split("\n")[0] for p in problems]
    assert messages == [
        "sources/odd.json:2: warning: 2 invisible control characters removed (NUL, bell); "
        "the records are kept",
        "sources/odd.json:3: error: record 2: 'title' is an object, not text; skipped",
        "sources/odd.json:4: error: record 3: 'title' is a list, not text; skipped",
        "sources/odd.json:7: error: record 6: 'title' is empty; skipped",
    ]


def test_bibtex_macros_concatenation_and_months_are_expanded() -> None:
    bib = ('@string{att = "Attention"}\n@STRING{nips = {Neural Information } # "Processing Systems"}\n'
           "@string{loop = loop # {x}}\n"
           "@inproceedings{v, title = Att # { Is All You Need}, booktitle = nips, year = 2017,\n"
           "  note = 4 # \" \" # jan}\n"
           "@misc{c, title = loop # { stays}}\n")
    records, problems = read("refs.bib", bib)
    assert problems == []
    first, second = records
    assert first.title == "Attention Is All You Need"
    assert first.venue == "Neural Information Processing Systems"
    assert second.title == "loop # stays"  # a definition that refers to itself is left as written


def test_alias_bombs_deep_and_huge_front_matter_are_refused_before_loading() -> None:
    start = time.perf_counter()
    page, problem = parse_page(Path("bomb.md"), billion_laughs(), "content/papers/bomb.md")
    assert time.perf_counter() - start < 1  # expanded, 9^9 strings take minutes
    assert page is None and problem is not None
    assert str(problem).startswith("content/papers/bomb.md:2: error: front matter uses a YAML anchor &lol0")
    def nested(levels: int) -> str:  # the page's own mapping is the first level
        return "a: " + "[" * (levels - 1) + "]" * (levels - 1)

    assert refusal(nested(MAX_DEPTH + 1)) is not None and refusal(nested(MAX_DEPTH)) is None
    assert refusal("a: " + "x" * 2_000_000) is not None
    assert refusal("title: 'Q&A: *the* best'\ntags: [a, b]") is None  # & and * in text are fine
    _, problem = parse_page(Path("d.md"), "---\ntitle: x\nadded: 2024-13-45\n---\n", "d.md")
    assert problem is not None and "does not parse" in problem.message


def test_check_and_retag_name_the_bomb_page_and_leave_it(project: Path) -> None:
    assert CliRunner().invoke(main, ["build", "--project", str(project)]).exit_code == 0
    bomb = project / "content/papers/bomb.md"
    bomb.write_text(billion_laughs("tags"), encoding="utf-8")
    checked = CliRunner().invoke(main, ["check", "--project", str(project)])
    assert checked.exit_code == 1
    assert "content/papers/bomb.md:2: error: front matter uses a YAML anchor &lol0" in checked.output
    retagged = CliRunner().invoke(main, ["retag", "--project", str(project)])
    assert retagged.exit_code == 0, retagged.output
    assert "content/papers/bomb.md:2: error" in retagged.output
    assert bomb.read_text(encoding="utf-8") == billion_laughs("tags")


def test_hostile_sources_beside_the_seeds_build_everything_else_cleanly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's whole case: every bad record and the bomb page named, the rest built, nothing leaks."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795305600")  # 2026-11-22: the day content/ was made
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    (tmp_path / "hostile").mkdir()
    root = make_project(tmp_path / "hostile", sorted(SEEDS.glob("*.txt")))
    sources = root / "sources"
    (sources / "pasted.txt").write_text(
        f"Daily Papers\n\nRobust\x0cParsing of Pasted Dumps\n\n{ABSTRACT}\n\n"
        f"Escaping \x1b[1mTerminal\x1b[0m Colour Codes\x07\n\n{ABSTRACT}\x0c\n", encoding="utf-8")
    (sources / "api.json").write_text("[\n" + ",\n".join([
        json.dumps({"title": "Null Bytes in Exported Titles", "abstract": "A NUL \u0000 here."}),
        json.dumps({"title": "Lone Surrogates in Abstracts", "abstract": "Half a pair: \ud83d."}),
        json.dumps({"title": {"text": "nested object"}}),
        json.dumps({"title": ["listed", "title"]}),
        json.dumps({"title": 2048, "abstract": "A number for a title."}),
    ]) + "\n]\n", encoding="utf-8")
    (sources / "macros.bib").write_text(
        '@string{proc = "Proceedings of the Workshop on Hostile Input"}\n@string{hostile = "Hostile"}\n'
        "@inproceedings{m, title = {Macros in } # hostile # { Bibliographies}, booktitle = proc,\n"
        "  year = 2024, month = mar}\n", encoding="utf-8")
    papers = root / "content/papers"
    papers.mkdir(parents=True)
    (papers / "billion-laughs.md").write_text(billion_laughs(), encoding="utf-8")

    result = CliRunner().invoke(main, ["build", "--project", str(root)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "sources/pasted.txt:3: warning: 5 invisible control characters removed" in out
    assert "sources/api.json:2: warning: 2 invisible control characters removed (NUL, lone surrogate)" in out
    assert "sources/api.json:4: error: record 3: 'title' is an object, not text; skipped" in out
    assert "sources/api.json:5: error: record 4: 'title' is a list, not text; skipped" in out
    assert "content/papers/billion-laughs.md:2: error: front matter uses a YAML anchor &lol0" in out
    assert "742 records read from 8 files" in out and "620 papers" in out
    for slug in ("robust-parsing-of-pasted-dumps", "escaping-terminal-colour-codes",
                 "null-bytes-in-exported-titles", "lone-surrogates-in-abstracts", "2048",
                 "macros-in-hostile-bibliographies"):
        assert (papers / f"{slug}.md").exists(), slug
    assert "Proceedings of the Workshop on Hostile Input" in (
        papers / "macros-in-hostile-bibliographies.md").read_text(encoding="utf-8")
    assert not list(papers.glob("nested-object*.md")) and not list(papers.glob("listed*.md"))
    assert (papers / "billion-laughs.md").read_text(encoding="utf-8") == billion_laughs()
    # Every seed page is exactly the committed one.
    for committed in sorted((REPO / "content/papers").glob("*.md")):
        assert (papers / committed.name).read_bytes() == committed.read_bytes(), committed.name
    for path in (root / "content").rglob("*"):
        if path.is_file() and path != root / "content" / CACHE:  # the cache is binary, and not published
            assert not CONTROL.search(path.read_text(encoding="utf-8")), path

    built = mkdocs_build(root)
    assert built.returncode == 0, built.stderr
    assert "billion-laughs.md:2: front matter uses a YAML anchor &lol0" in built.stderr
    site = root / "site"
    for path in [*site.rglob("*.html"), *site.rglob("*.xml"), *(site / "exports").rglob("*.*"),
                 site / "search/search_index.json"]:
        assert not CONTROL.search(path.read_text(encoding="utf-8")), path
    page = (site / "papers/escaping-terminal-colour-codes/index.html").read_text(encoding="utf-8")
    assert "Escaping Terminal Colour Codes" in page
    shutil.rmtree(site)
