"""The fast front-matter writer writes exactly what PyYAML writes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import yamltext

from .conftest import REPO


def pyyaml(meta: dict[str, Any]) -> str:
    return str(yaml.dump(meta, **yamltext.OPTIONS)).strip()


# Titles, names and file names as sources give them: ASCII and common letters
# and punctuation, YAML's indicators, look-alikes of numbers, dates and booleans.
_TEXT = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
    st.text(st.sampled_from(list("aZ09 -:#'\",.?!&*%@`|>[]{}()=~\\/\u00e9\u00fc\u00df"
                                 "\u2013\u201c\u201d\u20ac\u4e2d\u0103\u00a0\t")), max_size=30),
    st.sampled_from(["yes", "No", "null", "~", "1.5", "2026-01-01", "0x1F", "1_000", "1:30", ".inf",
                     "- x", "x: y", "x #y", "x#y", "'q'", "Title: Subtitle", " lead", "trail ", "a  b",
                     "2008.17402", "1e5", "+1", "=", "<<", "on", "Off"]),
)
_SCALAR = st.one_of(_TEXT, st.integers(-10**12, 10**12), st.booleans(), st.none(),
                    st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)))
_KEY = st.one_of(st.sampled_from(["title", "authors", "tags", "links", "sources", "file", "record", "x_1"]),
                 _TEXT)
_META = st.dictionaries(
    _KEY,
    st.one_of(_SCALAR, st.lists(_SCALAR, max_size=4),
              st.lists(st.dictionaries(_KEY, _SCALAR, max_size=3), max_size=3),
              st.dictionaries(_KEY, _SCALAR, max_size=3)),
    max_size=6,
)


@settings(max_examples=1500, deadline=None)
@given(_META)
def test_same_text_as_pyyaml(meta: dict[str, Any]) -> None:
    assert yamltext.dump(meta) == pyyaml(meta)


def test_same_text_as_pyyaml_for_every_shipped_page() -> None:
    pages = sorted((REPO / "content").rglob("*.md"))
    assert len(pages) > 600
    fast = 0
    for path in pages:
        meta = frontmatter.load(path).metadata
        assert yamltext.dump(meta) == pyyaml(meta), path
        try:
            yamltext._mapping(meta, "", [])
            fast += 1
        except yamltext._Unsure:
            pass
    assert fast > 0.9 * len(pages)  # the fast path is the usual one, not the exception


def test_titles_that_need_quotes_are_quoted() -> None:
    assert yamltext.dump({"title": "SSD: Single Shot", "arxiv": "2008.17402", "x": "yes"}) == (
        "title: 'SSD: Single Shot'\narxiv: '2008.17402'\nx: 'yes'")


def test_unusual_text_goes_to_pyyaml(tmp_path: Path) -> None:
    meta = {"title": "line one\nline two\u2028", "note": "tab\there"}
    assert yamltext.dump(meta) == pyyaml(meta)


@settings(max_examples=1500, deadline=None)
@given(_META)
def test_what_load_reads_is_what_pyyaml_reads(meta: dict[str, Any]) -> None:
    text = yamltext.dump(meta)
    fast = yamltext.load(text)
    if fast is not None:
        assert fast == yaml.safe_load(text)
        assert [type(v) for v in fast.values()] == [type(v) for v in yaml.safe_load(text).values()]


@settings(max_examples=1500, deadline=None)
@given(st.text(st.sampled_from(list("ab:- '\n#[]{}019yn.\t\"")), max_size=60))
def test_load_reads_any_text_as_pyyaml_does_or_declines(text: str) -> None:
    fast = yamltext.load(text)
    if fast is not None:
        assert fast == yaml.safe_load(text)


def test_load_reads_the_shipped_pages_as_pyyaml_does() -> None:
    from sitegen.pages import _front_matter_span

    pages = sorted((REPO / "content/papers").glob("*.md"))
    fast = 0
    for path in pages:
        text = path.read_text(encoding="utf-8")
        spans = _front_matter_span(text)
        assert spans is not None
        front = text[spans[0][0]:spans[0][1]]
        read = yamltext.load(front)
        if read is not None:
            assert read == yaml.safe_load(front), path
            fast += 1
    assert fast > 0.9 * len(pages)
    # A curator's comment, flow style or odd spacing: PyYAML reads those.
    assert yamltext.load("title: x  # mine\n") is None
    assert yamltext.load("tags: [a, b]\n") is None
    assert yamltext.load("title:  x\n") is None
    assert yamltext.load("year: 2017\nadded: 2026-01-01\nhidden: true\ntags:\n- a\n") == {
        "year": 2017, "added": dt.date(2026, 1, 1), "hidden": True, "tags": ["a"]}
