"""The ``sitegen`` MkDocs plugin: keeps untrusted titles inert and links tags to topics.

MkDocs and Material put a page's front-matter ``title`` into ``<title>``, the
header, the ``<h1>``, the search index and the tag listings without escaping
it. Paper titles come from untrusted listings, so the plugin HTML-escapes
every page's title, once, before any template or other plugin sees it.
List it first under ``plugins:`` in mkdocs.yml.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import frontmatter
from mkdocs.plugins import BasePlugin

_ESCAPED_KEYS = ("title", "description")


class SitegenPlugin(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    """Escape page titles, hide hidden and merged papers, map topic names to topic pages."""

    def __init__(self) -> None:
        self.topic_urls: dict[str, str] = {}

    def on_files(self, files: Any, config: Any) -> Any:
        """Take hidden paper pages, and pages a curator merged into another, off the site."""
        self.topic_urls = {}
        for file in list(files.documentation_pages()):
            if not file.src_uri.startswith("papers/"):
                continue
            try:
                text = Path(file.abs_src_path).read_text(encoding="utf-8")
                # MkDocs parses every page again later: only pay for YAML here when needed.
                meta = (frontmatter.loads(text).metadata
                        if "hidden" in text or "duplicate_of" in text else {})
            except Exception:  # a page that does not parse is reported by MkDocs itself
                continue
            if meta.get("hidden") is True or meta.get("duplicate_of"):
                files.remove(file)
        return files

    def on_page_markdown(self, markdown: str, page: Any, config: Any, files: Any) -> str:
        """Escape front-matter text that themes print as raw HTML; note topic page URLs."""
        for key in _ESCAPED_KEYS:
            value = page.meta.get(key)
            if value is not None:
                page.meta[key] = html.escape(str(value), quote=True)
        if "title" in page.meta:
            page.title = page.meta["title"]
        topic = page.meta.get("topic")
        if isinstance(topic, str):
            self.topic_urls[topic] = page.url
        return markdown

    def on_page_context(  # type: ignore[override]
        self, context: dict[str, Any], page: Any, config: Any, nav: Any
    ) -> dict[str, Any]:
        """Give the paper template a map from topic name to topic page URL."""
        context["topic_urls"] = dict(self.topic_urls)
        return context
