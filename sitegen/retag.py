"""Re-apply topics.yml and the learned topics to existing paper pages without undoing the curator's edits.

Each page remembers in ``auto_tags`` what sitegen gave it. A tag in ``tags``
but not in ``auto_tags`` was added by the curator and is kept; a tag in
``auto_tags`` but not in ``tags`` was removed by the curator and is never
added back (it stays remembered). Only sitegen's own tags follow.

Pages the curator has tagged (tags differing from ``auto_tags``, or no
``auto_tags``) are the classifier's examples, not its output: they only gain
a topic whose terms match them and that sitegen never gave them before (a
topic new to topics.yml, typically), so retagging with a newly taught model
leaves them byte-identical.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .models import Diagnostic, Paper, display_path
from .output.render import safe_to_reserialise, set_fields
from .output.write import write_pages
from .pages import Page, tag_names
from .parallel import Standby, chunks, map_shared
from .tagging.learn import Learned, LearnJob, curator_tagged, learn, page_examples, page_paper
from .tagging.tag import AUTO_TAGS, Matcher, TagSettings, Topic, choose, suggest, term_confidences_range


@dataclass(frozen=True)
class Retag:
    """A page whose tags change."""

    page: Page
    added: tuple[str, ...]
    removed: tuple[str, ...]
    text: str
    confidence: Mapping[str, float] = field(default_factory=dict)  # of each added or removed topic now
    meta: dict[str, Any] = field(default_factory=dict)  # the front matter of `text`

    def describe(self, base: Any) -> str:
        """One line for the terminal: ``content/papers/x.md: + A (0.82), - B (0.12)``."""
        parts = [f"{sign} {t} ({self.confidence.get(t, 0.0):.2f})"
                 for sign, names in (("+", self.added), ("-", self.removed)) for t in names]
        return f"{display_path(self.page.path, base)}: {', '.join(parts) or 'tag memory recorded'}"


def merge_tags(
    tags: tuple[str, ...], memory: tuple[str, ...] | None, matched: tuple[str, ...],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """New tags and new memory from the page's tags, what sitegen gave before, and what matches now.

    Without memory (pages older than it), every current tag counts as the curator's.
    """
    before = set(memory or ())
    removed_by_curator = before - set(tags)
    kept = [t for t in tags if t not in before or t in matched]
    added = [t for t in matched if t not in kept and t not in removed_by_curator]
    memory_now = tuple(dict.fromkeys([*matched, *sorted(removed_by_curator)]))
    return tuple(kept + added), memory_now


def _memory(meta: dict[str, Any]) -> tuple[str, ...] | None:
    value = meta.get(AUTO_TAGS)
    if value is None:
        return None
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def plan_retag(
    pages: list[Page], topics: list[Topic], base: Any, settings: TagSettings | None = None,
    helper: Standby[LearnJob, Learned] | None = None,
) -> tuple[list[Retag], list[Diagnostic]]:
    """The tag changes topics.yml and the curator's examples ask for, page by page.

    `helper`: a Standby that learns the topics (learn.learn) while the terms are matched here.
    """
    settings = settings or TagSettings()
    matcher = Matcher(topics)
    papers = [page_paper(page) for page in pages]
    job = page_examples(pages, [t.name for t in topics], settings.min_examples, papers)
    learned_later = (helper.submit(job) if helper is not None and job[1]
                     else lambda: learn(job))
    # Term matching is most of the work: on every core, as in the build, while the helper learns.
    spans = chunks(len(papers))
    parts = map_shared(term_confidences_range, (matcher, papers), spans, len(papers))
    terms = [found for part in parts for found in part]
    # Then each page's new tags and text, on every core again (the helper is done by then).
    shared: _Shared = (pages, papers, terms, learned_later(), matcher, settings, base)
    changes: list[Retag] = []
    problems: list[Diagnostic] = []
    for part in map_shared(_plan_range, shared, spans, len(papers)):
        for i, planned in part:
            if isinstance(planned, Diagnostic):
                problems.append(planned)
            else:
                changes.append(Retag(pages[i], *planned))
    return changes, problems


# The pages, their papers and term confidences, the learned probabilities, the matcher, settings, base.
_Shared = tuple[list[Page], list[Paper], list[dict[str, float]], Learned, Matcher, TagSettings, Any]
_Planned = tuple[tuple[str, ...], tuple[str, ...], str, dict[str, float], dict[str, Any]]


def _plan_range(shared: _Shared, span: range) -> list[tuple[int, _Planned | Diagnostic]]:
    """The changes of the pages in `span` (run in worker processes): Retag's fields but the page."""
    pages, papers, terms, learned, matcher, settings, base = shared
    planned: list[tuple[int, _Planned | Diagnostic]] = []
    for i in span:
        page, paper = pages[i], papers[i]
        tags = tag_names(page.meta)
        memory = _memory(page.meta)
        if curator_tagged(page.meta):
            # The curator's page: only topics sitegen never offered it, and only on their terms' word.
            offered = choose(suggest(paper, matcher, terms=terms[i]), settings)
            known = set(tags) | set(memory or ())
            fresh = [s for s in offered if s.topic not in known]
            new_tags = tags + tuple(s.topic for s in fresh)
            new_memory: tuple[str, ...] | None = (
                tuple(dict.fromkeys([*(memory or ()), *(s.topic for s in fresh)])) if fresh else memory)
            confidence = {s.topic: s.confidence for s in offered}
        else:
            found = suggest(paper, matcher, learned[i] if learned else None, terms[i])
            confidence = {s.topic: s.confidence for s in found}
            matched = tuple(s.topic for s in choose(found, settings))
            new_tags, new_memory = merge_tags(tags, memory, matched)
        if new_tags == tags and new_memory == memory:
            continue
        if not safe_to_reserialise(page):
            planned.append((i, Diagnostic(
                "warning", display_path(page.path, base), "not retagged: the front matter has comments",
                line=1, hint=f"tags sitegen gives it: {', '.join(new_tags) or 'none'}",
            )))
            continue
        fields = {"tags": list(new_tags), AUTO_TAGS: list(new_memory or ())}
        meta, text = set_fields(page, fields, after="tags")
        added = tuple(t for t in new_tags if t not in tags)
        removed = tuple(t for t in tags if t not in new_tags)
        planned.append((i, (added, removed, text, {t: confidence.get(t, 0.0) for t in (*added, *removed)},
                            meta)))
    return planned


def retagged(pages: list[Page], changes: list[Retag]) -> list[Page]:
    """The pages as the changes leave them on disk: what the build after a retag reads."""
    changed = {change.page.path: change for change in changes}
    return [page.rewritten(change.text, change.meta) if (change := changed.get(page.path)) else page
            for page in pages]


def write_changes(job: tuple[Path, dict[str, str]]) -> None:
    """Write the retagged pages (content folder, page path -> text): a Standby job."""
    content, files = job
    write_pages(content, files)
