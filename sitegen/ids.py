"""Bibliographic identity: arXiv ids, DOIs, years, author names and generic titles."""

from __future__ import annotations

import re
import unicodedata

_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(?:v\d+)?")
_ARXIV_OLD = re.compile(r"([a-z-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?")
_ARXIV_PREFIX = re.compile(r"^(?:arxiv:\s*|https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)")
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_DOI = re.compile(r"(10\.\d{4,9}/\S+)", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


def normalize_arxiv(value: str) -> str | None:
    """An arXiv id without version, from ``arXiv:1706.03762v2``, abs/ or pdf/ URLs; else None.

    New-style (1706.03762) and old-style (cs/0112017) ids are accepted.
    """
    text = _DOI_PREFIX.sub("", value.strip().lower())
    if match := _ARXIV_DOI.match(text):
        text = match.group(1)
    text = _ARXIV_PREFIX.sub("", text).removesuffix(".pdf").strip("/")
    if match := _ARXIV_NEW.fullmatch(text) or _ARXIV_OLD.fullmatch(text):
        return match.group(1)
    return None


def normalize_doi(value: str) -> str | None:
    """A DOI in lower case without resolver prefix (``https://doi.org/``, ``doi:``); else None."""
    text = _DOI_PREFIX.sub("", value.strip())
    match = _DOI.search(text)
    if not match:
        return None
    return match.group(1).rstrip(".,;").lower()


def arxiv_from_doi(doi: str | None) -> str | None:
    """The arXiv id of an arXiv-minted DOI (10.48550/arXiv.…)."""
    if doi and (match := _ARXIV_DOI.match(doi)):
        return normalize_arxiv(match.group(1))
    return None


def parse_year(value: object) -> int | None:
    """A publication year from 2017, "2017.0", "2017-06-12" or "June 2017"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if 1800 <= value <= 2100 else None  # NaN and infinities fail the test
    match = _YEAR.search(str(value))
    return int(match.group(1)) if match else None


def parse_date(value: object) -> str | None:
    """An ISO date (YYYY-MM-DD) from the start of a timestamp such as 2024-05-01T12:00:00Z."""
    match = re.match(r"\s*(\d{4}-\d{2}-\d{2})", str(value or ""))
    return match.group(1) if match else None


def fold(text: str) -> str:
    """ASCII lower case without accents, for comparing names."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode().lower()


def split_authors(value: object) -> tuple[str, ...]:
    """Author names from a list or from a string separated by ';', ',' or ' and '.

    List items may be names or objects with a ``name`` (or ``given`` and
    ``family``); anything else that is not text is ignored.
    """
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, list):
        names: list[str] = []
        for item in value:
            if isinstance(item, dict):
                name = item.get("name")
                item = name if isinstance(name, str) and name.strip() else " ".join(
                    part for k in ("given", "family") if isinstance(part := item.get(k), str)).strip()
            if isinstance(item, str) and item:
                names.extend(split_authors(item) if ";" in item else [item])
        return tuple(n.strip() for n in names if n and n.strip())
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return ()
    if ";" in text:
        parts = text.split(";")
    elif re.search(r"\band\b", text) and "," in text and _looks_last_first(text):
        # BibTeX style: "Last, First and Last, First".
        parts = re.split(r"\s+and\s+", text)
    else:
        parts = re.split(r",|\s+and\s+|\s*&\s*", text)
    return tuple(p.strip() for p in parts if p.strip() and p.strip().lower() not in ("et al", "et al."))


def display_name(name: str) -> str:
    """A name as shown on a page: "Vaswani, Ashish" becomes "Ashish Vaswani"."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 2 and all(parts):
        return f"{parts[1]} {parts[0]}"
    if len(parts) == 3 and all(parts):  # "Last, Jr., First"
        return f"{parts[2]} {parts[0]} {parts[1]}"
    return name.strip()


def _looks_last_first(text: str) -> bool:
    return all(part.count(",") == 1 for part in re.split(r"\s+and\s+", text))


def surname(name: str) -> str:
    """The family name of "First Last" or "Last, First", folded to ASCII lower case."""
    name = name.strip()
    if "," in name:
        family = name.split(",", 1)[0]
    else:
        words = name.replace(".", ". ").split()
        family = words[-1] if words else ""
        # "Jr." and "III" are not surnames.
        if family.rstrip(".").lower() in ("jr", "sr", "ii", "iii", "iv") and len(words) > 1:
            family = words[-2]
    return re.sub(r"[^a-z0-9]+", "", fold(family))


_CORPORATE = re.compile(r"\b(?:corporate|consortium|group|committee|association|society|team)\b",
                        re.IGNORECASE)


_NAME_SPLIT = re.compile(r"[^a-z0-9]+")


def name_words(authors: tuple[str, ...]) -> frozenset[str]:
    """Every name word of three or more letters: lenient where tables spell names differently.

    Corporate authors ("CORPORATE Object Database Management Group") are left
    out: exports credit them inconsistently, so they say nothing either way.
    """
    words: set[str] = set()
    for name in authors:
        if _CORPORATE.search(name):
            continue
        words.update(w for w in _NAME_SPLIT.split(fold(name)) if len(w) >= 3)
    return frozenset(words)


# Titles that recur for unrelated works: never enough on their own to merge two records.
GENERIC_TITLES = frozenset((
    "editorial", "editorials", "guest editorial", "editor s introduction", "editor s notes",
    "editors introduction", "introduction", "introduction to the special issue",
    "introduction to the special section", "preface", "foreword", "foreword by the editor",
    "book review", "book reviews", "book review column", "review", "reviews", "keynote",
    "keynote address", "keynote talk", "invited talk", "panel", "panel discussion", "tutorial",
    "chair s message", "chairs message", "general chair s message", "program chair s message",
    "message from the chairs", "message from the program chairs", "letter from the editor",
    "reminiscences on influential papers", "influential papers", "in memoriam", "obituary",
    "errata", "erratum", "corrigendum", "correction", "corrections", "announcements",
    "announcement", "call for papers", "news", "letters", "letter to the editor",
    "acknowledgments", "acknowledgements", "reviewers", "list of reviewers", "index",
    "author index", "table of contents", "contents", "front matter", "back matter",
    "report on the workshop", "workshop report", "research overview", "summary",
    "sigmod officers committees and awardees", "treasurer s message", "chair s column",
    "database research at", "report", "overview", "abstract", "abstracts", "conclusion",
    "conclusions", "the next generation", "position statement", "poster", "demonstration",
))


def is_generic_title(key: str) -> bool:
    """Whether a normalised title is one that many unrelated works share."""
    return key in GENERIC_TITLES or len(key.split()) <= 1
