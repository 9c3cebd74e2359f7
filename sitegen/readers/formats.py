"""Readers for machine-readable exports: JSON (incl. the Hugging Face API), JSON Lines, CSV/TSV, BibTeX.

Each reader returns the records it could read and a diagnostic, naming the
line or record, for each one it could not: one bad record never costs the
others.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from typing import Any

from ..models import Diagnostic, Record, SourceFile, SourceRef
from ..text import Scrubber, clean_text
from .fields import canonical_key, gather, hf_api_fields, looks_like_hf_api, to_record

FORMATS = ("hf-text", "hf-api", "json", "jsonl", "csv", "tsv", "bibtex", "ris")
_EXTENSIONS = {
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv",
    ".tab": "tsv", ".bib": "bibtex", ".bibtex": "bibtex", ".ris": "ris",
}
_RESYNC = re.compile(r"\}\s*,\s*(?=\{)")
_TOO_DEEP = "invalid JSON: nested too deeply"


def detect_format(name: str, text: str) -> str:
    """The format of a source from its extension (under a .gz one), else from its first characters."""
    name = name.removesuffix(".gz")
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    start = text.lstrip()[:1]
    if start == "[":
        return "json"
    if start == "{":
        first = text.lstrip().split("\n", 1)[0].strip()
        return "jsonl" if first.endswith("}") and len(text.strip().splitlines()) > 1 else "json"
    if start == "@":
        return "bibtex"
    if text.lstrip().startswith("TY  -"):
        return "ris"
    return "hf-text"


class _Lines:
    """Line numbers of offsets met in increasing order, counting each newline once.

    Counting from the start for every record made a one-line JSON array of
    16,000 records quadratic (28 s at 100,000 records).
    """

    def __init__(self, text: str) -> None:
        self.text, self.offset, self.line = text, 0, 1

    def at(self, offset: int) -> int:
        """The 1-based line of `offset`; offsets must not decrease between calls."""
        if offset > self.offset:
            self.line += self.text.count("\n", self.offset, offset)
            self.offset = offset
        return self.line


# Parts of a field nested deeper than this hold nothing sitegen reads (authors are two deep).
_DEPTH = 4


def _clean(value: object, scrub: Scrubber, line: int, depth: int = 0) -> Any:
    """A decoded value with every string cleaned (JSON escapes and LaTeX can spell any character)."""
    if type(value) is str:
        return scrub.value(value, line)
    if isinstance(value, list):
        return [_clean(v, scrub, line, depth + 1) for v in value] if depth < _DEPTH else None
    if isinstance(value, dict):
        if depth >= _DEPTH:
            return None
        return {str(k): _clean(v, scrub, line, depth + 1) for k, v in value.items()}
    return value


# JSON escapes that decode to what the cleaning of the file's text did not see: control
# characters, and anything beyond ASCII (surrogates, separators, combining marks).
_RISKY_ESCAPE = re.compile(r"\\(?:[bf]|u(?!00[2-7])|u007f)", re.IGNORECASE)


def _value_scrubber(text: str, scrub: Scrubber) -> Scrubber | None:
    """The scrubber for a JSON file's decoded strings, or None when its text has no risky escape."""
    return scrub if _RISKY_ESCAPE.search(text) else None


def _one(
    raw: object, source: SourceFile, number: int, line: int, hf_api: bool, scrub: Scrubber | None,
) -> tuple[Record | None, Diagnostic | None]:
    ref = SourceRef(source.name, number, line)
    if not isinstance(raw, Mapping):
        return None, Diagnostic("error", source.display, f"record {number} is not an object; skipped",
                                line=line)
    fields = hf_api_fields(raw) if hf_api or looks_like_hf_api(raw) else gather(raw)
    if scrub is not None:  # only the fields sitegen keeps: every value took a fifth of the reading time
        fields = {k: _clean(v, scrub, line) for k, v in fields.items()}
    record, why = to_record(fields, ref)
    if record is None:
        keys = clean_text(", ".join(sorted(str(k) for k in raw)[:8]) or "none")[0]
        return None, Diagnostic("error", source.display, f"record {number}: {why}; skipped", line=line,
                                hint=f"keys found: {keys}")
    if why:  # read, with a note
        return record, Diagnostic("warning", source.display, f"record {number}: {why}", line=line)
    return record, None


