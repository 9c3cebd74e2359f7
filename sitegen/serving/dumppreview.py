"""A new dump's papers shown before sitegen's build, for `sitegen serve`.

A new dump makes sitegen's build parse and deduplicate every record again (17
of 22 s at 10,000 papers). Deduplication is not incremental: which pairs it
compares depends on every title of the list, and the order of its merges on
every decision. What can be told from the new records alone is which of them
no deduplication can merge with anything: a record for which compare() says
"same" with no record of the last build, no other new record and no existing
page is a paper of its own in any order of merges, and its page is the one
the build will write (tagged, dated and named as the build does).

`DumpPreview` finds those records, renders their pages and the generated
pages (home, topics, tags) as they will list them, for the served site only:
nothing is written to content/. The build runs right after, in the
background, and what it writes replaces the preview. A record that may be a
duplicate, whose page name is not certain, or that the registry remembers,
waits for the build.

The records of the last build come from its cache (buildcache); their
evidence, and the index of existing pages, are made once per build (`warm`),
so that a preview compares 50 new records with 10,000 in well under a second.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..build import PAPERS, paper_view, site_info, today
from ..buildcache import CACHE, Parsed, load_last, sources_key
from ..config import Config
from ..filememo import FileMemo
from ..matching.dedupe import NEAR_MISS, Evidence, compare, merge_records, record_evidence
from ..matching.reconcile import ExistingIndex, page_evidence, read_overrides
from ..matching.registry import load_registry, record_key
from ..models import Paper, Record, display_path
from ..output.render import environment, render_range
from ..output.site import PaperView, SiteInfo, render_site
from ..pages import Page
from ..parallel import workers
from ..readers.parse import SourceFile, collect_sources, parse_sources
from ..state import load_state
from ..tagging.learn import learned_for_new
from ..tagging.tag import Matcher, Topic, load_topics
from ..text import slugify
from .preview import Preview

MAX_RECORDS = 2000  # a larger dump is built first: comparing it would take as long
_ROWS = 256  # new records compared at once (a row of scores per pool item each)
_SLACK = 0.01  # rapidfuzz's scores here are single precision: a threshold is taken a little lower


@dataclass(frozen=True)
class DumpPages:
    """What a preview shows: the new papers' pages first, then the generated pages that list them."""

    papers: dict[str, str]  # content-relative path -> page text, in the dump's order
    generated: Callable[[], dict[str, str]]  # the generated pages that change (made after the papers')
    waiting: int = 0  # new records left to the build (possible duplicates and the like)


