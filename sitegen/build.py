"""The build: parse, dedupe, tag, reconcile with content/, render, write — in that order.

Every input is read and checked, and every page rendered in memory, before
the first file is written, so a problem found late never leaves a
half-updated content folder. Only the exports, the finished list in other
formats, are rendered while writing, one format at a time, to bound memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .buildcache import Parsed, load_parsed, papers_for, save_parsed, sources_key
from .config import Config
from .matching.dedupe import DedupeResult, dedupe
from .matching.reconcile import Overrides, assign, read_overrides
from .matching.registry import REGISTRY, load_registry, record_key, registry_text
from .models import Diagnostic, Paper, Report, display_path
from .output.exports import render_exports
from .output.feeds import FEEDS_SITEMAP, feed_path, render_feed, render_feeds_sitemap
from .output.related import (
    RELATED,
    RelatedJob,
    cached_related,
    prepare,
    related_file,
    related_key,
    related_parts,
)
from .output.render import citation_of_meta, environment, render_range, safe_to_reserialise, update_page
from .output.site import EXPORTS, FORMATS, GENERATED, PaperView, SiteInfo, by_topic, render_site
from .output.write import BATCH as WRITE_BATCH
from .output.write import (
    Output,
    WriteJob,
    WriteStats,
    remove_leftovers,
    write_elsewhere,
    write_job,
    write_pages,
)
from .pages import Page, parse_page, read_pages, source_ref, tag_names
from .parallel import Standby, chunks, map_shared
from .progress import Stages
from .readers.parse import SourceFile, collect_sources, parse_sources
from .state import STATE, fingerprint, load_state, replay, stat_line, state_text
from .tagging.learn import learned_for_new
from .tagging.tag import Matcher, Topic, load_topics
from .text import clean_text, slugify

PAPERS = "papers"
FEEDS_ALL = feed_path()
_EXPORT_ENDINGS = tuple(f".{fmt}{gz}" for fmt in FORMATS for gz in ("", ".gz"))


@dataclass
class BuildResult:
    """Figures of a build, for the summary line and for tests."""

    records: int = 0
    files: int = 0
    papers: int = 0
    merged: int = 0
    dedupe: DedupeResult = field(default_factory=lambda: DedupeResult([]))
    topics: int = 0
    tagged: int = 0
    stats: WriteStats = field(default_factory=WriteStats)
    report: Report = field(default_factory=Report)
    skipped: int = 0  # when nothing changed: how many files the last build left

    def figures(self) -> dict[str, int]:
        """What the next no-op build repeats."""
        s = self.stats
        return {"records": self.records, "files": self.files, "merged": self.merged, "papers": self.papers,
                "topics": self.topics, "tagged": self.tagged,
                "outputs": self.skipped or len(s.new) + len(s.updated) + len(s.unchanged)}

    def summary(self) -> str:
        """The one-line summary printed after a build."""
        s = self.stats
        if self.skipped:
            return (
                f"sitegen: nothing changed since the last build ({self.records} records from {self.files} "
                f"files, {self.papers} papers, {self.skipped} files left as they were); "
                f"{self.report.count('error')} errors, {self.report.count('warning')} warnings"
            )
        return (
            f"sitegen: {self.records} records read from {self.files} files, "
            f"{self.merged} duplicates merged, {self.papers} papers; "
            f"files: {len(s.new)} new, {len(s.updated)} updated, {len(s.unchanged)} unchanged"
            + (f", {len(s.removed)} removed" if s.removed else "")
            + f"; {self.topics} topics ({self.tagged} papers tagged); "
            f"{self.report.count('error')} errors, {self.report.count('warning')} warnings"
        )


def today() -> dt.date:
    """The build date; SOURCE_DATE_EPOCH pins it for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def unique_slug(base: str, taken: set[str]) -> str:
    """A slug for a new page, from its title's slug, that no existing or planned page uses."""
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _text(value: object) -> str:
    # A curator's page may spell any character ("\x07" in double quotes, a NUL in the body);
    # none may reach a generated page, a feed or an export.
    return clean_text(str(value))[0]


def shown(slug: str, meta: dict[str, Any], alias: Mapping[str, str]) -> bool:
    """Whether a paper page is on the site: not hidden, and not merged into another page."""
    return meta.get("hidden") is not True and slug not in alias


