"""Merge stage of deduplication: one paper from the records of a group, the richest value of each field."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from ..ids import name_words
from ..models import Citation, Link, Paper, Record
from ..readers.fields import citation_title
from ..text import normalize_title


def is_untitled(title: str, venue: str | None, citation: Citation | None) -> bool:
    """Whether a title is only the stand-in a reader made from the citation of a titleless reference."""
    return citation is not None and bool(citation) and title == citation_title(venue, citation)


def _richest(values: Iterable[str | None]) -> str | None:
    return max((v for v in values if v), key=len, default=None)


def merge_authors(lists: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    """The fullest author list, plus anyone only the other lists name."""
    known: list[tuple[str, ...]] = [names for names in lists if names]
    if not known:
        return ()
    def fullness(names: tuple[str, ...]) -> tuple[int, int]:
        return len(names), sum(len(n) for n in names)

    fullest: tuple[str, ...] = max(known, key=fullness)
    base = list(fullest)
    seen = {w for name in base for w in name_words((name,))}
    for names in known:
        for name in names:
            words = name_words((name,))
            if words and not words & seen:
                base.append(name)
                seen |= words
    return tuple(base)


def merge_citations(citations: list[Citation]) -> Citation:
    """Each part of a citation from the first record having it; the fullest page range ("73-76", not "73")."""
    def first(values: Iterable[str | None]) -> str | None:
        return next((v for v in values if v), None)
    return Citation(kind=first(c.kind for c in citations), volume=first(c.volume for c in citations),
                    number=first(c.number for c in citations), pages=_richest(c.pages for c in citations))


def _title_richness(title: str) -> tuple[int, int]:
    """The longest title keeps subtitles; among equals, capitals carry information
    ("SpinDet" over "spindet"), but not a title in all capitals; then the first read."""
    return len(normalize_title(title)), 0 if title.isupper() else sum(c.isupper() for c in title)


def _distinct_links(links: list[Link]) -> tuple[Link, ...]:
    """Drop a link that another link of its kind extends (a repository and a folder of it)."""
    def covered(link: Link) -> bool:
        stem = link.url.rstrip("/") + "/"
        return any(o.kind == link.kind and o.url.startswith(stem) for o in links if o is not link)
    return tuple(link for link in links if not covered(link))


def _by_url(records: list[Record]) -> list[Link]:
    """The records' links, one per URL (the first met), in order."""
    links: dict[str, Link] = {}
    for record in records:
        for link in record.links:
            links.setdefault(link.url, link)
    return list(links.values())


def merge_records(records: list[Record]) -> Paper:
    """Combine the records of one paper: every source, the richest value of each field."""
    if len(records) == 1:  # most papers: nothing to choose between, the same result sooner
        r = records[0]
        return Paper(
            key=normalize_title(r.title), title=r.title, abstract=r.abstract or "",
            links=_distinct_links(_by_url(records)),
            listed=r.listed, sources=(r.source,), authors=r.authors, year=r.year or None,
            published=r.published or None, venue=r.venue or None, arxiv=r.arxiv or None, doi=r.doi or None,
            upvotes=r.upvotes, keywords=tuple(dict.fromkeys(r.keywords)), citation=r.citation,
        )
    ordered = sorted(records, key=lambda r: r.source)
    titled = [r for r in ordered if not is_untitled(r.title, r.venue, r.citation)] or ordered
    title = max(titled, key=lambda r: _title_richness(r.title)).title
    # The year of a venue (ECCV 2016) over that of a preprint (arXiv 2015).
    dated = [r for r in ordered if r.year]
    years = Counter(r.year for r in dated if r.venue) or Counter(r.year for r in dated)
    keywords = dict.fromkeys(k for r in ordered for k in r.keywords)
    return Paper(
        key=normalize_title(title),
        title=title,
        abstract=_richest(r.abstract for r in ordered) or "",
        links=_distinct_links(_by_url(ordered)),
        listed=next((r.listed for r in ordered if r.listed), None),
        sources=tuple(r.source for r in ordered),
        authors=merge_authors(r.authors for r in ordered),
        year=min(years, key=lambda y: (-years[y], y)) if years else None,
        published=min((r.published for r in ordered if r.published), default=None),
        venue=_richest(r.venue for r in ordered),
        arxiv=next((r.arxiv for r in ordered if r.arxiv), None),
        doi=next((r.doi for r in ordered if r.doi), None),
        upvotes=max((r.upvotes for r in ordered if r.upvotes is not None), default=None),
        keywords=tuple(keywords),
        citation=merge_citations([r.citation for r in ordered]),
    )


def merge_range(shared: tuple[Sequence[Record], Sequence[Sequence[int]]], span: range) -> list[Paper]:
    """The papers of the groups in `span`, each a list of indexes into the records (run in workers)."""
    records, groups = shared
    return [merge_records([records[i] for i in groups[g]]) for g in span]