class Pool:
    """Evidence of some records, in arrays for comparing many records with all of them at once."""

    def __init__(self, items: Sequence[Evidence]) -> None:
        import numpy as np

        self.items = list(items)
        self.words = [e.words for e in items]
        self.keys = [e.key for e in items]
        self.alt = [e.alt_words for e in items]
        self._codes: dict[str, int] = {}
        self.arxiv = self._coded([e.arxiv for e in items])
        self.doi = self._coded([e.doi for e in items])
        self.place = self._coded([_place(e) for e in items])
        self.origin = self._coded([e.origin for e in items])
        self.year = np.asarray([e.year or 0 for e in items], dtype=np.int64)
        self.named = np.asarray([bool(e.names) for e in items], dtype=bool)
        self.abstract = np.asarray([bool(e.abstract) for e in items], dtype=bool)
        self.bracketed = np.asarray([e.alt_words != e.words for e in items], dtype=bool)
        postings: dict[str, list[int]] = {}
        for i, e in enumerate(items):
            for word in e.names:
                postings.setdefault(word, []).append(i)
        self.vocabulary = sorted(postings)
        self.postings = [np.asarray(postings[w], dtype=np.int64) for w in self.vocabulary]

    def _coded(self, values: list[str | None]) -> Any:
        import numpy as np

        return np.asarray([self._codes.setdefault(v, len(self._codes) + 1) if v else 0 for v in values],
                          dtype=np.int64)

    def code(self, value: str | None) -> int:
        """The code of a value in this pool's arrays (-1: no item has it)."""
        return self._codes.get(value, -1) if value else -1

    def candidates(self, new: Sequence[Evidence]) -> list[tuple[int, int]]:
        """(new, pool) index pairs that compare() could call the same paper; every such pair is there.

        compare() says "same" only for one arXiv id or DOI, titles scoring
        NEAR_MISS or more, or, where one of the two has no abstract, author
        lists that overlap together with one year (records of two files) or
        one volume and page: the pairs kept here, a superset of the ones
        that merge.
        """
        import numpy as np
        from rapidfuzz import fuzz
        from rapidfuzz.process import cdist

        found: list[tuple[int, int]] = []
        if not self.items:
            return found
        # Below the cutoff rapidfuzz stops early and gives 0: only the pairs at NEAR_MISS or more matter.
        options: dict[str, Any] = {"scorer": fuzz.ratio, "workers": workers(),
                                   "score_cutoff": NEAR_MISS - _SLACK}
        bracketed = np.flatnonzero(self.bracketed)
        for start in range(0, len(new), _ROWS):
            part = new[start:start + _ROWS]
            score = np.maximum(cdist([e.words for e in part], self.words, **options),
                               cdist([e.key for e in part], self.keys, **options))
            # title_score's third score: titles without their brackets, where either has some.
            alt = [e.alt_words for e in part]
            if len(bracketed):
                score[:, bracketed] = np.maximum(
                    score[:, bracketed], cdist(alt, [self.alt[k] for k in bracketed], **options))
            for i, e in enumerate(part):
                if e.alt_words != e.words:
                    score[i] = np.maximum(score[i], cdist([e.alt_words], self.alt, **options)[0])
            found += [(start + i, j) for i, j in self._kept(part, score)]
        return found

    def _kept(self, new: Sequence[Evidence], score: Any) -> list[tuple[int, int]]:
        """The candidates among new x pool, given their title scores."""
        import numpy as np

        found: list[tuple[int, int]] = []
        similar = self._similar_names({w for e in new for w in e.names})
        for i, e in enumerate(new):
            row = score[i]
            keep = row >= NEAR_MISS - _SLACK
            for value, codes in ((e.arxiv, self.arxiv), (e.doi, self.doi), (_place(e), self.place)):
                if value:
                    keep |= codes == self.code(value)
            agree = self._overlapping(e, similar)
            if agree is not None and e.abstract:  # two abstracts: the titles must score TITLE_THRESHOLD
                agree &= ~self.abstract
            if agree is not None:  # e has authors, and some items share a name with them
                year = self.year
                # compare()'s "dated": one year, or a year on one side only between named lists.
                dated = ((year == e.year) | ((year == 0) & self.named)) if e.year else (year > 0) & self.named
                keep |= agree & (self.origin != self.code(e.origin)) & dated  # (one place is kept above)
            found.extend((i, int(j)) for j in np.flatnonzero(keep))
        return found

    def _similar_names(self, names: set[str]) -> dict[str, list[int]]:
        """For each name word, the vocabulary's words that _similar_name takes for it (by index)."""
        import numpy as np
        from rapidfuzz import fuzz
        from rapidfuzz.process import cdist

        if not names or not self.vocabulary:
            return {}
        mine = sorted(names)
        scores = cdist(mine, self.vocabulary, scorer=fuzz.ratio, score_cutoff=85 - _SLACK, workers=workers())
        return {word: [k for k in np.flatnonzero(row).tolist()
                       if word == self.vocabulary[k] or abs(len(word) - len(self.vocabulary[k])) <= 2]
                for word, row in zip(mine, scores, strict=True)}

    def _overlapping(self, e: Evidence, similar: dict[str, list[int]]) -> Any:
        """Which items' author names overlap e's (as names_overlap tells), or None if none can."""
        import numpy as np

        found = [self.postings[k] for word in e.names for k in similar.get(word, ())]
        if not found:
            return None
        mask = np.zeros(len(self.items), dtype=bool)
        mask[np.concatenate(found)] = True
        return mask


def _place(e: Evidence) -> str | None:
    return f"{e.volume}:{e.page}" if e.volume and e.page else None


