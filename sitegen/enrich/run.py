"""Look up every paper without an identifier, and keep what the services say about it."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..models import display_path
from ..pages import Page, listed, read_pages
from .clients import BadAnswer, Service, Unreachable
from .match import Verdict, judge
from .store import Store, source_entry


@dataclass
class Outcome:
    """One page's lookup, for the summary."""

    slug: str
    title: str
    verdict: Verdict | None
    via: str = ""
    error: str = ""


@dataclass
class EnrichResult:
    """What a run did: each page looked up, requests made, what was written where."""

    outcomes: list[Outcome] = field(default_factory=list)
    skipped: int = 0  # pages that already have an id, or were looked up before
    requests: int = 0
    seconds: float = 0.0
    unreachable: str = ""  # why the run stopped early, when a service could not be reached
    written: list[str] = field(default_factory=list)
    recovered: int = 0
    problems: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        """Pages whose lookup ended this way ("resolved", "not found", "ambiguous", "error")."""
        if outcome == "error":
            return sum(1 for o in self.outcomes if o.error)
        return sum(1 for o in self.outcomes if o.verdict and o.verdict.outcome == outcome)


def wanted(page: Page) -> bool:
    """Whether a page needs a lookup: on the site, no arXiv id or DOI, not even an empty one."""
    return listed(page.meta) and "arxiv" not in page.meta and "doi" not in page.meta and bool(page.title)


def sources_folder(config: Config) -> Path:
    """The sources folder the results file goes into: the first configured folder."""
    for path in config.sources:
        if not path.suffix or path.is_dir():
            return path
    return config.root / "sources"


def enrich(config: Config, services: Sequence[Service], *, dry_run: bool = False, limit: int | None = None,
           recheck: bool = False, requests: Callable[[], int] = lambda: 0,
           progress: Callable[[int, int, str], None] | None = None) -> EnrichResult:
    """Look up the pages that need it in each service in turn; keep results unless dry_run."""
    start = time.monotonic()
    result = EnrichResult()
    pages, _, problems = read_pages(config.content / "papers", config.root)
    result.problems += [str(p) for p in problems]
    store = Store.open(sources_folder(config), config.content) if not dry_run else None
    if store:
        result.recovered = store.recovered
        result.problems += store.problems
    known = store.resolved if store else {}
    misses = store.misses if store else {}
    todo = []
    for page in pages:
        if not wanted(page):
            continue
        if page.slug in known or (page.slug in misses and not recheck):
            result.skipped += 1
            continue
        todo.append(page)
    if limit is not None:
        todo = todo[:limit]
    today = dt.date.today().isoformat()
    try:
        for number, page in enumerate(todo, start=1):
            if progress:
                progress(number, len(todo), page.title)
            outcome = _look_up(page, services)
            result.outcomes.append(outcome)
            if store is None or outcome.error:
                continue  # an error is asked again next time
            verdict = outcome.verdict
            assert verdict is not None
            if verdict.outcome == "resolved" and verdict.chosen:
                store.add(page.slug, entry=source_entry(page.slug, verdict.chosen, today))
            else:
                store.add(page.slug, miss={"checked": today, "outcome": verdict.outcome})
    except Unreachable as exc:
        result.unreachable = str(exc)
    finally:
        if store and result.outcomes:
            store.commit()
            if result.count("resolved"):
                result.written.append(display_path(store.source, config.root))
        elif store and store.recovered:
            result.written.append(display_path(store.source, config.root))
    result.requests = requests()
    result.seconds = time.monotonic() - start
    return result


def _look_up(page: Page, services: Sequence[Service]) -> Outcome:
    """Ask each service in turn until one resolves the page."""
    first: Verdict | None = None
    errors = []
    abstract = page.abstract  # read out of the page body: once, not at every judgement
    for service in services:
        try:
            verdict = judge(page.title, abstract, service.search(page.title))
            if verdict.outcome == "resolved" and verdict.chosen:
                full = service.details(verdict.chosen)
                # The full record must still be the same paper; else keep what the search said.
                check = judge(page.title, abstract, [full])
                if check.outcome == "resolved":
                    verdict = Verdict("resolved", full, verdict.refused)
                return Outcome(page.slug, page.title, verdict, service.name)
        except BadAnswer as exc:
            errors.append(str(exc))
            continue
        if first is None or (verdict.refused and not first.refused):
            first = verdict
    if errors and (first is None or first.outcome == "not found"):
        return Outcome(page.slug, page.title, None, error="; ".join(errors))
    return Outcome(page.slug, page.title, first)


def report(result: EnrichResult, *, dry_run: bool = False) -> list[str]:
    """The summary a run prints: counts, then each refused or failed page with its near candidates."""
    lines = []
    for outcome in result.outcomes:
        verdict = outcome.verdict
        if outcome.error:
            lines.append(f"papers/{outcome.slug}.md: error: {outcome.error}; asked again next run")
        elif verdict and verdict.outcome != "resolved" and verdict.refused:
            lines.append(f"papers/{outcome.slug}.md: {verdict.outcome}: {outcome.title}")
            for refusal in verdict.refused:
                scores = f"title {refusal.title_score:.0f}"
                if refusal.abstract_score is not None:
                    scores += f", abstract {refusal.abstract_score:.0f}"
                lines.append(f"  - {refusal.arxiv} {refusal.title!r}: {refusal.reason} ({scores})")
    via: dict[str, int] = {}
    for outcome in result.outcomes:
        if outcome.verdict and outcome.verdict.outcome == "resolved":
            via[outcome.via] = via.get(outcome.via, 0) + 1
    where = ", ".join(f"{n} {name}" for name, n in sorted(via.items()))
    summary = (
        f"sitegen enrich: {len(result.outcomes)} papers looked up: {result.count('resolved')} resolved"
        f"{f' ({where})' if where else ''}, {result.count('not found')} not found, "
        f"{result.count('ambiguous')} ambiguous, {result.count('no abstract')} without an abstract to "
        f"compare, {result.count('error')} errors; {result.requests} requests in {result.seconds:.1f} s; "
        f"{result.skipped} skipped (looked up before)")
    lines.append(summary)
    if result.recovered:
        lines.append(f"sitegen enrich: {result.recovered} results of an interrupted run were kept")
    if dry_run:
        lines.append("sitegen enrich: dry run, nothing written")
    elif result.written:
        lines.append(f"sitegen enrich: results in {', '.join(result.written)}; "
                     "run `sitegen build` to merge them into the pages")
    return lines
