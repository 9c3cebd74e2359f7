"""Map a raw record (a JSON object, a CSV row, a BibTeX entry) to a Record, forgivingly."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from ..ids import (
    arxiv_from_doi,
    display_name,
    normalize_arxiv,
    normalize_doi,
    parse_date,
    parse_year,
    split_authors,
)
from ..models import Citation, Link, Record, SourceRef
from ..text import classify_url, clean_latex, extract_links, is_safe_url

# Accepted spellings of each field, after lower-casing and dropping spaces, dashes and underscores.
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "papertitle", "name"),
    "abstract": ("abstract", "summary", "description"),
    "authors": ("authors", "author", "creators", "creator"),
    "year": ("year", "pubyear", "publicationyear"),
    "date": ("date", "published", "publishedat", "publicationdate", "pubdate", "submitted"),
    "doi": ("doi",),
    "arxiv": ("arxiv", "arxivid", "eprint", "arxivurl"),
    "url": ("url", "link", "pdf", "pdfurl", "paperurl", "href"),
    "code": ("code", "github", "githubrepo", "coderepo", "repository", "repo"),
    "project": ("project", "projectpage", "homepage", "website"),
    "tags": ("tags", "keywords", "keyword", "topics", "categories"),
    "venue": ("venue", "journal", "booktitle", "conference", "journaltitle", "containertitle", "sourcetitle",
              "publisher"),
    "volume": ("volume", "vol"),
    "number": ("number", "issue", "issuenumber"),
    "pages": ("pages", "page", "pagerange"),
    "firstpage": ("firstpage", "startpage", "spage"),
    "lastpage": ("lastpage", "endpage", "epage"),
    "kind": ("entrytype", "type", "itemtype", "referencetype", "publicationtype", "documenttype"),
    "upvotes": ("upvotes", "votes", "likes"),
    "listed": ("listed",),
}
_LOOKUP = {alias: name for name, aliases in ALIASES.items() for alias in aliases}


_KEY_PUNCTUATION = re.compile(r"[\s_\-.]+")


@functools.lru_cache(maxsize=4096)  # every record of a file spells the same few keys
def canonical_key(key: str) -> str | None:
    """The field a column or key name stands for, or None when sitegen does not use it."""
    return _LOOKUP.get(_KEY_PUNCTUATION.sub("", key.lower()))


def _scalar(value: Any) -> str:
    """A string, number or boolean as text (booleans as JSON spells them); anything else is no text."""
    if type(value) is str:  # the usual case first: this runs for every field of every record
        return " ".join(value.split())  # white space collapsed (str.split is \s+ in C)
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return ""


def _text(value: Any) -> str:
    """A field's text: a scalar, or the scalars of a list joined; objects and nested lists are ignored."""
    if type(value) is str:
        return " ".join(value.split())
    if isinstance(value, list):
        return ", ".join(text for v in value if (text := _scalar(v)))
    return _scalar(value)


def _words_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [_text(v) for v in value] if isinstance(value, list) else re.split(r"[;,]", _text(value))
    return tuple(dict.fromkeys(i.strip() for i in items if i.strip()))


def _int(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):  # not a number, NaN, infinite
        return None


