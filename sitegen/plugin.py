"""The ``sitegen`` MkDocs plugin: keeps untrusted titles inert and links tags to topics.

MkDocs and Material put a page's front-matter ``title`` into ``<title>``, the
header, the ``<h1>``, the search index and the tag listings without escaping
it. Paper titles come from untrusted listings, so the plugin HTML-escapes
every page's title, once, before any template or other plugin sees it.
List it first under ``plugins:`` in mkdocs.yml.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import frontmatter
from mkdocs.plugins import BasePlugin, event_priority

from .pages import slug_of
from .related import RELATED

_ESCAPED_KEYS = ("title", "description")


class SitegenPlugin(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    """Escape page titles, hide hidden and merged papers, map topic names to topic pages."""

    def __init__(self) -> None:
        self.topic_urls: dict[str, str] = {}
        self.related: dict[str, list[tuple[str, str]]] = {}
        self.files: Any = None

    def on_files(self, files: Any, config: Any) -> Any:
        """Take hidden paper pages, and pages a curator merged into another, off the site."""
        self.topic_urls = {}
        self.related = _load_related(Path(config["docs_dir"]) / RELATED)
        merged = []
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
            if meta.get("hidden") is True:
                files.remove(file)
            elif meta.get("duplicate_of"):
                merged.append((file, slug_of(str(meta["duplicate_of"]))))
        # As in `sitegen build`: a merge into a page that does not exist is ignored.
        for file, target in merged:
            if target and files.get_file_from_path(f"papers/{target}.md") is not None:
                files.remove(file)
        self.files = files
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
        """Give the paper template the topic page URLs and the page's related papers."""
        context["topic_urls"] = dict(self.topic_urls)
        related = []
        if page.file.src_uri.startswith("papers/") and self.files is not None:
            slug = page.file.src_uri.removeprefix("papers/").removesuffix(".md")
            for other, title in self.related.get(slug, []):
                target = self.files.get_file_from_path(f"papers/{other}.md")
                if target is not None:  # hidden papers have no page
                    related.append({"url": target.url, "title": title})
        context["related"] = related
        return context

    @event_priority(-100)  # after Material's search plugin has written its index
    def on_post_build(self, config: Any) -> None:
        """Shrink the search index: paper sections without text, and tags repeated on sections."""
        compact_search_index(Path(config["site_dir"]) / "search" / "search_index.json")


def compact_search_index(path: Path) -> None:
    """Drop paper-page sections with no text (an unwritten Notes heading) and tags on sections.

    A paper page's own entry keeps its tags, so tag searches still find it;
    its sections repeating them only made the index bigger (about 300 bytes
    of every paper's 2 KB).
    """
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
        docs = index["docs"]
    except (OSError, ValueError, KeyError, TypeError):
        return  # no search plugin, or an index this plugin does not know: leave it
    kept = []
    for doc in docs:
        location = str(doc.get("location", ""))
        if location.startswith("papers/") and "#" in location:
            if not str(doc.get("text", "")).strip():
                continue
            doc.pop("tags", None)
        kept.append(doc)
    index["docs"] = kept
    path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _load_related(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Related papers (slug, title) by page slug, from the file `sitegen build` writes."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        slugs, titles = data["slugs"], data["titles"]
        return {slugs[i]: [(slugs[j], str(titles[j])) for j in row] for i, row in enumerate(data["related"])}
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return {}
