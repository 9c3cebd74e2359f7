"""Re-apply topics.yml to existing paper pages without undoing the curator's tag edits.

Each page remembers in ``auto_tags`` what the topic matcher gave it. A tag in
``tags`` but not in ``auto_tags`` was added by the curator and is kept; a tag
in ``auto_tags`` but not in ``tags`` was removed by the curator and is never
added back (it stays remembered). Only sitegen's own tags follow topics.yml.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .models import Diagnostic, Paper, display_path
from .pages import Page, tag_names
from .render import AUTO_TAGS, safe_to_reserialise, set_fields
from .tag import Matcher, Topic, tag_paper


@dataclass(frozen=True)
class Retag:
    """A page whose tags change."""

    page: Page
    added: tuple[str, ...]
    removed: tuple[str, ...]
    text: str

    def describe(self, base: Any) -> str:
        """One line for the terminal: ``content/papers/x.md: + A, - B``."""
        parts = [f"+ {t}" for t in self.added] + [f"- {t}" for t in self.removed]
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


def plan_retag(pages: list[Page], topics: list[Topic], base: Any) -> tuple[list[Retag], list[Diagnostic]]:
    """The tag changes topics.yml asks for, page by page."""
    matcher = Matcher(topics)
    changes: list[Retag] = []
    problems: list[Diagnostic] = []
    for page in pages:
        keywords = page.meta.get("keywords")
        paper = Paper(key="", title=page.title, abstract=page.abstract, links=(), listed=None, sources=(),
                      keywords=tuple(str(k) for k in keywords) if isinstance(keywords, list) else ())
        matched = tag_paper(paper, matcher).tags
        tags = tag_names(page.meta)
        memory = _memory(page.meta)
        new_tags, new_memory = merge_tags(tags, memory, matched)
        if new_tags == tags and new_memory == memory:
            continue
        if not safe_to_reserialise(page):
            problems.append(Diagnostic(
                "warning", display_path(page.path, base), "not retagged: the front matter has comments",
                line=1, hint=f"tags topics.yml gives it: {', '.join(matched) or 'none'}",
            ))
            continue
        _, text = set_fields(page, {"tags": list(new_tags), AUTO_TAGS: list(new_memory)}, after="tags")
        changes.append(Retag(page, tuple(t for t in new_tags if t not in tags),
                             tuple(t for t in tags if t not in new_tags), text))
    return changes, problems
