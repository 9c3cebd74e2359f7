"""Site stage: the generated index pages (home, topics, papers without a topic, tags)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import jinja2

from .render import page_text
from .tag import Topic
from .text import escape_markdown, is_safe_url, markdown_url, snippet

GENERATED = "sitegen"  # value of the generated_by key that marks pages sitegen owns
RECENT = 20
UNTAGGED_SLUG = "untagged"


@dataclass(frozen=True)
class PaperView:
    """What the index pages show of a paper, taken from its page as it will be on disk."""

    slug: str
    title: str
    tags: tuple[str, ...]
    abstract: str
    code: str | None
    added: str | None
    order: tuple[str, int]  # the paper's latest source, to order papers added the same day
    byline: str = ""  # first author and year, where known
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str | None = None
    arxiv: str | None = None
    doi: str | None = None


@dataclass(frozen=True)
class SiteInfo:
    """Figures and settings shown on the home page."""

    title: str
    description: str
    records: int
    files: int


def _tag_links(tags: tuple[str, ...], slugs: dict[str, str]) -> list[dict[str, str | None]]:
    return [{"name": escape_markdown(t), "slug": slugs.get(t)} for t in tags]


def _data(paper: PaperView, code: str | None) -> str:
    """attr_list data attributes for the browser's sort and filter; only digits and dashes."""
    added = re.sub(r"[^0-9-]", "", paper.added or "")
    return f'{{: data-added="{added}" data-year="{paper.year or ""}" data-code="{1 if code else 0}" }}'


def _entry(paper: PaperView, slugs: dict[str, str]) -> dict[str, Any]:
    code = paper.code if paper.code and is_safe_url(paper.code) else None
    return {
        "data": _data(paper, code),
        "slug": paper.slug,
        "title": escape_markdown(paper.title),
        "byline": escape_markdown(paper.byline),
        "snippet": escape_markdown(snippet(paper.abstract)) if paper.abstract else "",
        "code": markdown_url(code) if code else None,
        "tags": _tag_links(paper.tags, slugs),
        "added": paper.added,
    }


def _generated(title: str, body: str, extra: dict[str, Any] | None = None) -> str:
    meta: dict[str, Any] = {"title": title, "generated_by": GENERATED, **(extra or {})}
    return page_text(meta, body)


def render_site(
    env: jinja2.Environment, papers: list[PaperView], topics: list[Topic], info: SiteInfo
) -> dict[str, str]:
    """Every generated page, keyed by its path relative to the content folder."""
    slugs = {t.name: t.slug for t in topics}
    by_title = sorted(papers, key=lambda p: (p.title.casefold(), p.slug))
    members: dict[str, list[PaperView]] = {t.name: [] for t in topics}
    untagged: list[PaperView] = []
    for paper in by_title:
        known = [tag for tag in paper.tags if tag in members]
        for tag in known:
            members[tag].append(paper)
        if not known:
            untagged.append(paper)
    topic_rows = [
        {"name": escape_markdown(t.name), "slug": t.slug, "count": len(members[t.name]),
         "description": escape_markdown(t.description)}
        for t in topics
    ]
    pages: dict[str, str] = {}
    recent = sorted(papers, key=lambda p: (p.added or "", p.order, p.slug), reverse=True)[:RECENT]
    pages["index.md"] = _generated("Home", env.get_template("home.md.j2").render(
        title=escape_markdown(info.title), description=escape_markdown(info.description),
        papers=len(papers), records=info.records, files=info.files, topic_count=len(topics),
        topics=topic_rows, untagged=len(untagged), recent=[_entry(p, slugs) for p in recent],
    ), {"hide": ["navigation", "toc"]})
    pages["topics/index.md"] = _generated("Topics", env.get_template("topics_index.md.j2").render(
        topics=topic_rows, topic_count=len(topics), papers=len(papers), untagged=len(untagged),
    ))
    by_slug = {p.slug: p for p in papers}
    for topic in topics:
        body = env.get_template("topic.md.j2").render(
            name=escape_markdown(topic.name), description=escape_markdown(topic.description),
            intro=topic.intro,  # the curator's own Markdown, from topics.yml
            pinned=[_entry(by_slug[s], slugs) for s in topic.pinned if s in by_slug],
            papers=[_entry(p, slugs) for p in members[topic.name]], slug=topic.slug,
        )
        pages[f"topics/{topic.slug}.md"] = _generated(
            topic.name, body, {"topic": topic.name, "feed": f"feeds/{topic.slug}.xml"})
    if untagged:
        body = env.get_template("topic.md.j2").render(
            name="Papers without a topic",
            description="No topic of topics.yml matched these papers. Tag them in their front "
            "matter, or add match terms to topics.yml.", intro="", pinned=[], slug=None,
            papers=[_entry(p, slugs) for p in untagged],
        )
        pages[f"topics/{UNTAGGED_SLUG}.md"] = _generated("Papers without a topic", body)
    pages["tags.md"] = _generated("Tags", env.get_template("tags.md.j2").render())
    return pages
