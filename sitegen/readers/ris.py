"""RIS reader (Zotero, EndNote, Scopus, Web of Science, PubMed exports), via rispy.

The file is cut into records at their ``TY  -`` and ``ER  -`` lines here, so
each record is parsed on its own: a broken record costs only itself and every
problem names the line its record starts on.
"""

from __future__ import annotations

import re
from typing import Any

from ..models import Diagnostic, Record, SourceFile, SourceRef
from .fields import to_record

_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
# RIS reference types in BibTeX's words, where BibTeX has one; others are kept lower-cased.
KINDS = {
    "JOUR": "article", "JFULL": "article", "MGZN": "article", "NEWS": "article", "EJOUR": "article",
    "CONF": "inproceedings", "CPAPER": "inproceedings", "BOOK": "book", "EBOOK": "book",
    "CHAP": "incollection", "ECHAP": "incollection", "THES": "phdthesis", "RPRT": "techreport",
    "GEN": "misc", "ELEC": "misc", "UNPB": "unpublished", "ABST": "abstract",
}
# rispy's names of the fields sitegen reads, in the order a field's first spelling wins.
_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("title", ("title", "primary_title", "translated_title", "short_title")),
    ("abstract", ("abstract", "notes_abstract")),
    ("authors", ("authors", "first_authors")),
    ("year", ("year", "publication_year")),
    ("date", ("date",)),
    ("venue", ("journal_name", "secondary_title", "alternate_title3", "alternate_title1", "alternate_title2",
               "tertiary_title")),
    ("volume", ("volume",)),
    ("number", ("number",)),
    ("firstpage", ("start_page",)),
    ("lastpage", ("end_page",)),
    ("doi", ("doi",)),
    ("url", ("urls",)),
    ("tags", ("keywords",)),
)


def ris_fields(entry: dict[str, Any]) -> dict[str, Any]:
    """Fields of one rispy entry under sitegen's names."""
    fields: dict[str, Any] = {}
    kind = str(entry.get("type_of_reference") or "").strip().upper()
    if kind:
        fields["kind"] = KINDS.get(kind, kind.lower())
    for name, keys in _FIELDS:
        value = next((entry[k] for k in keys if entry.get(k) not in (None, "", [])), None)
        if value is not None:
            fields[name] = value
    if isinstance(fields.get("year"), str):
        fields["year"] = fields["year"].split("/", 1)[0]  # "2010/03/01/"
    return fields


def _chunks(text: str) -> tuple[list[tuple[int, list[str]]], list[tuple[int, str]]]:
    """The records' lines, each with the line it starts on; and the problems met cutting them."""
    records: list[tuple[int, list[str]]] = []
    problems: list[tuple[int, str]] = []
    current: list[str] | None = None
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.lstrip("\ufeff").rstrip()
        match = _TAG.match(line)
        tag = match.group(1) if match else None
        if tag == "TY":
            if current is not None:
                problems.append((start, "record not closed by 'ER  -' before the next 'TY  -'; read anyway"))
                records.append((start, current))
            current, start = [line], number
        elif current is None:
            if line.strip():
                problems.append((number, "text outside a record (a record starts with 'TY  -'); ignored"))
        elif tag == "ER":
            records.append((start, current))
            current = None
        else:
            current.append(line)
    if current is not None:
        problems.append((start, "record not closed by 'ER  -' at the end of the file; read anyway"))
        records.append((start, current))
    return records, problems


def parse_ris(text: str, source: SourceFile) -> tuple[list[Record], list[Diagnostic]]:
    """Read RIS records with rispy; unusable records are reported by line."""
    import rispy

    chunks, cut = _chunks(text)
    problems = [Diagnostic("warning" if "read anyway" in why else "error", source.display, why, line=line)
                for line, why in cut]
    records: list[Record] = []
    for number, (line, lines) in enumerate(chunks, start=1):
        try:
            entries = rispy.loads("\n".join([*lines, "ER  - ", ""]))
        except Exception as exc:  # rispy raises plain exceptions on malformed tags
            problems.append(Diagnostic("error", source.display,
                                       f"record {number}: cannot parse: {exc}; skipped", line=line))
            continue
        if len(entries) != 1:
            problems.append(Diagnostic("error", source.display, f"record {number}: cannot parse; skipped",
                                       line=line))
            continue
        record, why = to_record(ris_fields(entries[0]), SourceRef(source.name, number, line))
        if record:
            records.append(record)
            if why:
                problems.append(Diagnostic("warning", source.display, f"record {number}: {why}", line=line))
        else:
            tags = ", ".join(sorted({m.group(1) for m in map(_TAG.match, lines) if m})) or "none"
            problems.append(Diagnostic("error", source.display, f"record {number}: {why}; skipped",
                                       line=line, hint=f"tags found: {tags} (TI or T1 is the title)"))
    if not records and not problems:
        problems.append(Diagnostic("warning", source.display, "no RIS records found"))
    problems.sort(key=lambda d: d.line or 0)
    return records, problems
