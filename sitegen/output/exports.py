"""Exports of the whole list as JSON, CSV and BibTeX, and of each topic as CSV and BibTeX.

Hidden papers are left out. Exports of many papers are gzip-compressed (see
`site.export_paths`); the JSON one stays a source sitegen reads. A topic's
exports are its reference list: every field but the abstract, which made
four fifths of their size; so are the whole list's CSV and BibTeX from
`site.COMPRESS_FROM` papers on (`site.export_abstracts`). The list's JSON
export holds everything.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any

from ..tagging.tag import Topic
from .render import citation_fields
from .site import PaperView, export_abstracts, export_paths, page_path
from .write import Output

_CSV_FIELDS = ("title", "authors", "year", "venue", "volume", "issue", "pages", "entry_type", "arxiv", "doi",
               "url", "topics", "code", "added", "page", "abstract")


def paper_url(paper: PaperView) -> str | None:
    """Where the paper itself is read: its arXiv page, else its DOI's."""
    if paper.arxiv:
        return f"https://arxiv.org/abs/{paper.arxiv}"
    return f"https://doi.org/{paper.doi}" if paper.doi else None


def _record(paper: PaperView, paper_urls: str) -> dict[str, Any]:
    citation = citation_fields(paper.citation)
    return {
        "title": paper.title,
        "authors": list(paper.authors),
        "year": paper.year,
        "venue": paper.venue,
        **{key: citation.get(key) for key in ("volume", "issue", "pages", "entry_type")},
        "arxiv": paper.arxiv,
        "doi": paper.doi,
        "url": paper_url(paper),
        "topics": list(paper.tags),
        "code": paper.code,
        "added": paper.added,
        "page": page_path(paper.slug, paper_urls),
        "abstract": paper.abstract,
    }


def _json_rows(papers: Sequence[PaperView], paper_urls: str) -> list[str]:
    # One dumps per record keeps the C encoder (indent= would fall back to Python's).
    return [json.dumps(_record(p, paper_urls), ensure_ascii=False) for p in papers]


