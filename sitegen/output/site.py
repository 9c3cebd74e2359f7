"""Site stage: the generated index pages (home, topics, papers without a topic, tags)."""

from __future__ import annotations

import heapq
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import jinja2

from ..models import Citation
from ..tagging.tag import Topic
from ..text import escape_markdown, is_safe_url, snippet
from .render import page_text

GENERATED = "sitegen"  # value of the generated_by key that marks pages sitegen owns
RECENT = 20
PAGE_SIZE = 500  # papers per page of a topic's list: about 0.6 MB of HTML at most
UNTAGGED_SLUG = "untagged"
EXPORTS = "exports"
FORMATS = ("json", "csv", "bib")
# A topic's papers in the formats people cite and sort them with; the list's JSON export, the one
# sitegen reads back as a source, holds every paper with its topics.
TOPIC_FORMATS = ("csv", "bib")
# From this many papers in the list every export is written gzip-compressed (".gz"), a third of its
# size or less: the list's are about 1.5 MB a format raw. Browsers download .gz files as they are;
# sitegen reads them back.
COMPRESS_FROM = 1000


def export_abstracts(fmt: str, topic: Topic | None = None, papers: int = 0) -> bool:
    """Whether an export holds the abstracts: the list's JSON always (the source sitegen reads back);
    its CSV and BibTeX below COMPRESS_FROM papers (above, the abstracts were four fifths of each
    compressed file, and reference managers cite without them); a topic's never."""
    return topic is None and (fmt == "json" or papers < COMPRESS_FROM)


def export_paths(topic: Topic | None = None, papers: int = 0) -> dict[str, str]:
    """Where the exports of a list of `papers` papers (or of one of its topics) go, by format."""
    stem = f"{EXPORTS}/topics/{topic.slug}" if topic else f"{EXPORTS}/papers"
    suffix = ".gz" if papers >= COMPRESS_FROM else ""
    return {fmt: f"{stem}.{fmt}{suffix}" for fmt in (TOPIC_FORMATS if topic else FORMATS)}


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
    citation: Citation = field(default_factory=Citation)


@dataclass(frozen=True)
class SiteInfo:
    """Figures and settings shown on the home page."""

    title: str
    description: str
    records: int
    files: int
    paper_urls: str = "directory"  # config.PAPER_URLS: where paper pages are published


def page_path(slug: str, paper_urls: str = "directory") -> str:
    """A paper page's path from the site's root, as MkDocs publishes it under `paper_urls`."""
    return f"papers/{slug}.html" if paper_urls == "file" else f"papers/{slug}/"


def _entry(paper: PaperView) -> dict[str, Any]:
    """What the home, topic and tags templates show of a paper, escaped for Markdown."""
    return {
        "slug": paper.slug,
        "title": escape_markdown(paper.title),
        "byline": escape_markdown(paper.byline),
        "added": paper.added,
    }


