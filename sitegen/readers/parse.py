"""Parse stage: find the source files, read them, and hand each to the reader of its format."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from pathlib import Path

from ..models import Diagnostic, Record, SourceRef, display_path
from ..models import SourceFile as SourceFile  # the type of this stage's input, as callers name it
from ..parallel import parallel_map
from ..text import Scrubber, clean_latex, extract_links
from .formats import detect_format, parse_bibtex, parse_delimited, parse_json, parse_jsonl
from .ris import parse_ris

# Page chrome that a copy of a Papers page carries above the listing.
NOISE_LINES = frozenset(
    line.casefold()
    for line in (
        "new",
        "Get trending papers in your email inbox!",
        "Get trending papers in your email inbox once a day!",
        "Subscribe",
        "Daily Papers",
        "byAK and the research community",
        "by AK and the research community",
        "Trending Papers",
        "Papers",
    )
)
_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
_DATE_RE = re.compile(rf"^(?:{_MONTHS})[a-z]*\.? \d{{1,2}}(?:, \d{{4}})?$", re.IGNORECASE)
_GLUED_PREFIX = "Subscribe"
# Titles in the seeds are at most 176 characters with no sentence break;
# abstracts are at least 400 characters.
_TITLE_MAX = 300


# Notes kept beside the dumps in a sources folder (`sitegen new` writes one): not listings.
NOT_SOURCES = frozenset({"readme", "readme.md"})


def collect_sources(paths: Iterable[Path], base: Path) -> tuple[list[SourceFile], list[Diagnostic]]:
    """List the files under the given files and folders, in a stable order."""
    files: list[SourceFile] = []
    problems: list[Diagnostic] = []
    for root in paths:
        shown = display_path(root, base)
        if root.is_file():
            files.append(SourceFile(root, root.name, shown))
        elif root.is_dir():
            for path in sorted(root.rglob("*")):
                rel = path.relative_to(root)
                if (path.is_file() and not any(part.startswith(".") for part in rel.parts)
                        and path.name.casefold() not in NOT_SOURCES):
                    files.append(SourceFile(path, rel.as_posix(), display_path(path, base)))
        else:
            problems.append(Diagnostic("error", shown, "no such file or folder"))
    return files, problems



def read_text(source: SourceFile) -> tuple[str | None, Diagnostic | None]:
    """Read a source as UTF-8 text, or say why it cannot be read."""
    try:
        data = source.path.read_bytes()
    except OSError as exc:
        return None, Diagnostic("error", source.display, f"cannot read: {exc.strerror}")
    if data.startswith(_GZIP):  # a compressed export of a large list (papers.json.gz)
        try:
            data = _gunzip(data)
        except (OSError, EOFError, zlib.error, ValueError) as exc:
            return None, Diagnostic("error", source.display, f"cannot decompress: {exc}; skipped")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            pass
    sample = data[:8192]
    if sample.count(b"\x00") * 100 > len(sample):  # a stray NUL in a text dump is cleaned, not fatal
        return None, Diagnostic(
            "error", source.display, "binary file, not a text dump; skipped",
            hint="sources/ holds text dumps, JSON, JSON Lines, CSV, TSV or BibTeX files",
        )
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Diagnostic(
            "error", source.display, f"not UTF-8 text (byte {exc.start}); skipped", line=line,
            hint="save the dump as UTF-8",
        )


_GZIP = b"\x1f\x8b"
_GUNZIP_MAX = 2 << 30  # bytes: far above any export, far below what a crafted file would inflate to


def _gunzip(data: bytes) -> bytes:
    """The contents of a gzip file, refusing more than _GUNZIP_MAX bytes."""
    unpacker = zlib.decompressobj(31)
    out = unpacker.decompress(data, _GUNZIP_MAX)
    if unpacker.unconsumed_tail:
        raise ValueError(f"more than {_GUNZIP_MAX >> 30} GB uncompressed")
    if not unpacker.eof:
        raise EOFError("the compressed data ends early")
    return out


def _looks_like_abstract(line: str) -> bool:
    return len(line) > _TITLE_MAX or line.count(". ") >= 2


def _content_lines(text: str) -> list[tuple[int, str, str | None]]:
    """Lines that carry listings, as (line number, text, listing date in force)."""
    lines: list[tuple[int, str, str | None]] = []
    listed: str | None = None
    seen_text = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.casefold() in NOISE_LINES:
            continue
        if _DATE_RE.match(line):
            listed = line
            lines.append((number, "", listed))  # a date line ends the pairing run
            continue
        if not seen_text and line.startswith(_GLUED_PREFIX) and line[len(_GLUED_PREFIX)].isupper():
            # Copying without blank lines glues the first title to "Subscribe".
            line = line[len(_GLUED_PREFIX):]
        seen_text = True
        lines.append((number, line, listed))
    return lines


def parse_hf_text(text: str, source: SourceFile) -> tuple[list[Record], list[Diagnostic]]:
    """Parse a Papers page copy: page noise, optional date lines, then title/abstract pairs."""
    records: list[Record] = []
    problems: list[Diagnostic] = []
    lines = _content_lines(text)

    def is_text(k: int) -> bool:
        return k < len(lines) and bool(lines[k][1])

    i = 0
    while i < len(lines):
        number, title, listed = lines[i]
        if not title:
            i += 1
            continue
        if _looks_like_abstract(title):
            problems.append(Diagnostic(
                "warning", source.display, "text without a title line before it; skipped",
                line=number, hint="each paper needs a title line followed by its abstract",
            ))
            i += 1
            continue
        # The next line is this title's abstract unless it is missing, or is
        # itself a title followed by an abstract (then this title lost its own).
        missing = not is_text(i + 1) or (
            not _looks_like_abstract(lines[i + 1][1])
            and is_text(i + 2)
            and _looks_like_abstract(lines[i + 2][1])
        )
        if missing:
            problems.append(Diagnostic(
                "warning", source.display, f"title {title[:60]!r} has no abstract; record skipped",
                line=number, hint="was the copy cut short?",
            ))
            i += 1
            continue
        ref = SourceRef(source.name, len(records) + 1, number)
        abstract = clean_latex(lines[i + 1][1])
        records.append(Record(clean_latex(title), abstract, ref, listed=listed,
                              links=extract_links(abstract)))
        i += 2
    if not records and not problems:
        problems.append(Diagnostic("warning", source.display, "no paper records found"))
    return records, problems


def parse_text(
    text: str, source: SourceFile, fmt: str | None = None,
) -> tuple[list[Record], list[Diagnostic]]:
    """Parse one source's text in the given format, or the one its name and content suggest.

    The text is cleaned first (control characters, NFC: see `text.clean_text`),
    and so is every string the reader decodes from it; one warning says what
    went and from which line.
    """
    scrub = Scrubber()
    text = scrub.file(text)
    if not text.strip():
        records: list[Record] = []
        problems = [Diagnostic("warning", source.display, "empty file; no records")]
    else:
        records, problems = _read(text, source, fmt or detect_format(source.name, text), scrub)
    cleaned = scrub.problem(source.display)
    return records, [cleaned, *problems] if cleaned else problems


def _read(text: str, source: SourceFile, fmt: str, scrub: Scrubber) -> tuple[list[Record], list[Diagnostic]]:
    if fmt in ("json", "hf-api"):
        return parse_json(text, source, hf_api=fmt == "hf-api", scrub=scrub)
    if fmt == "jsonl":
        return parse_jsonl(text, source, scrub)
    if fmt in ("csv", "tsv"):
        return parse_delimited(text, source, "\t" if fmt == "tsv" else ",")
    if fmt == "bibtex":
        return parse_bibtex(text, source, scrub)
    if fmt == "ris":
        return parse_ris(text, source)
    return parse_hf_text(text, source)


def _parse_one(job: tuple[SourceFile, str | None]) -> tuple[list[Record], list[Diagnostic]]:
    """Read and parse one source file (run in a worker process for large builds)."""
    source, fmt = job
    text, problem = read_text(source)
    problems = [problem] if problem else []
    if text is None:
        return [], problems
    found, issues = parse_text(text, source, fmt)
    return found, problems + issues


def parse_sources(files: list[SourceFile], fmt: str | None = None) -> tuple[list[Record], list[Diagnostic]]:
    """Parse every source file; unreadable files and bad records are reported, not fatal.

    Files are parsed side by side on every core when there is enough to read;
    results keep the files' order either way.
    """
    records: list[Record] = []
    problems: list[Diagnostic] = []
    size = sum(_size(source) for source in files)
    for found, issues in parallel_map(_parse_one, [(source, fmt) for source in files], work=size // 1000):
        records.extend(found)
        problems.extend(issues)
    return records, problems


def _size(source: SourceFile) -> int:
    try:
        return source.path.stat().st_size
    except OSError:
        return 0
