"""Fuzzing: random text, bytes and JSON to every reader, random front matter to the page reader.

Whatever comes in, no reader raises, every problem names its file, and no
record carries a character that cannot reach a page, a feed or an export.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.build import build, paper_view
from sitegen.check import check_tags
from sitegen.config import load_config
from sitegen.matching.reconcile import page_evidence, read_overrides
from sitegen.models import Diagnostic, Record
from sitegen.pages import listed, parse_page, tag_names
from sitegen.readers.formats import FORMATS
from sitegen.readers.parse import SourceFile, _parse_one, parse_text
from sitegen.retag import plan_retag
from sitegen.tagging.tag import Topic

from .conftest import FIXTURES, make_project

UNCLEAN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# What makes readers stumble, mixed into ordinary text: controls, separators, surrogates,
# combining marks, the formats' own syntax.
NASTY = [*"\x00\x07\x08\x0b\x0c\x1b\x7f\x85\x9b\u2028\u2029\ud800\udfff\ufffe\u0301\u00a0",
         *"{}[]\"'\\#@,;:&*!|>%=\n\t\r-", "\x1b[1m", "\\u0000", "\\ud800", "---\n", "title", "Title"]
CHARS = st.characters(exclude_categories=())  # surrogates included
TEXT = st.lists(st.one_of(st.text(CHARS, max_size=20), st.sampled_from(NASTY)), max_size=25).map("".join)
KEYS = st.sampled_from(["title", "Title", "paper_title", "name", "abstract", "summary", "authors", "author",
                        "year", "date", "publishedAt", "doi", "arxiv", "url", "code", "project", "tags",
                        "keywords", "venue", "upvotes", "paper", "id", "githubRepo", "listed"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS | TEXT, inner, max_size=5),
    max_leaves=20,
)
FIELDS = st.dictionaries(KEYS, JSON, max_size=8)
TITLED = st.tuples(FIELDS, TEXT.filter(str.strip)).map(lambda pair: {**pair[0], "title": pair[1]})
RECORDS = st.lists(FIELDS | TITLED, min_size=1, max_size=6)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SOURCE = SourceFile(Path("fuzz"), "fuzz", "sources/fuzz")


def strings(record: Record) -> list[str]:
    values: list[str] = [record.title, record.abstract, *record.authors, *record.keywords,
                         *(link.url for link in record.links)]
    values += [v for v in (record.listed, record.venue, record.arxiv, record.doi, record.published) if v]
    return values


def assert_sound(records: list[Record], problems: list[Diagnostic], display: str = SOURCE.display) -> None:
    for problem in problems:
        assert problem.path == display, problem
    for record in records:
        assert record.title.strip()
        for value in strings(record):
            assert not UNCLEAN.search(value), (value, record)
            assert unicodedata.is_normalized("NFC", value), value


@FAST
@given(text=TEXT, fmt=st.sampled_from(FORMATS))
def test_random_text_in_every_format(text: str, fmt: str) -> None:
    assert_sound(*parse_text(text, SOURCE, fmt))


@FAST
@given(records=RECORDS, fmt=st.sampled_from(["json", "hf-api", "jsonl", "csv", "tsv", "bibtex"]),
       ascii_only=st.booleans())
def test_random_records_in_every_format(records: list[dict[str, Any]], fmt: str, ascii_only: bool) -> None:
    if fmt in ("json", "hf-api"):
        text = json.dumps(records, ensure_ascii=ascii_only, indent=1)
    elif fmt == "jsonl":
        text = "\n".join(json.dumps(r, ensure_ascii=ascii_only) for r in records)
    elif fmt in ("csv", "tsv"):
        out = io.StringIO()
        writer = csv.writer(out, delimiter="\t" if fmt == "tsv" else ",")
        names = sorted({k for r in records for k in r} | {"title"})
        writer.writerow(names)
        writer.writerows([str(r.get(n, "")) for n in names] for r in records)
        text = out.getvalue()
    else:
        fields = [",\n".join(f"  {k} = {{{v}}}" for k, v in r.items()) for r in records]
        text = "\n".join(f"@article{{k{i},\n{body}}}" for i, body in enumerate(fields))
    if fmt in ("csv", "tsv", "bibtex") or not ascii_only:
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")  # files cannot hold them
    assert_sound(*parse_text(text, SOURCE, fmt))


@FAST
@given(data=st.binary(max_size=300) | TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
       name=st.sampled_from(["x.txt", "x.json", "x.jsonl", "x.csv", "x.tsv", "x.bib", "x"]))
def test_random_bytes_in_files_of_every_kind(tmp_path: Path, data: bytes, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    display = f"sources/{name}"
    assert_sound(*_parse_one((SourceFile(path, name, display), None)), display=display)


META = st.dictionaries(
    st.sampled_from(["title", "tags", "auto_tags", "sources", "authors", "year", "hidden", "duplicate_of",
                     "distinct_from", "links", "keywords", "venue", "arxiv", "doi", "added", "abstract"]),
    JSON, max_size=8)
FRONT = (META.map(lambda meta: yaml.safe_dump(meta, allow_unicode=True))
         | TEXT
         | st.lists(st.sampled_from(["a: &x [1, 2]", "b: *x", "c: !!binary aGk=", "d: 2024-13-45",
                                     "e: [[[[", "f: {g: [h, {i: j}]}", "- item", "? key", "k: 9" + "9" * 5000,
                                     "l: !!set {a, b}", "m: !!python/object:os.system x", "title: *x",
                                     "tags: [a, *x]", "sources: [{file: a, record: 1, line: 2}]"]),
                    max_size=6).map("\n".join))
TOPICS = [Topic("Object detection", "object-detection", "", ("object detection",))]


@settings(max_examples=80, deadline=None)
@given(front=FRONT, body=TEXT)
def test_random_front_matter_never_breaks_a_reader_of_pages(front: str, body: str) -> None:
    text = f"---\n{front}\n---\n{body}"
    path = Path("content/papers/fuzz.md")
    page, problem = parse_page(path, text, "content/papers/fuzz.md")
    if page is None:
        assert problem is not None and problem.path == "content/papers/fuzz.md" and problem.line
        return
    # Everything the build, check and retag read from a page.
    assert isinstance(page.title, str) and isinstance(page.title_key, str)
    assert page.refs is not None and isinstance(page.abstract, str) and page.key_line("tags") >= 1
    tag_names(page.meta)
    listed(page.meta)
    page_evidence(page)
    for found in read_overrides([page], [], Path(".")).problems:
        assert found.path == "content/papers/fuzz.md"
    view = paper_view(page.slug, page.meta, page.abstract)
    for value in (view.title, view.abstract, *view.tags, *view.authors):
        assert not UNCLEAN.search(value)
    check_tags(page, TOPICS, "content/papers/fuzz.md")
    plan_retag([page], TOPICS, Path("."))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reads_a_file_of_nothing_but_control_characters(fmt: str) -> None:
    records, problems = parse_text("\x00\x07\x1b\x0c\x85", SOURCE, fmt)
    assert records == []
    assert [p.level for p in problems] == ["warning", "warning"]  # characters removed; empty file


@pytest.fixture(scope="module")
def small_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzzbuild")
    make_project(root, [FIXTURES / "small.txt"])
    shutil.copy(FIXTURES / "topics.yml", root / "topics.yml")
    return root


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(TITLED, min_size=1, max_size=8))
def test_random_records_build_pages_feeds_and_exports(
        small_project: Path, records: list[dict[str, Any]]) -> None:
    """From the readers to the written site: records that read are pages, feeds and exports."""
    (small_project / "sources/fuzz.json").write_text(json.dumps(records), encoding="utf-8")
    result = build(load_config(small_project), force=True)
    assert all(d.path.startswith(("sources/", "content/")) for d in result.report.diagnostics)
    content = small_project / "content"
    for path in [content / "feeds/all.xml", *(content / "exports").glob("papers.*")]:
        text = path.read_text(encoding="utf-8")
        assert not UNCLEAN.search(text), path
    ElementTree.parse(content / "feeds/all.xml")