def _csv_rows(papers: Sequence[PaperView], paper_urls: str,
              abstracts: bool = True) -> tuple[tuple[str, list[str]] | None, tuple[str, list[str]]]:
    """The header line and one line per paper (a line may hold newlines inside quotes): with the
    abstract (the last column; None unless `abstracts`), and without it."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_FIELDS[:-1])
    ends = [out.tell()]
    cells = []
    for paper in papers:
        row = _record(paper, paper_urls)
        row["authors"] = "; ".join(row["authors"])
        row["topics"] = "; ".join(row["topics"])
        writer.writerow(["" if row[k] is None else row[k] for k in _CSV_FIELDS[:-1]])
        ends.append(out.tell())
        cells.append(row["abstract"] or "")
    text = out.getvalue()
    short = [text[a:b] for a, b in itertools.pairwise(ends)]
    header = text[:ends[0]]
    if not abstracts:
        return None, (header, short)
    # The abstract cell as the writer quotes it (a second, empty cell keeps an empty one unquoted).
    quoted = io.StringIO(newline="")
    cell_writer = csv.writer(quoted, lineterminator="\n")
    starts = [0]
    for cell in cells:
        cell_writer.writerow((cell, ""))
        starts.append(quoted.tell())
    cell_text = quoted.getvalue()
    full = [f"{line[:-1]},{cell_text[a:b - 2]}\n"
            for line, (a, b) in zip(short, itertools.pairwise(starts), strict=True)]
    return (f"{header[:-1]},{_CSV_FIELDS[-1]}\n", full), (header, short)


Picker = Callable[[list[int]], Iterator[str]]
GZIP_LEVEL = 4
GZIP_BATCH = 1 << 18  # bytes of text compressed at a time (a few hundred rows)

_BIB_SPECIAL = re.compile(r"([\\{}&%$#_^~])")


def _bib_value(text: str) -> str:
    """A field value safe inside braces: LaTeX specials escaped, no unbalanced braces possible."""
    return _BIB_SPECIAL.sub(lambda m: {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}.get(
        m.group(1), "\\" + m.group(1)), " ".join(text.split()))


_PROCEEDINGS = frozenset(("inproceedings", "conference", "incollection", "inbook"))


def _bib_key(paper: PaperView, taken: set[str]) -> str:
    first = paper.authors[0].split()[-1] if paper.authors else ""
    word = next((w for w in re.findall(r"[A-Za-z]+", paper.title) if len(w) > 3), "paper")
    base = re.sub(r"[^A-Za-z0-9]", "", f"{first}{paper.year or ''}{word}").lower() or "paper"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}{chr(ord('a') + n - 2)}" if n < 28 else f"{base}{n}", n + 1
    taken.add(key)
    return key


def _bib_entries(papers: Sequence[PaperView], abstracts: bool = True) -> tuple[list[str] | None, list[str]]:
    """One entry per paper, with its abstract (None unless `abstracts`) and without; keys are unique
    across the list, so a paper has one key in every export."""
    taken: set[str] = set()
    entries, short = [], []
    for paper in papers:
        fields = [("title", f"{{{_bib_value(paper.title)}}}")]
        if paper.authors:
            fields.append(("author", " and ".join(_bib_value(a) for a in paper.authors)))
        if paper.year:
            fields.append(("year", str(paper.year)))
        citation = paper.citation
        if paper.venue:
            container = "booktitle" if citation.kind in _PROCEEDINGS else "journal"
            fields.append((container, _bib_value(paper.venue)))
        fields += [(name, _bib_value(value)) for name, value in (
            ("volume", citation.volume), ("number", citation.number),
            ("pages", (citation.pages or "").replace("-", "--"))) if value]
        if paper.doi:
            fields.append(("doi", _bib_value(paper.doi)))
        if paper.arxiv:  # as arXiv's own BibTeX has it
            fields += [("eprint", _bib_value(paper.arxiv)), ("archivePrefix", "arXiv")]
        if url := paper_url(paper):
            fields.append(("url", _bib_value(url)))
        if paper.tags:
            fields.append(("keywords", _bib_value(", ".join(paper.tags))))
        kind = re.sub(r"[^a-z]", "", citation.kind or "") or ("article" if paper.venue else "misc")
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        head = f"@{kind}{{{_bib_key(paper, taken)},\n{body}"
        short.append(f"{head}\n}}\n")
        if abstracts:
            entries.append(f"{head},\n  abstract = {{{_bib_value(paper.abstract)}}}\n}}\n"
                           if paper.abstract else short[-1])
    return (entries if abstracts else None), short


def _joined(pieces: Iterable[str], separator: str, batch: int = 1000) -> Iterator[str]:
    """separator.join(pieces), as a few pieces of `batch` joined pieces each (streamed to a file)."""
    group: list[str] = []
    first = True
    for piece in pieces:
        group.append(piece)
        if len(group) == batch:
            yield ("" if first else separator) + separator.join(group)
            first, group = False, []
    if group:
        yield ("" if first else separator) + separator.join(group)


def _pick_json(rows: list[str], members: list[int]) -> Iterator[str]:
    if not members:
        yield "[]\n"
        return
    yield "[\n"
    yield from _joined((rows[i] for i in members), ",\n")
    yield "\n]\n"


def _pick_csv(header: str, rows: list[str], members: list[int]) -> Iterator[str]:
    yield header
    yield from _joined((rows[i] for i in members), "")


def _pick_bib(entries: list[str], members: list[int]) -> Iterator[str]:
    yield from _joined((entries[i] for i in members), "\n")


def gzipped(pieces: Iterable[str]) -> Iterator[bytes]:
    """The text of `pieces` gzip-compressed, as it is made: the same bytes for the same text."""
    # wbits 31: the gzip format; zlib writes no file name and a zero time, so a rebuild changes nothing.
    # Level 4: at 100,000 records all the exports (231 MB) took 5.8 s against 12.2 s at level 6, for
    # 5% more bytes (69.8 against 66.3 MB).
    packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    # zlib lets go of the interpreter while it compresses: a thread compresses each batch of text
    # while this one makes the next (one thread, so the batches go in in order). Deflate's output
    # does not depend on how its input is cut, so the bytes are those of one call.
    with ThreadPoolExecutor(1, thread_name_prefix="sitegen-gzip") as pool:
        waiting: Future[bytes] | None = None
        for batch in _batches(pieces, GZIP_BATCH):
            compressing = pool.submit(packer.compress, batch)
            if waiting is not None and (chunk := waiting.result()):
                yield chunk
            waiting = compressing
        if waiting is not None and (chunk := waiting.result()):
            yield chunk
    yield packer.flush()


def _batches(pieces: Iterable[str], size: int) -> Iterator[bytes]:
    """The text of `pieces` as UTF-8, in batches of about `size` bytes."""
    batch: list[bytes] = []
    held = 0
    for piece in pieces:
        data = piece.encode("utf-8")
        batch.append(data)
        held += len(data)
        if held >= size:
            yield b"".join(batch)
            batch, held = [], 0
    if batch:
        yield b"".join(batch)


def _file(pick: Callable[[list[int]], Iterator[str]], rows: list[int], path: str) -> Output:
    """One export file: its pieces, compressed when its name says so."""
    if path.endswith(".gz"):
        return lambda: gzipped(pick(rows))
    return partial(pick, rows)


# Each returns the pickers of a format's files with abstracts (None when `abstracts` is false and
# the format has a short form) and without them (None when it has none).
def _json_pickers(papers: Sequence[PaperView], paper_urls: str,
                  abstracts: bool) -> tuple[Picker | None, Picker | None]:
    return partial(_pick_json, _json_rows(papers, paper_urls)), None  # topics have no JSON export


def _csv_pickers(papers: Sequence[PaperView], paper_urls: str,
                 abstracts: bool) -> tuple[Picker | None, Picker | None]:
    full, short = _csv_rows(papers, paper_urls, abstracts)
    return (partial(_pick_csv, *full) if full is not None else None), partial(_pick_csv, *short)


def _bib_pickers(papers: Sequence[PaperView], paper_urls: str,
                 abstracts: bool) -> tuple[Picker | None, Picker | None]:
    full, short = _bib_entries(papers, abstracts)
    return (partial(_pick_bib, full) if full is not None else None), partial(_pick_bib, short)


# Each format's files of the whole list and of a topic, from the papers rendered once.
_PICKERS = (("json", _json_pickers), ("csv", _csv_pickers), ("bib", _bib_pickers))


def render_exports(papers: Sequence[PaperView], topics: Sequence[Topic],
                   members: Mapping[str, Sequence[PaperView]],
                   paper_urls: str = "directory") -> Iterator[dict[str, Output]]:
    """Every export file, a format at a time: {path in the content folder: text} (members: by_topic).

    Each paper is rendered once per format, when the format's turn comes, and
    files are streamed from those pieces as they are written. So at 100,000
    papers one format's pieces are in memory, not all three and the files.
    """
    groups: list[tuple[Topic | None, list[int]]] = [(None, list(range(len(papers))))]
    position = {p.slug: i for i, p in enumerate(papers)}
    groups += [(t, [position[p.slug] for p in members[t.name]]) for t in topics]

    paths = [export_paths(topic, len(papers)) for topic, _ in groups]
    for fmt, rendered in _PICKERS:
        wanted = [export_abstracts(fmt, topic, len(papers)) for topic, _ in groups]
        # Abstracts are rendered only when a file holds them: above COMPRESS_FROM no CSV or BibTeX does.
        full, short = rendered(papers, paper_urls, any(wanted))
        files: dict[str, Output] = {}
        for (_, rows), where, abstracts in zip(groups, paths, wanted, strict=True):
            if fmt in where:
                pick = full if abstracts or short is None else short
                assert pick is not None  # full is rendered whenever a file asks for it
                files[where[fmt]] = _file(pick, rows, where[fmt])
        yield files
        del full, short, files  # this format's pieces go before the next format's are rendered
