"""Machine-readable sources: HF API JSON, generic JSON/JSONL, CSV/TSV and BibTeX, good and bad."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sitegen.ids import normalize_arxiv, normalize_doi, split_authors
from sitegen.models import Diagnostic, Record
from sitegen.readers.formats import detect_format
from sitegen.readers.parse import collect_sources, parse_sources

HF_API = [
    {
        "paper": {
            "id": "2401.01234v2",
            "title": "Vision Transformers Need Registers",
            "summary": "Transformers have recently emerged as a tool for learning visual representations.",
            "authors": [{"name": "Timothée Darcet", "hidden": False}, {"name": "Maxime Oquab"}],
            "publishedAt": "2023-09-28T17:59:56.000Z",
            "githubRepo": "https://github.com/facebookresearch/dinov2",
            "projectPage": "https://example.org/registers",
            "upvotes": 42,
        },
        "publishedAt": "2024-01-03T10:00:00.000Z",
        "title": "Vision Transformers Need Registers",
        "numComments": 3,
    },
    {"title": "Entry-level only", "summary": "A summary given at entry level.",
     "paper": {"id": "2402.00001"}},
]


def read(tmp_path: Path, name: str, text: str | bytes) -> tuple[list[Record], list[Diagnostic]]:
    folder = tmp_path / "sources"
    folder.mkdir(exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    files, _ = collect_sources([path], tmp_path)
    return parse_sources(files)


def messages(problems: list[Diagnostic]) -> list[str]:
    return [str(p) for p in problems]


def test_hugging_face_api_json_keeps_authors_ids_dates_votes_and_links(tmp_path: Path) -> None:
    records, problems = read(tmp_path, "daily.json", json.dumps(HF_API, indent=2))
    assert problems == []
    first, second = records
    assert first.title == "Vision Transformers Need Registers"
    assert first.authors == ("Timothée Darcet", "Maxime Oquab")
    assert (first.arxiv, first.year, first.published, first.listed) == (
        "2401.01234", 2023, "2023-09-28", "2024-01-03")
    assert first.upvotes == 42
    assert {(link.kind, link.url) for link in first.links} == {
        ("code", "https://github.com/facebookresearch/dinov2"), ("project", "https://example.org/registers")}
    assert (first.source.record, first.source.line) == (1, 2)
    assert (second.title, second.abstract, second.arxiv) == (
        "Entry-level only", "A summary given at entry level.", "2402.00001")


def test_generic_json_lines_with_forgiving_keys(tmp_path: Path) -> None:
    lines = [
        {"Title": "Paper One", "Summary": "About one.", "Author": "Ann Smith; Bo Chen",
         "Published": "2021-05-02",
         "ArXiv_ID": "arXiv:2105.00001v3", "Keywords": "vision, graphs", "Journal": "JMLR"},
        {"title": "Paper Two", "authors": ["Cy Doe", "Di Roe"], "doi": "https://doi.org/10.1000/ABC",
         "url": "https://arxiv.org/pdf/2106.00002v1.pdf"},
    ]
    text = "\n".join(json.dumps(x) for x in lines) + "\n\n"
    records, problems = read(tmp_path, "export.jsonl", text)
    assert problems == []
    one, two = records
    assert one.authors == ("Ann Smith", "Bo Chen")
    assert (one.year, one.arxiv, one.venue) == (2021, "2105.00001", "JMLR")
    assert one.keywords == ("vision", "graphs")
    assert (two.doi, two.arxiv, two.abstract) == ("10.1000/abc", "2106.00002", "")
    assert two.source.line == 2


def test_json_object_holding_a_list_is_read_with_line_numbers(tmp_path: Path) -> None:
    text = '{\n  "count": 2,\n  "papers": [\n    {"title": "A"},\n    {"title": "B"}\n  ]\n}\n'
    records, problems = read(tmp_path, "wrapped.json", text)
    assert problems == []
    assert [(r.title, r.source.line) for r in records] == [("A", 4), ("B", 5)]


def test_broken_json_costs_only_the_broken_record(tmp_path: Path) -> None:
    text = ('[\n  {"title": "Good one"},\n  {"title": "Broken" "x": 1},\n'
            '  {"abstract": "no title"},\n  {"title": "Good two"}\n]\n')
    records, problems = read(tmp_path, "bad.json", text)
    assert [r.title for r in records] == ["Good one", "Good two"]
    assert [r.source.record for r in records] == [1, 4]
    found = messages(problems)
    assert found[0].startswith("sources/bad.json:3: error: record 2: invalid JSON")
    assert found[1].startswith("sources/bad.json:4: error: record 3: missing 'title'; skipped")


def test_unclosed_json_and_non_array_json_are_named(tmp_path: Path) -> None:
    records, problems = read(tmp_path, "cut.json", '[\n  {"title": "Kept"},\n')
    assert [r.title for r in records] == ["Kept"]
    assert "the array is not closed" in messages(problems)[0]
    _, problems = read(tmp_path, "scalar.json", '"just a string"\n')
    assert messages(problems)[0].startswith("sources/scalar.json:1: error: expected an array")


def test_csv_quoted_fields_and_a_row_with_the_wrong_number_of_fields(tmp_path: Path) -> None:
    text = (
        "title,authors,year,abstract\n"
        '"Hello, World: a Study","Smith, A.; Doe, B.",2020,"Multi-line\nabstract."\n'
        "Bad,row,with,too,many\n"
        "Good,C. Roe,1999.0,\n"
    )
    records, problems = read(tmp_path, "papers.csv", text)
    assert [(r.title, r.source.record, r.source.line) for r in records] == [
        ("Hello, World: a Study", 1, 2), ("Good", 3, 5)]
    assert records[0].authors == ("A. Smith", "B. Doe")
    assert records[0].abstract == "Multi-line abstract."
    assert records[1].year == 1999
    assert messages(problems) == [
        "sources/papers.csv:4: error: record 2: 5 fields, the header has 4; skipped\n"
        "  hint: a field holding the delimiter must be quoted"]


def test_tsv_and_a_header_without_title(tmp_path: Path) -> None:
    records, problems = read(tmp_path, "list.tsv", "Paper Title\tDescription\nTabbed\tText, with commas\n")
    assert problems == [] and records[0].abstract == "Text, with commas"
    # Header names follow the same forgiving spelling as every other field.
    records, problems = read(tmp_path, "snake.csv", "Paper_Title,Year\nSnake Case Header,2020\n")
    assert problems == [] and records[0].title == "Snake Case Header"
    _, problems = read(tmp_path, "nope.csv", "name_of_thing,year\nx,2000\n")
    assert "header has no 'title' column" in messages(problems)[0]


def test_bibtex_decodes_latex_and_reports_a_broken_entry(tmp_path: Path) -> None:
    text = (
        "@article{vaswani2017,\n"
        "  title = {Attention Is {All} You Need},\n"
        "  author = {Vaswani, Ashish and M{\\\"u}ller, J{\\'e}r{\\^o}me},\n"
        "  year = 2017, journal = {NeurIPS},\n"
        "  eprint = {1706.03762v5}, archivePrefix = {arXiv},\n"
        "}\n"
        "@inproceedings{broken,\n"
        "  title = {Never closed,\n"
        "@misc{ok, title = {Second}, doi = {10.1145/XYZ.1}}\n"
    )
    records, problems = read(tmp_path, "refs.bib", text)
    first, second = records
    assert first.title == "Attention Is All You Need"
    assert first.authors == ("Ashish Vaswani", "Jérôme Müller")
    assert (first.year, first.venue, first.arxiv) == (2017, "NeurIPS", "1706.03762")
    assert (second.title, second.doi) == ("Second", "10.1145/xyz.1")
    assert (second.source.record, second.source.line) == (3, 9)
    assert messages(problems)[0].startswith("sources/refs.bib:7: error: entry 2: cannot parse")


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("empty.json", "", "sources/empty.json: warning: empty file; no records"),
    ("latin1.csv", "title\nCaf\xe9\n".encode("latin-1"), "sources/latin1.csv:2: error: not UTF-8 text"),
    ("blob.bin", b"\x00\x01\x02", "sources/blob.bin: error: binary file"),
])
def test_unreadable_files_are_named(tmp_path: Path, name: str, data: str | bytes, expected: str) -> None:
    records, problems = read(tmp_path, name, data)
    assert records == []
    assert messages(problems)[0].startswith(expected)


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    records, problems = read(tmp_path, "excel.csv", "title\nÜber alles\n".encode("utf-16"))
    assert problems == [] and records[0].title == "Über alles"


def test_format_detection_by_extension_then_content() -> None:
    assert detect_format("x.bib", "") == "bibtex"
    assert detect_format("x.ndjson", "") == "jsonl"
    assert detect_format("dump.txt", '[{"title": "x"}]') == "json"
    assert detect_format("dump", '{"title": "a"}\n{"title": "b"}\n') == "jsonl"
    assert detect_format("dump", "@article{x, title={y}}") == "bibtex"
    assert detect_format("dump.txt", "Daily Papers\nA title\n") == "hf-text"


@pytest.mark.parametrize(("raw", "expected"), [
    ("arXiv:1706.03762v2", "1706.03762"),
    ("https://arxiv.org/abs/1706.03762v5", "1706.03762"),
    ("http://export.arxiv.org/pdf/2401.01234v1.pdf", "2401.01234"),
    ("cs/0112017v1", "cs/0112017"),
    ("10.48550/arXiv.2401.01234", "2401.01234"),
    ("https://github.com/x/1706.03762", None),
])
def test_arxiv_ids_are_normalised(raw: str, expected: str | None) -> None:
    assert normalize_arxiv(raw) == expected


def test_dois_and_author_lists_are_normalised() -> None:
    assert normalize_doi("https://dx.doi.org/10.1145/ABC.1.") == "10.1145/abc.1"
    assert normalize_doi("doi: 10.1000/X") == "10.1000/x"
    assert normalize_doi("not a doi") is None
    assert split_authors("Vaswani, Ashish and Shazeer, Noam") == ("Vaswani, Ashish", "Shazeer, Noam")
    assert split_authors("A. Smith, B. Jones and C. Roe") == ("A. Smith", "B. Jones", "C. Roe")
    assert split_authors("Smith, A.; Jones, B.") == ("Smith, A.", "Jones, B.")