def singletons(new: Sequence[Evidence], old: Pool) -> list[bool]:
    """For each new record: whether compare() calls it the same paper as no old and no other new record."""
    alone = [True] * len(new)
    for i, j in old.candidates(new):
        if alone[i] and _same(new[i], old.items[j]):
            alone[i] = False
    for i, j in Pool(new).candidates(new):
        if i != j and (alone[i] or alone[j]) and _same(new[i], new[j]):
            alone[i] = alone[j] = False
    return alone


def _same(a: Evidence, b: Evidence) -> bool:
    # Deduplication compares a pair in the order of its records: either order may come.
    return compare(a, b).same or compare(b, a).same


@dataclass
class _Known:
    """The last build's records as a pool, and the index of the pages as they were read."""

    parsed: Parsed
    pool: Pool
    pages: list[Page]
    index: ExistingIndex


class DumpPreview:
    """New dumps' papers for the served site, while sitegen's build catches up."""

    def __init__(self, config: Config, pages: Preview) -> None:
        self.config, self.preview = config, pages
        self._lock = threading.Lock()
        self._known: _Known | None = None
        self._added: set[Path] = set()  # new files previewed since the cached build
        self._env = environment()
        # The last build's cache and topics.yml, read again only when the file changed.
        self._cache: FileMemo[Parsed | None] = FileMemo(lambda _: load_last(config.content))
        self._parsed: Parsed | None = None  # what the cache gave when last read
        self._topics: FileMemo[tuple[list[Topic], Matcher]] = FileMemo(self._read_taxonomy)
        self._evidence: dict[int, tuple[Page, Evidence]] = {}  # each page's, by the page read

    def warm(self) -> None:
        """Read the last build's records and the pages, so that the next preview is quick."""
        with self._lock:
            self._ready()

    def _last(self) -> Parsed | None:
        """The last build's cache, read again only when the file changed."""
        self._parsed = self._cache.get(str(self.config.content / CACHE))
        return self._parsed

    def _read_taxonomy(self, path: str) -> tuple[list[Topic], Matcher]:
        topics, _ = load_topics(Path(path), display_path(Path(path), self.config.root))
        return topics, Matcher(topics)

    def _taxonomy(self) -> tuple[list[Topic], Matcher]:
        """The topics and their matcher, read again only when topics.yml changed."""
        return self._topics.get(str(self.config.topics))

    def _ready(self, reload: bool = True) -> _Known | None:
        """The last build's records and the pages as they are now (`reload`: the cache read again too)."""
        self._taxonomy()
        parsed = self._last() if reload or self._parsed is None else self._parsed
        if parsed is None:
            self._known = None
            return None
        pages = self.preview.pages()
        known = self._known
        if known is None or known.parsed.key != parsed.key:
            known = None
        if known is None or len(known.pages) != len(pages) or any(
                a is not b for a, b in zip(known.pages, pages, strict=True)):
            overrides = read_overrides(pages, parsed.records, self.config.root)
            pool = known.pool if known is not None else self._pool(parsed.records)
            known = _Known(parsed, pool, pages, ExistingIndex(pages, overrides, self._page_evidence))
            # Pages gone or changed since are not kept (the Page objects of unchanged files stay the same).
            kept = {id(page) for page in pages}
            self._evidence = {k: v for k, v in self._evidence.items() if k in kept}
        self._known = known
        return known

    def _page_evidence(self, page: Page) -> Evidence:
        """A page's matching evidence, made once for each page read (the page is kept with it)."""
        found = self._evidence.get(id(page))
        if found is None or found[0] is not page:
            found = self._evidence[id(page)] = (page, page_evidence(page))
        return found[1]

    def _pool(self, records: list[Record]) -> Pool:
        """The records' evidence; that of records the last pool had is taken from it."""
        before: dict[Any, tuple[Record, Evidence]] = {}
        if self._known is not None:
            old = self._known
            before = {r.source: (r, e) for r, e in zip(old.parsed.records, old.pool.items, strict=True)}
        items = []
        for record in records:
            seen = before.get(record.source)
            items.append(seen[1] if seen is not None and seen[0] == record else record_evidence(record))
        return Pool(items)

    def __call__(self, changed: set[str]) -> DumpPages | None:
        """The pages of new source files (all of `changed`), or None when the build must run first."""
        with self._lock:
            return self._pages(changed)

    def _pages(self, changed: set[str]) -> DumpPages | None:
        config = self.config
        files, problems = collect_sources(config.sources, config.root)
        current = {str(f.path) for f in files}
        if problems or not changed or not changed <= current:
            return None  # a file removed, or not a source: the build decides
        # The cache read last, if the new files are new to it: a build running now may have written
        # another (at 10,000 records a second to read under load).
        known = self._ready(reload=False)
        new = self._new_files(files, changed, known) if known is not None else None
        if new is None:
            known = self._ready()
            new = self._new_files(files, changed, known) if known is not None else None
        if known is None or new is None:
            return None
        self._added = {f.path for f in new}
        records, _ = parse_sources(new, config.format)  # the build reports their problems
        if len(records) > MAX_RECORDS:
            return None
        evidence = [record_evidence(r) for r in records]
        alone = singletons(evidence, known.pool)
        papers = self._papers(records, alone, known)
        return self._render(papers, len(records), known, len(files))

    def _new_files(self, files: list[SourceFile], changed: set[str],
                   known: _Known) -> list[SourceFile] | None:
        """The source files the cached build did not read: those changed, and maybe those previewed
        before (a running build may not have read them); None if the cache is of other sources."""
        for added in (set(), self._added):
            new = [f for f in files if str(f.path) in changed or f.path in added]
            if sources_key(self.config, [f.path for f in files if f not in new]) == known.parsed.key:
                return new
        return None

    def _papers(self, records: list[Record], alone: list[bool], known: _Known) -> list[tuple[str, Paper]]:
        """The slugs and papers of the records shown now, in the dump's order."""
        registry, _ = load_registry(self.config.content, self.config.root)
        remembered = set(registry.values())
        try:
            listed = os.listdir(self.config.content / PAPERS)
        except OSError:
            listed = []
        taken = {name.removesuffix(".md") for name in listed} | remembered
        bases = [slugify(r.title) for r in records]
        repeated = {b for b in bases if bases.count(b) > 1}
        found = []
        for record, base, single in zip(records, bases, alone, strict=True):
            paper = merge_records([record])
            if (single and base not in taken and base not in repeated
                    and record_key(record.source.file, record.source.record) not in registry
                    and known.index.match(paper) is None):
                found.append((base, paper))
        return found

    def _render(self, papers: list[tuple[str, Paper]], count: int, known: _Known, files: int) -> DumpPages:
        config = self.config
        topics, matcher = self._taxonomy()
        learned = learned_for_new(known.pages, [p for _, p in papers], topics, config.tagging)
        shared = (matcher, config.tagging, today(), [(p, False) for _, p in papers], learned)
        rendered = render_range(shared, range(len(papers)))
        pairs = list(zip(papers, rendered, strict=True))
        out = {f"{PAPERS}/{slug}.md": text for (slug, _), (_, text) in pairs}
        views = [paper_view(slug, meta, paper.abstract) for (slug, paper), (meta, _) in pairs]
        info = site_info(config, len(known.parsed.records) + count, files)

        def generated() -> dict[str, str]:
            with self._lock:
                return self._generated(views, topics, info)

        return DumpPages(out, generated, count - len(out))

    def _generated(self, new: list[PaperView], topics: list[Topic], info: SiteInfo) -> dict[str, str]:
        """The generated pages, listing the new papers too, that differ from content/'s."""
        content = self.config.content
        figures = load_state(content).get("figures")
        if not isinstance(figures, dict) or not isinstance(figures.get("records"), int):
            return {}  # no build yet to compare with
        views = sorted(self.preview.views() + new, key=lambda v: v.slug)
        pages = render_site(self._env, views, topics, info)
        if not all((content / rel).is_file() for rel in pages):
            return {}  # a page more (a topic's list grew a page): the navigation changes, the build does it
        return {rel: text for rel, text in pages.items() if _read(content / rel) != text}


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
