"""Atom feeds of recently added papers: one for the whole list and one per topic (feedgen)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from xml.sax.saxutils import escape

from feedgen.feed import FeedGenerator

from ..tagging.tag import Topic
from ..text import is_safe_url, slugify
from .site import PaperView, SiteInfo, newest, page_path

FEEDS = "feeds"
FEED_SIZE = 50
# Material's scripts fetch the sitemap.xml beside every <link rel="alternate"> of a page (they are
# meant for the site in other languages); the feed links every page carries for feed readers are
# such links, so without this file each page load asked for feeds/sitemap.xml and got a 404.
FEEDS_SITEMAP = f"{FEEDS}/sitemap.xml"


def feed_path(topic: Topic | None = None) -> str:
    """Where a feed is written, relative to the content folder."""
    return f"{FEEDS}/{topic.slug if topic else 'all'}.xml"


def _date(value: str | None) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        day = dt.date(1970, 1, 1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _link(site_url: str, page: str) -> str:
    # Without a site URL, links are relative to the feed (feeds/x.xml), which Atom allows.
    return f"{site_url.rstrip('/')}/{page}" if site_url else f"../{page}"


def render_feed(
    papers: Sequence[PaperView], info: SiteInfo, site_url: str, topic: Topic | None = None,
) -> str:
    """An Atom feed of the most recently added papers, newest first; same input, same bytes."""
    recent = newest(papers, FEED_SIZE)
    name = slugify(info.title) or "reading-list"
    feed = FeedGenerator()
    feed.id(f"urn:sitegen:{name}:{topic.slug if topic else 'all'}")
    feed.title(f"{info.title}: {topic.name}" if topic else info.title)
    feed.subtitle(topic.description if topic else info.description)
    own = feed_path(topic)
    feed.link(href=f"{site_url.rstrip('/')}/{own}" if site_url else own.rpartition("/")[2], rel="self")
    if site_url:
        feed.link(href=site_url, rel="alternate")
    feed.language("en")
    feed.generator("sitegen")
    feed.updated(max((_date(p.added) for p in recent), default=_date(None)))
    for paper in reversed(recent):  # feedgen lists the entry added last first
        entry = feed.add_entry()
        entry.id(f"urn:sitegen:{name}:papers:{paper.slug}")
        entry.title(paper.title)
        # One link only: feedgen 1.0 writes entry links without their rel, so a
        # second (code) link would read as a second "alternate" and break the feed.
        entry.link(href=_link(site_url, page_path(paper.slug, info.paper_urls)), rel="alternate")
        code = f"\n\nCode: {paper.code}" if paper.code and is_safe_url(paper.code) else ""
        entry.summary((paper.abstract or "No abstract.") + code)
        for author in paper.authors[:20]:
            entry.author({"name": author})
        for tag in paper.tags:
            entry.category(term=tag)
        entry.updated(_date(paper.added))
        entry.published(_date(paper.added))
    text: bytes = feed.atom_str(pretty=True)
    return text.decode("utf-8")


def render_feeds_sitemap(feeds: Sequence[str], site_url: str) -> str:
    """The sitemap of the feeds folder: its feeds (paths as feed_path gives them) when the site's URL is set.

    A sitemap lists absolute URLs only, so without a site URL it lists none.
    """
    base = site_url.rstrip("/")
    urls = "".join(f"<url><loc>{escape(f'{base}/{path}')}</loc></url>\n" for path in feeds) if base else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n')