def _list_item(paper: PaperView, slugs: dict[str, str]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A paper's item in a topic list, rendered once however many topic pages list it: the item up
    to its topic links, and each topic link (a topic's page leaves its own out: see `_joined_item`).

    HTML, not Markdown: Python-Markdown took about 4 ms an item (inline links,
    attributes, line breaks), most of `mkdocs build` at 10,000 papers, and
    passes a block of HTML through as it is. Links name pages as Markdown does
    (`../papers/x.md`); the sitegen plugin turns them into the pages' URLs.
    Data attributes at their defaults (no year, no code) are left out.
    """
    code = paper.code if paper.code and is_safe_url(paper.code) else None
    added = re.sub(r"[^0-9-]", "", paper.added or "")
    year = f' data-year="{paper.year}"' if paper.year else ""
    has_code = ' data-code="1"' if code else ""
    line = (f'<li><strong><a href="../papers/{paper.slug}.md" data-added="{added}"{year}{has_code}>'
            f'{_html(paper.title)}</a></strong>')
    if paper.byline:
        line += f" · {_html(paper.byline)}"
    if code:
        line += f' · <a href="{html.escape(code, quote=True)}">code</a>'
    if paper.abstract:
        line += f"<br>\n  {_html(snippet(paper.abstract))}"
    chips = tuple((t, f'<a href="{slugs[t]}.md">{_html(t)}</a>' if t in slugs else _html(t))
                  for t in paper.tags)
    return line, chips


def _joined_item(item: tuple[str, tuple[tuple[str, str], ...]], here: str | None) -> str:
    """A list item on the page of topic `here`: its topics but that one, which the page is about."""
    line, chips = item
    shown = " · ".join(chip for tag, chip in chips if tag != here)
    return f"{line}<br>\n  <small>{shown}</small></li>\n" if shown else f"{line}</li>\n"


def _html(text: str) -> str:
    """Untrusted text as inert HTML text, on one line."""
    return html.escape(" ".join(text.split()), quote=False)


def _generated(title: str, body: str, extra: dict[str, Any] | None = None) -> str:
    meta: dict[str, Any] = {"title": title, "generated_by": GENERATED, **(extra or {})}
    return page_text(meta, body)


def newest(papers: Sequence[PaperView], count: int) -> list[PaperView]:
    """The `count` most recently added papers, newest first (same day: latest source first)."""
    return heapq.nlargest(count, papers, key=lambda p: (p.added or "", p.order, p.slug))


def by_topic(papers: Sequence[PaperView], topics: Sequence[Topic]) -> dict[str, list[PaperView]]:
    """Each topic's papers in the order given, from one pass over the papers."""
    members: dict[str, list[PaperView]] = {t.name: [] for t in topics}
    for paper in papers:
        for tag in dict.fromkeys(paper.tags):  # a tag written twice lists the paper once
            if tag in members:
                members[tag].append(paper)
    return members


def listing_file(slug: str, number: int) -> str:
    """The file of page `number` (from 1) of a topic's list, relative to the content folder."""
    return f"topics/{slug}.md" if number == 1 else f"topics/{slug}-page-{number}.md"


def _listing(env: jinja2.Environment, stem: str, title: str, extra: dict[str, Any], *,
             papers: list[PaperView], items: dict[str, tuple[str, tuple[tuple[str, str], ...]]],
             here: str | None, **context: Any) -> dict[str, str]:
    """A topic's list of papers, PAGE_SIZE to a page so no page grows with the list."""
    count = max(1, -(-len(papers) // PAGE_SIZE))
    pages = {}
    for number in range(1, count + 1):
        part = papers[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
        pager = [{"number": n, "file": listing_file(stem, n).removeprefix("topics/"), "current": n == number}
                 for n in range(1, count + 1)] if count > 1 else []
        # Later pages repeat neither the introduction nor the pins.
        shown = context if number == 1 else {**context, "intro": "", "pinned": []}
        body = env.get_template("topic.md.j2").render(
            items="".join(_joined_item(items[p.slug], here) for p in part), count=len(part),
            total=len(papers), pager=pager,
            first=(number - 1) * PAGE_SIZE + 1, **shown,
        )
        # Only the first page stands for the topic (tag chips link to it).
        meta = extra if number == 1 else {k: v for k, v in extra.items() if k != "topic"}
        pages[listing_file(stem, number)] = _generated(
            title if number == 1 else f"{title} (page {number})", body, meta)
    return pages


def render_site(
    env: jinja2.Environment, papers: list[PaperView], topics: list[Topic], info: SiteInfo
) -> dict[str, str]:
    """Every generated page, keyed by its path relative to the content folder."""
    slugs = {t.name: t.slug for t in topics}
    by_title = sorted(papers, key=lambda p: (p.title.casefold(), p.slug))
    members = by_topic(by_title, topics)
    untagged = [p for p in by_title if not any(tag in members for tag in p.tags)]
    topic_rows = [
        {"name": escape_markdown(t.name), "slug": t.slug, "count": len(members[t.name]),
         "description": escape_markdown(t.description)}
        for t in topics
    ]
    pages: dict[str, str] = {}
    recent = newest(papers, RECENT)
    pages["index.md"] = _generated("Home", env.get_template("home.md.j2").render(
        title=escape_markdown(info.title), description=escape_markdown(info.description),
        papers=len(papers), records=info.records, files=info.files, topic_count=len(topics),
        topics=topic_rows, untagged=len(untagged), recent=[_entry(p) for p in recent],
        exports=export_paths(None, len(papers)),
    ), {"hide": ["navigation", "toc"]})
    pages["topics/index.md"] = _generated("Topics", env.get_template("topics_index.md.j2").render(
        topics=topic_rows, topic_count=len(topics), papers=len(papers), untagged=len(untagged),
    ))
    by_slug = {p.slug: p for p in papers}
    items = {p.slug: _list_item(p, slugs) for p in papers}
    for topic in topics:
        pages.update(_listing(
            env, topic.slug, topic.name, {"topic": topic.name, "feed": f"feeds/{topic.slug}.xml"},
            name=escape_markdown(topic.name), description=escape_markdown(topic.description),
            intro=topic.intro,  # the curator's own Markdown, from topics.yml
            pinned=[_entry(by_slug[s]) for s in topic.pinned if s in by_slug],
            papers=members[topic.name], items=items, here=topic.name, slug=topic.slug,
            exports={fmt: f"../{path}" for fmt, path in export_paths(topic, len(papers)).items()},
        ))
    if untagged:
        pages.update(_listing(
            env, UNTAGGED_SLUG, "Papers without a topic", {},
            name="Papers without a topic",
            description="No topic of topics.yml matched these papers. Tag them in their front "
            "matter, or add match terms to topics.yml.", intro="", pinned=[], slug=None, exports={},
            papers=untagged, items=items, here=None,
        ))
    # Tags that are not topics: the curator's own, few, listed with their papers.
    own: dict[str, list[PaperView]] = {}
    for paper in by_title:
        for tag in paper.tags:
            if tag not in members:
                own.setdefault(tag, []).append(paper)
    pages["tags.md"] = _generated("Tags", env.get_template("tags.md.j2").render(
        topics=topic_rows,
        own=[{"name": escape_markdown(tag), "papers": [_entry(p) for p in own[tag]]}
             for tag in sorted(own, key=str.casefold)],
    ))
    return pages