def site_info(config: Config, records: int, files: int) -> SiteInfo:
    """The figures and settings the generated pages show, for a build or serve's previews."""
    return SiteInfo(config.title, config.description, records, files, config.paper_urls)


def paper_view(slug: str, meta: dict[str, Any], abstract: str) -> PaperView:
    """What the generated pages need of a paper page, read defensively: curators edit these."""
    code = next((_text(link.get("url")) for link in _list(meta.get("links"))
                 if isinstance(link, dict) and link.get("kind") == "code"), None)
    refs = [ref for ref in (source_ref(s) for s in _list(meta.get("sources"))) if ref]
    last = max(((ref.file, ref.record) for ref in refs), default=("", 0))
    added = meta.get("added")
    value = meta.get("authors")
    names = (tuple(_text(a) for a in value if a) if isinstance(value, list)
             else ((_text(value),) if value else ()))
    year = meta.get("year")
    return PaperView(
        slug, _text(meta.get("title") or slug), tuple(_text(t) for t in tag_names(meta)), _text(abstract),
        code, _text(added) if added else None, last, byline(names, year),
        authors=names if isinstance(value, list) else (),
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
        venue=_text(meta["venue"]) if meta.get("venue") else None,
        arxiv=_text(meta["arxiv"]) if meta.get("arxiv") else None,
        doi=_text(meta["doi"]) if meta.get("doi") else None,
        citation=citation_of_meta(meta),
    )


def byline(authors: tuple[str, ...], year: object) -> str:
    """"First Author et al. · 2024", from whatever of the two a page has."""
    parts = []
    if authors:
        parts.append(authors[0] + (" et al." if len(authors) > 1 else ""))
    if year:
        parts.append(str(year))
    return " · ".join(parts)


def review(config: Config) -> BuildResult:
    """Read and deduplicate the sources as a build would, without writing anything."""
    result = BuildResult()
    files, problems = collect_sources(config.sources, config.root)
    result.report.extend(problems)
    records, problems = parse_sources(files, config.format)
    result.report.extend(problems)
    pages, _, problems = read_pages(config.content / PAPERS, config.root)
    result.report.extend(problems)
    overrides = read_overrides(pages, records, config.root)
    result.report.extend(overrides.problems)
    result.dedupe = dedupe(records, overrides.distinct)
    result.records, result.files, result.papers = len(records), len(files), len(result.dedupe.papers)
    result.merged = len(records) - len(result.dedupe.papers)
    return result


PagesRead = tuple[list[Page], set[str], list[Diagnostic]]


def build(config: Config, force: bool = False, stages: Stages | None = None,
          pages: PagesRead | None = None, helper: Standby[Any, Any] | None = None,
          pending: Callable[[], object] | None = None) -> BuildResult:
    """Run a whole build for a configuration; skip it when nothing changed since the last one.

    `pages`: content/papers as read_pages reads it now, when the caller has it already (retag).
    `force`: build even if nothing changed, and reuse nothing of the last build (its parse and
    dedupe cache, its related papers): everything is made again from the sources and kept anew.
    `helper`: a Standby that has imported scikit-learn already (retag's), for the related papers.
    `pending`: waits for a write still under way (retag's pages, as `pages` has them), before the build
    writes; the content is changing, so the build is not skipped.
    """
    stages = stages or Stages()
    with stages.stage("fingerprint"):
        files, problems = collect_sources(config.sources, config.root)
        paths = [f.path for f in files]
        inputs = _inputs(config, paths)
        last = load_state(config.content)
        # Without a previous state there is nothing to compare: spare the walk over content/.
        unchanged = (not force and pending is None and last
                     and last.get("fingerprint") == fingerprint(config, paths))
    if unchanged and last:
        figures = last.get("figures") or {}

        def figure(name: str) -> int:
            value = figures.get(name, 0)
            return value if isinstance(value, int) else 0

        result = BuildResult(records=figure("records"), files=figure("files"), papers=figure("papers"),
                             merged=figure("merged"), topics=figure("topics"), tagged=figure("tagged"),
                             skipped=max(figure("outputs"), 1))
        result.report.extend(replay(last))
        return result
    # Related papers are computed in a helper process, forked now while the build is small:
    # it imports scikit-learn while sources are read, and gets its job once the papers are known.
    # Another writes the paper pages while the exports are made here. (Forked later, from the
    # large build, either would have its memory copied as the build goes on changing it.)
    with (Standby(prepare, related_file) if helper is None else contextlib.nullcontext(helper) as related,
          Standby(_nothing, write_job) as writer, _no_cycle_collection()):
        result = _build(config, files, problems, stages, related, writer, pages, force, pending)
    with stages.stage("fingerprint"):
        # An input changed while the build read it (`sitegen serve` saves while building): no fingerprint,
        # so that the next build reads it again.
        mark = fingerprint(config, paths) if _inputs(config, paths) == inputs else ""
        state = state_text(mark, result.figures(), result.report.diagnostics)
        write_pages(config.content, {STATE: state})
    return result