def gather(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Rename a raw record's keys to sitegen's field names; the first non-empty spelling wins."""
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        name = canonical_key(str(key))
        if name and name not in fields and value not in (None, "", []):
            fields[name] = value
    return fields


def citation_text(venue: str | None, citation: Citation) -> str:
    """Where a reference was published, as a reference list gives it: "Blood 116(3), 280-281"."""
    where = " ".join(filter(None, (venue, citation.volume)))
    if citation.number and citation.volume:
        where += f"({citation.number})"
    return ", ".join(filter(None, (where, citation.pages)))


def citation_title(venue: str | None, citation: Citation) -> str:
    """What a reference without a title is called: where it was published ("Nat Rev Nephrol 7(1), 23-35"),
    else "Untitled article" (its entry type); "" when it says nothing of either."""
    if venue and (citation.volume or citation.pages):
        return citation_text(venue, citation)
    return f"Untitled {citation.kind}" if citation.kind else ""


def to_record(fields: Mapping[str, Any], source: SourceRef) -> tuple[Record | None, str | None]:
    """Build a Record from gathered fields; returns (None, reason) when there is no usable title.

    A title must be text: a number or boolean becomes text, an object or a
    list is refused (it would become a page called after its repr). A
    reference manager's entry without a title (it has an entry type, or a
    journal with volume or pages) is read all the same, named by its
    citation: the curator keeps every entry. The reason is then a note for
    a warning.
    """
    raw_title = fields.get("title")
    if isinstance(raw_title, Mapping | list):
        return None, f"'title' is {'an object' if isinstance(raw_title, Mapping) else 'a list'}, not text"
    title = clean_latex(_scalar(raw_title))
    venue = clean_latex(_text(fields.get("venue"))) or None
    citation = citation_of(fields)
    note = None
    if not title and (title := citation_title(venue, citation)):
        note = f"no title; read as {title!r}"
    if not title:
        return None, "missing 'title'" if raw_title is None else "'title' is empty"
    abstract = clean_latex(_text(fields.get("abstract")))
    links: dict[str, Link] = {}
    arxiv = normalize_arxiv(_text(fields.get("arxiv"))) if fields.get("arxiv") else None
    doi = normalize_doi(_text(fields.get("doi"))) if fields.get("doi") else None
    for kind in ("code", "project", "url"):
        for url in _words_list(fields.get(kind)) if kind != "url" else _url_list(fields.get(kind)):
            if not is_safe_url(url):
                continue
            arxiv = arxiv or normalize_arxiv(url)
            doi = doi or (normalize_doi(url) if "doi.org/" in url else None)
            link = classify_url(url) if kind == "url" else Link("code" if kind == "code" else "project", url)
            links.setdefault(link.url, link)
    for link in extract_links(abstract):
        links.setdefault(link.url, link)
    arxiv = arxiv or arxiv_from_doi(doi)
    date = parse_date(fields.get("date"))
    year = parse_year(fields["year"]) if fields.get("year") is not None else None
    year = year or (parse_year(fields["date"]) if fields.get("date") else None)
    listed = _text(fields.get("listed")) or None
    return Record(
        title=title,
        abstract=abstract,
        source=source,
        listed=listed,
        authors=tuple(name for a in split_authors(fields.get("authors"))
                      if (name := display_name(" ".join(clean_latex(a).split())))),
        year=year,
        published=date,
        venue=venue,
        arxiv=arxiv,
        doi=doi,
        links=tuple(links.values()),
        upvotes=_int(fields.get("upvotes")),
        keywords=_words_list(fields.get("tags")),
        citation=citation,
    ), note


# CSL JSON's item types (Zotero, Mendeley, citeproc) in BibTeX's words.
_CSL_KINDS = {
    "article-journal": "article", "article-magazine": "article", "article-newspaper": "article",
    "paper-conference": "inproceedings", "chapter": "incollection", "thesis": "phdthesis",
    "report": "techreport", "manuscript": "unpublished",
}
_DASHES = re.compile(r"\s*(?:-+|[\u2010-\u2015\u2212])\s*")


def normal_pages(value: str) -> str:
    """A page range as "73-76": any dash (BibTeX's "--", an en dash) one hyphen, no spaces around it."""
    return _DASHES.sub("-", " ".join(value.split())).strip("-")


def citation_of(fields: Mapping[str, Any]) -> Citation:
    """Entry type, volume, issue and pages of gathered fields (pages also from first and last page)."""
    pages = normal_pages(clean_latex(_text(fields.get("pages"))))
    if not pages and (first := normal_pages(_text(fields.get("firstpage")))):
        last = normal_pages(_text(fields.get("lastpage")))
        pages = f"{first}-{last}" if last and last != first else first
    kind = _text(fields.get("kind")).lower().removeprefix("@")
    return Citation(kind=_CSL_KINDS.get(kind, kind) or None,
                    volume=clean_latex(_text(fields.get("volume"))) or None,
                    number=clean_latex(_text(fields.get("number"))) or None, pages=pages or None)


def _url_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(_text(v) for v in value if _text(v))
    return tuple(u for u in re.split(r"\s+", _text(value)) if u)


def hf_api_fields(entry: Mapping[str, Any]) -> dict[str, Any]:
    """Fields of one entry of the Hugging Face daily-papers API (``{"paper": {...}, ...}``)."""
    paper = entry.get("paper")
    inner: Mapping[str, Any] = paper if isinstance(paper, Mapping) else {}
    fields = gather(entry)  # title and summary are sometimes repeated at entry level
    fields.pop("date", None)  # the entry's own date is when it was listed, not published
    fields.update(gather(inner))
    if inner.get("id"):
        fields.setdefault("arxiv", str(inner["id"]))
    if inner.get("githubRepo"):
        fields["code"] = inner["githubRepo"]
    if inner.get("projectPage"):
        fields["project"] = inner["projectPage"]
    if entry.get("publishedAt") and "listed" not in fields:
        fields["listed"] = parse_date(entry["publishedAt"])
    return fields


def looks_like_hf_api(entry: object) -> bool:
    """Whether a JSON object is a daily-papers API entry rather than a flat record."""
    return isinstance(entry, Mapping) and isinstance(entry.get("paper"), Mapping)