def _keep(records: list[Record], problems: list[Diagnostic],
          record: Record | None, problem: Diagnostic | None) -> None:
    if record:
        records.append(record)
    if problem:
        problems.append(problem)


def _list_key(data: object) -> str | None:
    """The key of the one list of records in a JSON object such as ``{"papers": [...]}``."""
    if isinstance(data, Mapping):
        keys = [k for k, v in data.items() if isinstance(v, list)]
        if len(keys) == 1:
            return str(keys[0])
    return None


def parse_json(
    text: str, source: SourceFile, hf_api: bool = False, scrub: Scrubber | None = None,
) -> tuple[list[Record], list[Diagnostic]]:
    """Read a JSON array of records element by element, so a syntax error costs one record only.

    Raw tabs and line breaks inside strings are accepted (strict JSON refuses them).
    """
    values = _value_scrubber(text, scrub or Scrubber())
    records: list[Record] = []
    problems: list[Diagnostic] = []
    decoder = json.JSONDecoder(strict=False)
    stripped = text.lstrip()  # never empty: parse_text reports empty files itself
    pos = len(text) - len(stripped)
    if stripped[0] != "[":
        try:
            data = json.loads(text, strict=False)
        except json.JSONDecodeError as exc:
            return [], [Diagnostic("error", source.display, f"invalid JSON: {exc.msg}", line=exc.lineno)]
        except RecursionError:
            return [], [Diagnostic("error", source.display, _TOO_DEEP, line=1)]
        key = _list_key(data)
        found = re.search(rf'"{re.escape(json.dumps(key)[1:-1])}"\s*:\s*\[', text) if key else None
        if found is None:
            return [], [Diagnostic("error", source.display, "expected an array of paper records", line=1,
                                   hint='or an object holding one such array, e.g. {"papers": [...]}')]
        pos = found.end() - 1
    pos += 1
    number = 0
    lines = _Lines(text)
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text):
            problems.append(Diagnostic("error", source.display, "invalid JSON: the array is not closed",
                                       line=lines.at(pos)))
            break
        if text[pos] == "]":
            break
        number += 1
        line = lines.at(pos)
        try:
            raw, pos = decoder.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError) as exc:
            error = exc if isinstance(exc, json.JSONDecodeError) else None
            problems.append(Diagnostic(
                "error", source.display,
                f"record {number}: {f'invalid JSON: {error.msg}' if error else _TOO_DEEP}; skipped",
                line=error.lineno if error else line))
            # Carry on at the next object of the array, if there is one.
            resync = _RESYNC.search(text, error.pos if error else pos + 1)
            if resync is None:
                break
            pos = resync.end()
            continue
        _keep(records, problems, *_one(raw, source, number, line, hf_api, values))
    if not records and not problems:
        problems.append(Diagnostic("warning", source.display, "no paper records found"))
    return records, problems


def parse_jsonl(
    text: str, source: SourceFile, scrub: Scrubber | None = None,
) -> tuple[list[Record], list[Diagnostic]]:
    """Read JSON Lines: one object per line; blank lines are ignored."""
    values = _value_scrubber(text, scrub or Scrubber())
    records: list[Record] = []
    problems: list[Diagnostic] = []
    number = 0
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        number += 1
        try:
            raw = json.loads(line, strict=False)
        except json.JSONDecodeError as exc:
            problems.append(Diagnostic("error", source.display,
                                       f"record {number}: invalid JSON: {exc.msg}; skipped", line=line_no))
            continue
        except RecursionError:
            problems.append(Diagnostic("error", source.display, f"record {number}: {_TOO_DEEP}; skipped",
                                       line=line_no))
            continue
        _keep(records, problems, *_one(raw, source, number, line_no, False, values))
    return records, problems