def _inputs(config: Config, sources: list[Path]) -> list[str]:
    """What the build reads besides content/: the taxonomy's and the sources' sizes and times."""
    return [stat_line(path, str(path)) for path in (config.topics, *sources)]


def _build(config: Config, files: list[SourceFile], problems: list[Diagnostic],
           stages: Stages, helper: Standby[Any, Any], writer: Standby[WriteJob, WriteStats],
           read: PagesRead | None, force: bool, pending: Callable[[], object] | None = None) -> BuildResult:
    result = BuildResult()
    report = result.report
    base = config.root

    # 1. Gather: sources, taxonomy, and the pages already in content/.
    report.extend(problems)
    with stages.stage("parse"):
        key = sources_key(config, [f.path for f in files])
        parsed = (None if force else load_parsed(config.content, key)) or Parsed(
            key, *parse_sources(files, config.format))
        records = parsed.records
    report.extend(parsed.problems)
    with stages.stage("read pages"):
        topics, problems = load_topics(config.topics, display_path(config.topics, base))
        report.extend(problems)
        papers_dir = config.content / PAPERS
        pages, broken, problems = read or read_pages(papers_dir, base)
        report.extend(problems)
        _keep_out_of_gc()  # the records and pages live through most of the build
    result.records, result.files, result.topics = len(records), len(files), len(topics)

    # 2. Dedupe the incoming records, obeying the curator's distinct_from.
    with stages.stage("dedupe"):
        overrides = read_overrides(pages, records, base)
        papers = papers_for(parsed, overrides.distinct)
        if papers is None:
            papers = dedupe(records, overrides.distinct).papers
            save_parsed(config.content, Parsed(key, records, parsed.problems, overrides.distinct, papers))
        del parsed
        _keep_out_of_gc()
    report.extend(overrides.problems)
    result.merged = len(records) - len(papers)

    # 3. Reconcile with existing pages: new papers get pages, known ones gain provenance.
    with stages.stage("papers"):
        env = environment()
        out, final, registry = _paper_pages(config, papers, pages, broken, overrides, topics, report)
        existing = {p.slug for p in pages}
        # The registry remembers every record's page, also of pages that do not parse now.
        kept = {k: s for k, s in registry.items() if s in broken}
        memory = {REGISTRY: registry_text({slug: meta for slug, (meta, _) in final.items()}, kept)}
        _keep_out_of_gc()
    # What is left is in `final` and `out`: at 100,000 papers the records, the pages'
    # texts and the dedupe result would otherwise stay in memory to the end.
    del records, papers, pages

    # 4. Generated pages, from every paper page as it will be on disk.
    with stages.stage("site"):
        views = [paper_view(slug, meta, abstract) for slug, (meta, abstract) in sorted(final.items())
                 if shown(slug, meta, overrides.alias)]
        del final  # every later stage works from the views (the front matter was 200 MB at 100,000)
        result.papers = len(views)
        # Related papers need only the views: on the second core, while the rest is rendered and written.
        slugs, titles = [v.slug for v in views], [v.title for v in views]
        texts = [related_parts(v.title, v.tags, v.abstract) for v in views]
        key = related_key(slugs, titles, [" ".join(parts) for parts in texts])
        cached = None if force else cached_related(config.content, key)
        job: RelatedJob = (key, slugs, titles, texts)
        related = (helper.submit(job, related_file) if cached is None
                   else lambda text=cached: text)
        del texts
        names = {t.name for t in topics}
        result.tagged = sum(1 for v in views if names.intersection(v.tags))
        report.extend(_missing_pins(config, topics, {v.slug for v in views}))
        info = site_info(config, result.records, len(files))
        generated: dict[str, Output] = dict(render_site(env, views, topics, info))
        members = by_topic(views, topics)
    with stages.stage("feeds"):
        generated[FEEDS_ALL] = render_feed(views, info, config.site_url)
        for topic in topics:
            generated[feed_path(topic)] = render_feed(members[topic.name], info, config.site_url, topic)
        generated[FEEDS_SITEMAP] = render_feeds_sitemap(
            [FEEDS_ALL, *(feed_path(topic) for topic in topics)], config.site_url)

    # 5. Write: the paper pages by the writer, on the second core, while the exports are rendered
    # and written here.
    with stages.stage("write"):
        if pending is not None:
            pending()
        stale = _stale_generated(config.content, set(generated))
        remove_leftovers(config.content)  # once per build: it walks the whole content folder
        rewritten = set(out)
        if len(out) > WRITE_BATCH:  # the writer pays off for many pages; a few are written at once here
            paper_pages = write_elsewhere(writer, config.content, out, stale)  # empties `out`
        else:
            written = write_pages(config.content, out, stale)
            paper_pages = lambda: written  # noqa: E731
        others = write_pages(config.content, generated)
        del generated
    others.add(_write_exports(config, views, topics, members, stages))
    with stages.stage("write"):  # what is left of it: waiting for the writer
        result.stats = paper_pages()
    result.stats.add(others)
    with stages.stage("related"):  # what is left of it: waiting for the second core
        memory[RELATED] = related()
    with stages.stage("write"):
        write_pages(config.content, memory)  # not a page: left out of the figures
    # Paper pages not rewritten are unchanged too, including ones that do not parse.
    for slug in sorted(existing | broken):
        if f"{PAPERS}/{slug}.md" not in rewritten:
            result.stats.unchanged.append(f"{PAPERS}/{slug}.md")
    return result


