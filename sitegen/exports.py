"""Exports of the whole list and of each topic as JSON, CSV and BibTeX (hidden papers left out)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any

from .site import PaperView
from .tag import Topic

EXPORTS = "exports"
FORMATS = ("json", "csv", "bib")
_CSV_FIELDS = ("title", "authors", "year", "venue", "arxiv", "doi", "topics", "code", "added", "page",
               "abstract")


def export_paths(topic: Topic | None = None) -> dict[str, str]:
    """Where the exports of the list (or of one topic) go, by format, relative to the content folder."""
    stem = f"{EXPORTS}/topics/{topic.slug}" if topic else f"{EXPORTS}/papers"
    return {fmt: f"{stem}.{fmt}" for fmt in FORMATS}


def _record(paper: PaperView) -> dict[str, Any]:
    return {
        "title": paper.title,
        "authors": list(paper.authors),
        "year": paper.year,
        "venue": paper.venue,
        "arxiv": paper.arxiv,
        "doi": paper.doi,
        "topics": list(paper.tags),
        "code": paper.code,
        "added": paper.added,
        "page": f"papers/{paper.slug}/",
        "abstract": paper.abstract,
    }


def _json_rows(papers: Sequence[PaperView]) -> list[str]:
    # One dumps per record keeps the C encoder (indent= would fall back to Python's).
    return [json.dumps(_record(p), ensure_ascii=False) for p in papers]


def _join_json(rows: Iterable[str]) -> str:
    body = ",\n".join(rows)
    return f"[\n{body}\n]\n" if body else "[]\n"


def _csv_rows(papers: Sequence[PaperView]) -> tuple[str, list[str]]:
    """The header line and one line per paper (a line may hold newlines inside quotes)."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=_CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    ends = [out.tell()]
    for paper in papers:
        row = _record(paper)
        row["authors"] = "; ".join(row["authors"])
        row["topics"] = "; ".join(row["topics"])
        writer.writerow({k: "" if row[k] is None else row[k] for k in _CSV_FIELDS})
        ends.append(out.tell())
    text = out.getvalue()
    return text[:ends[0]], [text[a:b] for a, b in itertools.pairwise(ends)]


_BIB_SPECIAL = re.compile(r"([\\{}&%$#_^~])")


def _bib_value(text: str) -> str:
    """A field value safe inside braces: LaTeX specials escaped, no unbalanced braces possible."""
    return _BIB_SPECIAL.sub(lambda m: {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}.get(
        m.group(1), "\\" + m.group(1)), " ".join(text.split()))


def _bib_key(paper: PaperView, taken: set[str]) -> str:
    first = paper.authors[0].split()[-1] if paper.authors else ""
    word = next((w for w in re.findall(r"[A-Za-z]+", paper.title) if len(w) > 3), "paper")
    base = re.sub(r"[^A-Za-z0-9]", "", f"{first}{paper.year or ''}{word}").lower() or "paper"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}{chr(ord('a') + n - 2)}" if n < 28 else f"{base}{n}", n + 1
    taken.add(key)
    return key


def _bib_entries(papers: Sequence[PaperView]) -> list[str]:
    """One entry per paper; keys are unique across the list, so a paper has one key in every export."""
    taken: set[str] = set()
    entries = []
    for paper in papers:
        fields = [("title", f"{{{_bib_value(paper.title)}}}")]
        if paper.authors:
            fields.append(("author", " and ".join(_bib_value(a) for a in paper.authors)))
        if paper.year:
            fields.append(("year", str(paper.year)))
        if paper.venue:
            fields.append(("journal", _bib_value(paper.venue)))
        if paper.doi:
            fields.append(("doi", _bib_value(paper.doi)))
        if paper.arxiv:
            fields += [("eprint", _bib_value(paper.arxiv)), ("archiveprefix", "arXiv")]
        if paper.tags:
            fields.append(("keywords", _bib_value(", ".join(paper.tags))))
        if paper.abstract:
            fields.append(("abstract", _bib_value(paper.abstract)))
        kind = "article" if paper.venue else "misc"
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@{kind}{{{_bib_key(paper, taken)},\n{body}\n}}\n")
    return entries


def render_exports(papers: Sequence[PaperView], topics: Sequence[Topic],
                   members: Mapping[str, Sequence[PaperView]]) -> dict[str, Callable[[], str]]:
    """Every export file, keyed by its path relative to the content folder (members: by_topic).

    Each paper is rendered once per format; a file is joined from those pieces
    only when it is written, so at most one export is whole in memory.
    """
    json_rows, bib_entries = _json_rows(papers), _bib_entries(papers)
    csv_header, csv_rows = _csv_rows(papers)
    groups: list[tuple[Topic | None, list[int]]] = [(None, list(range(len(papers))))]
    position = {p.slug: i for i, p in enumerate(papers)}
    groups += [(t, [position[p.slug] for p in members[t.name]]) for t in topics]
    files: dict[str, Callable[[], str]] = {}
    for topic, rows in groups:
        paths = export_paths(topic)
        files[paths["json"]] = partial(lambda m: _join_json(json_rows[i] for i in m), rows)
        files[paths["csv"]] = partial(lambda m: csv_header + "".join(csv_rows[i] for i in m), rows)
        files[paths["bib"]] = partial(lambda m: "\n".join(bib_entries[i] for i in m), rows)
    return files