def parse_delimited(text: str, source: SourceFile, delimiter: str) -> tuple[list[Record], list[Diagnostic]]:
    """Read CSV or TSV with a header row; record N is the Nth data row."""
    records: list[Record] = []
    problems: list[Diagnostic] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return [], [Diagnostic("warning", source.display, "empty file; no records")]
    except csv.Error as exc:
        return [], [Diagnostic("error", source.display, f"unreadable header: {exc}", line=1)]
    names = [h.strip() for h in header]
    if not any(canonical_key(n) == "title" for n in names):
        kind = "TSV" if delimiter == "\t" else "CSV"
        return [], [Diagnostic("error", source.display, f"{kind} header has no 'title' column", line=1,
                               hint=f"columns found: {', '.join(names[:10])}")]
    number = 0
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Diagnostic("error", source.display, f"malformed row: {exc}; skipped", line=line))
            line = reader.line_num + 1
            continue
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        number += 1
        if len(row) != len(names):
            problems.append(Diagnostic(
                "error", source.display,
                f"record {number}: {len(row)} fields, the header has {len(names)}; skipped", line=start,
                hint="a field holding the delimiter must be quoted",
            ))
            continue
        ref = SourceRef(source.name, number, start)
        record, why = to_record(gather(dict(zip(names, row, strict=True))), ref)
        if record:
            records.append(record)
            if why:
                problems.append(Diagnostic("warning", source.display, f"record {number}: {why}", line=start))
        else:
            problems.append(Diagnostic("error", source.display, f"record {number}: {why}; skipped",
                                       line=start))
    if not records and not problems:
        problems.append(Diagnostic("warning", source.display, "no paper records found"))
    return records, problems


# Characters and sequences LaTeX gives a meaning; a value without any decodes to itself.
_LATEX_SPECIAL = re.compile(r"[\\{}$%&~^_#`']|--")


def _latex_decoder() -> Any:
    """bibtexparser's LaTeX decoder, skipped for plain values (pylatexenc costs ~5 ms a value)."""
    from bibtexparser import middlewares

    class QuickLatexDecoding(middlewares.LatexDecodingMiddleware):
        def _transform_python_value_string(self, python_string: str) -> tuple[str, str]:
            if not _LATEX_SPECIAL.search(python_string):
                return python_string, ""
            result: tuple[str, str] = super()._transform_python_value_string(python_string)
            return result

    return QuickLatexDecoding()


def parse_bibtex(
    text: str, source: SourceFile, scrub: Scrubber | None = None,
) -> tuple[list[Record], list[Diagnostic]]:
    """Read BibTeX with bibtexparser: macros expanded, LaTeX decoded; unparsable entries reported by line."""
    import logging

    import bibtexparser
    from bibtexparser import middlewares

    from .bibmacros import ResolveMacros

    scrub = scrub or Scrubber()
    # bibtexparser logs each failed block itself; sitegen reports them with file and line.
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)

    # bibtexparser's default stack, with @string references resolved inside `#` expressions too.
    library = bibtexparser.parse_string(  # type: ignore[attr-defined]
        text, parse_stack=[ResolveMacros(), middlewares.RemoveEnclosingMiddleware(), _latex_decoder(),
                           middlewares.SeparateCoAuthors()],
    )
    records: list[Record] = []
    problems: list[Diagnostic] = []
    # Entries and failed blocks interleave; number them together by position.
    blocks = sorted([(e.start_line or 0, e) for e in library.entries]
                    + [(b.start_line or 0, b) for b in library.failed_blocks], key=lambda x: x[0])
    for number, (start, block) in enumerate(blocks, start=1):
        line = start + 1
        if not isinstance(block, bibtexparser.model.Entry):
            error = getattr(block, "error", None)
            reason = str(getattr(error, "abort_reason", "") or error or "").strip()
            message = (reason.splitlines() or [type(block).__name__])[0]
            problems.append(Diagnostic("error", source.display,
                                       f"entry {number}: cannot parse: {message}; skipped", line=line))
            continue
        # LaTeX decoding can spell characters of its own (\char, ^^ notation): clean the values too.
        # The entry type first: a field called `type` (a thesis's "PhD thesis") does not replace it.
        raw = {"ENTRYTYPE": block.entry_type, **{f.key: _clean(f.value, scrub, line) for f in block.fields}}
        record, why = to_record(gather(raw), SourceRef(source.name, number, line))
        if record:
            records.append(record)
            if why:
                problems.append(Diagnostic("warning", source.display, f"entry {number} ({block.key}): {why}",
                                           line=line))
        else:
            problems.append(Diagnostic("error", source.display,
                                       f"entry {number} ({block.key}): {why}; skipped", line=line))
    if not records and not problems:
        problems.append(Diagnostic("warning", source.display, "no BibTeX entries found"))
    return records, problems