def _write_exports(config: Config, views: list[PaperView], topics: list[Topic],
                   members: dict[str, list[PaperView]], stages: Stages) -> WriteStats:
    """Render and write the exports, one format at a time; remove exports this build did not make.

    Each format is written before the next is rendered: all three at once were
    700 MB at 100,000 papers.
    """
    stats = WriteStats()
    formats = render_exports(views, topics, members, config.paper_urls)
    exported: set[str] = set()
    while True:
        with stages.stage("exports"):
            batch = next(formats, None)
        if batch is None:
            break
        exported.update(batch)
        with stages.stage("write"):
            stats.add(write_pages(config.content, batch))
        del batch  # so that only one format's pieces are alive while the next is rendered
    with stages.stage("write"):  # exports of topics now gone, or of a list now compressed
        stats.add(write_pages(config.content, {}, _stale_exports(config.content, exported)))
    return stats


def _nothing() -> None:
    """The writer's preparation: none."""


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause cyclic garbage collection in this process while the build runs.

    A build creates millions of long-lived objects (records, evidence,
    papers, views), none in reference cycles; each full collection while they
    are made walked all of them again (7 of 70 s at 100,000 records).
    Reference counting still frees them when they go. Worker processes
    collect as usual (see parallel.parallel_map).
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _keep_out_of_gc() -> None:
    """Exempt what the build holds so far from cyclic garbage collection: a worker forked later
    that collects would otherwise walk, and so copy, the memory it shares with the build."""
    gc.freeze()


def _missing_pins(config: Config, topics: list[Topic], shown: set[str]) -> list[Diagnostic]:
    """A warning for each pinned paper that is not on the site."""
    return [
        Diagnostic("warning", display_path(config.topics, config.root),
                   f"topic {topic.name!r}: pinned paper '{slug}' is not on the site; left out",
                   line=topic.line, hint="name a page of content/papers/ by its file name, without .md")
        for topic in topics for slug in topic.pinned if slug not in shown
    ]


