"""Reconcile stage: decide which existing page each incoming record belongs to.

A page owns the records named in its ``sources``; the curator's
``duplicate_of`` and ``distinct_from`` keys override the matcher, and later
builds obey them. Records no page owns join their group's page, or a page that
matches them (same arXiv id or DOI, same title, or a guarded fuzzy title
match), or get a new page.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from ..ids import normalize_arxiv, normalize_doi, parse_year, split_authors
from ..models import Diagnostic, Paper, Record, SourceRef, display_path
from ..pages import Page, entries, slug_of
from .dedupe import NEAR_MISS, Evidence, compare, evidence

_RECORD_REF = re.compile(r"^(?P<file>.+)#(?P<record>\d+)$")


@dataclass
class Overrides:
    """The curator's identity decisions, read from the pages' front matter."""

    alias: dict[str, str] = field(default_factory=dict)  # duplicate page slug -> page it merges into
    split: dict[str, set[tuple[str, int]]] = field(default_factory=dict)  # slug -> records split off
    distinct: list[tuple[frozenset[SourceRef], frozenset[SourceRef]]] = field(default_factory=list)
    avoid: dict[tuple[str, int], set[str]] = field(default_factory=dict)  # record -> pages it must not join
    problems: list[Diagnostic] = field(default_factory=list)


def read_overrides(pages: list[Page], records: list[Record], base: Any) -> Overrides:
    """Collect ``duplicate_of`` and ``distinct_from`` from every page, checking what they name."""
    result = Overrides()
    by_slug = {p.slug: p for p in pages}
    by_record = {(r.source.file, r.source.record): r.source for r in records}
    for page in pages:
        target = page.meta.get("duplicate_of")
        if target is not None:
            slug = slug_of(str(target))
            if slug in by_slug and slug != page.slug:
                result.alias[page.slug] = slug
            else:
                result.problems.append(Diagnostic(
                    "warning", display_path(page.path, base),
                    f"duplicate_of: no paper page '{target}'; ignored",
                    line=page.key_line("duplicate_of"),
                    hint="name another page by its file name, e.g. my-paper",
                ))
        for entry in entries(page.meta.get("distinct_from")):
            match = _RECORD_REF.match(entry.strip())
            if slug_of(entry) in by_slug and slug_of(entry) != page.slug:
                other = by_slug[slug_of(entry)]
                result.distinct.append((page.refs, other.refs))
                for ref in other.refs:
                    result.avoid.setdefault((ref.file, ref.record), set()).add(page.slug)
                for ref in page.refs:
                    result.avoid.setdefault((ref.file, ref.record), set()).add(other.slug)
            elif match:
                key = (match["file"], int(match["record"]))
                result.split.setdefault(page.slug, set()).add(key)
                result.avoid.setdefault(key, set()).add(page.slug)
                kept = frozenset(r for r in page.refs if (r.file, r.record) != key)
                if key in by_record:
                    result.distinct.append((kept, frozenset((by_record[key],))))
            else:
                result.problems.append(Diagnostic(
                    "warning", display_path(page.path, base),
                    f"distinct_from: '{entry}' names no paper page and no record; ignored",
                    line=page.key_line("distinct_from"),
                    hint="use a page's file name (my-paper) or a record as file#number (acm.csv#17)",
                ))
    # Follow chains (a -> b -> c); a cycle is reported and dropped.
    for slug in list(result.alias):
        seen = {slug}
        target = result.alias[slug]
        while target in result.alias:
            if target in seen:
                result.problems.append(Diagnostic(
                    "warning", display_path(by_slug[slug].path, base),
                    "duplicate_of forms a cycle; ignored", line=by_slug[slug].key_line("duplicate_of")))
                result.alias.pop(slug, None)
                break
            seen.add(target)
            target = result.alias[target]
        else:
            result.alias[slug] = target
    return result


def page_evidence(page: Page) -> Evidence:
    """Matching evidence of an existing page, from its front matter and abstract."""
    meta = page.meta
    authors = split_authors(meta.get("authors")) if meta.get("authors") else ()
    return evidence(
        page.title, page.abstract, authors, parse_year(meta["year"]) if meta.get("year") else None,
        normalize_arxiv(str(meta["arxiv"])) if meta.get("arxiv") else None,
        normalize_doi(str(meta["doi"])) if meta.get("doi") else None,
    )


class ExistingIndex:
    """Finds the page a paper already has: same identifier, same title, or a guarded fuzzy match."""

    def __init__(self, pages: list[Page], overrides: Overrides,
                 evidence_of: Callable[[Page], Evidence] = page_evidence) -> None:
        self.pages = [p for p in pages if p.slug not in overrides.alias]
        self.evidence = [evidence_of(p) for p in self.pages]
        self.by_id: dict[str, int] = {}
        self.by_title: dict[str, int] = {}
        for i, e in enumerate(self.evidence):
            for key in (f"arxiv:{e.arxiv}" if e.arxiv else "", f"doi:{e.doi}" if e.doi else ""):
                if key:
                    self.by_id.setdefault(key, i)
            self.by_title.setdefault(e.key, i)
        self.words = [e.words for e in self.evidence]
        self.avoid = overrides.avoid

    def match(self, paper: Paper) -> Page | None:
        """The existing page of a paper, if it has one and no curator said otherwise."""
        if not self.pages:  # a first build: no evidence to make (2 s at 100,000 papers)
            return None
        avoid: set[str] = set()
        for ref in paper.sources:
            avoid |= self.avoid.get((ref.file, ref.record), set())
        incoming = evidence(paper.title, paper.abstract, paper.authors, paper.year, paper.arxiv, paper.doi,
                            "incoming")
        candidates: list[int] = []
        for key in (f"arxiv:{paper.arxiv}" if paper.arxiv else "", f"doi:{paper.doi}" if paper.doi else ""):
            if key in self.by_id:
                candidates.append(self.by_id[key])
        if incoming.key in self.by_title:
            candidates.append(self.by_title[incoming.key])
        candidates += [i for _, _, i in process.extract(incoming.words, self.words, scorer=fuzz.ratio,
                                                        score_cutoff=NEAR_MISS, limit=5)]
        for i in candidates:
            page = self.pages[i]
            if page.slug not in avoid and compare(incoming, self.evidence[i]).same:
                return page
        return None


@dataclass
class Assignment:
    """Where every incoming paper goes: existing pages gaining records, and new papers."""

    gains: dict[str, list[SourceRef]] = field(default_factory=dict)  # page slug -> records to add
    new: list[Paper] = field(default_factory=list)
    fill: dict[str, Paper] = field(default_factory=dict)  # page slug -> paper whose fields may fill gaps


def assign(papers: list[Paper], pages: list[Page], overrides: Overrides) -> Assignment:
    """Send each deduplicated paper's records to the page that owns them, or to a new page."""
    owner: dict[tuple[str, int], str] = {}
    for page in pages:
        split = overrides.split.get(page.slug, set())
        target = overrides.alias.get(page.slug, page.slug)
        for ref in page.refs:
            if (ref.file, ref.record) not in split:
                owner.setdefault((ref.file, ref.record), target)
    result = Assignment()
    # A page merged into another by its curator hands over its records.
    for page in pages:
        if page.slug in overrides.alias:
            result.gains.setdefault(overrides.alias[page.slug], []).extend(sorted(page.refs))
    index = ExistingIndex(pages, overrides)
    for paper in papers:
        owners = [owner[(r.file, r.record)] for r in paper.sources if (r.file, r.record) in owner]
        loose = [r for r in paper.sources if (r.file, r.record) not in owner]
        if owners:
            if loose:
                counts = Counter(owners)
                target = min(counts, key=lambda s: (-counts[s], s))
                result.gains.setdefault(target, []).extend(loose)
                result.fill.setdefault(target, paper)
            continue
        found = index.match(paper)
        if found is None:
            result.new.append(paper)
        else:
            result.gains.setdefault(found.slug, []).extend(paper.sources)
            result.fill.setdefault(found.slug, paper)
    return result
