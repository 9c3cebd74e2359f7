"""Exports of the whole list and of each topic as JSON, CSV and BibTeX (hidden papers left out)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
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


def to_json(papers: Sequence[PaperView]) -> str:
    """A JSON array of papers, one per line; sitegen reads it back as a source."""
    # One dumps per record keeps the C encoder (indent= would fall back to Python's).
    rows = ",\n".join(json.dumps(_record(p), ensure_ascii=False) for p in papers)
    return f"[\n{rows}\n]\n" if rows else "[]\n"


def to_csv(papers: Sequence[PaperView]) -> str:
    """CSV with a header row; authors and topics joined with '; '."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=_CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for paper in papers:
        row = _record(paper)
        row["authors"] = "; ".join(row["authors"])
        row["topics"] = "; ".join(row["topics"])
        writer.writerow({k: "" if row[k] is None else row[k] for k in _CSV_FIELDS})
    return out.getvalue()


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


def to_bibtex(papers: Sequence[PaperView]) -> str:
    """BibTeX entries (@article with arXiv eprint fields where known, else @misc)."""
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
    return "\n".join(entries)


def render_exports(papers: Sequence[PaperView], topics: Sequence[Topic]) -> dict[str, str]:
    """Every export file, keyed by its path relative to the content folder."""
    files: dict[str, str] = {}
    groups: list[tuple[Topic | None, list[PaperView]]] = [(None, list(papers))]
    groups += [(t, [p for p in papers if t.name in p.tags]) for t in topics]
    for topic, members in groups:
        paths = export_paths(topic)
        files[paths["json"]] = to_json(members)
        files[paths["csv"]] = to_csv(members)
        files[paths["bib"]] = to_bibtex(members)
    return files