def _paper_pages(
    config: Config, papers: list[Paper], pages: list[Page], broken: set[str],
    overrides: Overrides, topics: list[Topic], report: Report,
) -> tuple[dict[str, str], dict[str, tuple[dict[str, Any], str]], dict[str, str]]:
    """New paper pages and updated existing ones; every page's front matter; the record registry."""
    base = config.root
    papers_dir = config.content / PAPERS
    out: dict[str, str] = {}
    final: dict[str, tuple[dict[str, Any], str]] = {
        p.slug: (p.meta, p.abstract) for p in pages
    }
    plan = assign(papers, pages, overrides)
    existing = {p.slug for p in pages}
    taken = existing | broken
    added = today()
    registry, problems = load_registry(config.content, base)
    report.extend(problems)
    jobs: list[tuple[str, Paper, bool]] = []
    for paper in plan.new:
        remembered = {registry[k] for r in paper.sources if (k := record_key(r.file, r.record)) in registry}
        unparsable = sorted((remembered | {slugify(paper.title)}) & broken)
        if unparsable:
            report.add(Diagnostic(
                "warning", display_path(papers_dir / f"{unparsable[0]}.md", base),
                f"not updated with {paper.title[:60]!r}: the page does not parse",
            ))
            continue
        deleted = sorted(s for s in remembered if s not in existing and s not in taken)
        slug = deleted[0] if deleted else unique_slug(slugify(paper.title), taken)
        taken.add(slug)
        jobs.append((slug, paper, bool(deleted)))
        if deleted:
            # A deleted page comes back hidden: off the site, as the curator meant, but not lost.
            report.add(Diagnostic(
                "warning", display_path(papers_dir / f"{slug}.md", base),
                "this page was deleted but its paper is still in the sources; re-created with "
                "`hidden: true`, so it stays off the site",
                hint="remove `hidden: true` to show it again; notes written in the deleted page are "
                     "only in your version control",
                once=True,
            ))
    # Only new papers are auto-tagged: an existing page's tags are the curator's, and teach the classifier.
    # Workers read the papers from memory shared at fork; only the rendered pages travel back.
    learned = learned_for_new(pages, [paper for _, paper, _ in jobs], topics, config.tagging)
    shared = (Matcher(topics), config.tagging, added, [(paper, hidden) for _, paper, hidden in jobs], learned)
    parts = map_shared(render_range, shared, chunks(len(jobs)), len(jobs))
    for (slug, paper, _), (meta, text) in zip(jobs, (page for part in parts for page in part), strict=True):
        out[f"{PAPERS}/{slug}.md"] = text
        final[slug] = (meta, paper.abstract)
    by_slug = {p.slug: p for p in pages}
    for slug in sorted(set(plan.gains) | set(overrides.split)):
        page = by_slug[slug]
        updated = update_page(page, tuple(plan.gains.get(slug, ())),
                              frozenset(overrides.split.get(slug, ())), plan.fill.get(slug))
        if updated is None:
            continue
        if not safe_to_reserialise(page):
            report.add(Diagnostic(
                "warning", display_path(page.path, base),
                "new sources found but the front matter has comments; left unchanged",
                line=1, hint="add the new `sources` entries by hand, or move comments to the notes",
            ))
            continue
        out[f"{PAPERS}/{slug}.md"] = updated[1]
        final[slug] = (updated[0], page.abstract)

    return out, final, registry



def _stale_exports(content: Path, keep: set[str]) -> list[str]:
    """Export files under content/exports/ that this build did not write (sitegen owns the folder)."""
    folder = content / EXPORTS
    if not folder.is_dir():
        return []
    found = (path.relative_to(content).as_posix() for path in folder.rglob("*") if path.is_file())
    return sorted(rel for rel in found if rel not in keep and rel.endswith(_EXPORT_ENDINGS))


def _stale_generated(content: Path, keep: set[str]) -> list[str]:
    """Generated topic pages whose topic is gone from topics.yml."""
    stale = []
    folder = content / "topics"
    if folder.is_dir():
        for path in folder.glob("*.md"):
            rel = path.relative_to(content).as_posix()
            if rel in keep:
                continue
            try:
                page, _ = parse_page(path, path.read_text(encoding="utf-8"), rel)
            except (OSError, UnicodeDecodeError):
                continue
            if page is not None and page.meta.get("generated_by") == GENERATED:  # else not ours to remove
                stale.append(rel)
    return stale

