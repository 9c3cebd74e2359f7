"""The ``sitegen`` MkDocs plugin: lays pages out, keeps untrusted titles inert, picks the search.

Layouts: the paper layout, ``main.html`` and the reading-list scripts and
stylesheet ship inside the package (``sitegen/theme/``). The plugin puts that
folder on the theme's search path, after the project's own ``custom_dir``
and before Material's templates, so a project needs no copy of them, gets
new layouts with every upgrade, and still overrides any one file by putting
its own in ``custom_dir``. MkDocs copies the assets from there as it copies
a theme's.

MkDocs and Material put a page's front-matter ``title`` into ``<title>``, the
header, the ``<h1>``, the search index and the tag listings without escaping
it. Paper titles come from untrusted listings, so the plugin HTML-escapes
every page's title, once, before any template or other plugin sees it.
List it first under ``plugins:`` in mkdocs.yml.

Front matter: MkDocs loads every page's YAML itself, and a page using YAML
anchors and aliases (a "billion laughs") hung the build in whatever walked its
values. The plugin reads each page's source first and serves a page whose
front matter sitegen refuses (see `safeyaml`) without it, saying so.

Search: Material's search builds its index in the browser, which takes
seconds and hundreds of MB from a few thousand papers on. From
``pagefind_from`` papers on (or with ``search: pagefind``) the plugin turns
Material's search off, indexes the pages with Pagefind (a chunked static
index) as they are rendered, in parts of bounded memory (see
`pagefind_index`), and the same search box queries that instead.

Size: every page is minified (``minify: false`` keeps them as rendered), the
links sitegen writes as HTML into topic lists get their pages' URLs, and
paper pages' texts are let go once written (MkDocs keeps every page's to the
end of the build).

Speed: paper pages in the shape sitegen writes are read and rendered without
PyYAML and Python-Markdown, and topic pages' lists skip Python-Markdown
(`fastpage`; ``fast_pages: false`` renders everything the usual way).
"""

from __future__ import annotations

import html
import json
import logging
import os
import posixpath
import re
from pathlib import Path
from typing import Any

import minify_html
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File

from .. import safeyaml
from ..config import ConfigError, find_project, load_config
from ..filememo import FileMemo
from ..output.related import RELATED
from ..output.site import GENERATED
from ..pages import _front_matter_span, parse_page, slug_of
from ..text import clean_text
from . import fastpage, fastshell, papershell
from .layouts import THEME
from .pagefind_index import PART_WORDS, Ledger, PagefindError, SiteIndex, index_site
from .pagefind_index import lower_priority as lower_priority  # used by `sitegen serve`

log = logging.getLogger("mkdocs.plugins.sitegen")

_ESCAPED_KEYS = ("title", "description")
# Material's browser-built index took 0.9 s and 80 MB at 1,000 papers, 11.7 s and 615 MB at 8,000.
PAGEFIND_FROM = 1000
SEARCH_MODES = ("auto", "material", "pagefind")


class SitegenConfig(base.Config):  # type: ignore[no-untyped-call]
    """Options of the plugin in mkdocs.yml."""

    search = c.Choice(SEARCH_MODES, default="auto")
    pagefind_from = c.Type(int, default=PAGEFIND_FROM)
    pagefind_part_words = c.Type(int, default=PART_WORDS)  # bounds Pagefind's memory (see pagefind_index)
    minify = c.Type(bool, default=True)
    fast_pages = c.Type(bool, default=True)


def uses_pagefind(setting: str, papers: int, threshold: int = PAGEFIND_FROM) -> bool:
    """Whether the site searches with Pagefind: when asked to, or automatically for large lists."""
    return setting == "pagefind" or (setting == "auto" and papers >= threshold)


def paper_urls(config: Any) -> str:
    """The project's [tool.sitegen] `paper_urls` (pyproject.toml beside mkdocs.yml, or above it)."""
    folder = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
    try:
        return load_config(find_project(folder)).paper_urls
    except ConfigError as exc:
        raise PluginError(f"sitegen: {exc}") from exc


def count_papers(docs_dir: Path) -> int:
    """How many paper pages the docs folder holds (hidden ones included: no file is parsed)."""
    try:
        with os.scandir(docs_dir / "papers") as entries:
            return sum(1 for entry in entries if entry.name.endswith(".md"))
    except OSError:
        return 0


class SitegenPlugin(BasePlugin[SitegenConfig]):  # type: ignore[no-untyped-call]
    """Escape page titles, hide hidden and merged papers, map topic names to topic pages, pick the search."""

    def __init__(self) -> None:
        self.topic_urls: dict[str, str] = {}
        self.related: dict[str, list[tuple[str, str]]] = {}
        self.files: Any = None
        self.pagefind = False
        self.index_later = False  # `sitegen serve` runs Pagefind itself, in the background
        self.index: SiteIndex | None = None  # Pagefind's index, taking the pages as they are rendered
        self.ledger: Ledger | None = None  # `sitegen serve`'s: what the index holds of each page
        self.dirty = False  # `mkdocs build --dirty`: only pages newer than their output are rendered
        self.fast_path: fastpage.FastPath | None = None
        self.raw_blocks: fastpage.RawBlocks | None = None
        self.paper_urls = "directory"
        self.clipboard = True  # pages can copy to the clipboard (see papershell)
        self.dialog = True  # paper pages keep Material's dialog
        self.shells: fastshell.Shells | None = None  # the paper pages' shared shell (see fastshell)

    def on_config(self, config: Any) -> Any:
        """Add sitegen's layouts to the theme; pick the search (with Pagefind, Material's builds no index)."""
        add_layouts(config["theme"])
        papers = count_papers(Path(config["docs_dir"]))
        self.pagefind = uses_pagefind(self.config.search, papers, self.config.pagefind_from)
        if self.pagefind:
            for name in ("material/search", "search"):
                plugin = config["plugins"].get(name)
                if plugin is not None and hasattr(plugin.config, "enabled"):
                    plugin.config.enabled = False
        self.fast_path = fastpage.FastPath() if self.config.fast_pages else None
        self.raw_blocks = fastpage.RawBlocks() if self.config.fast_pages else None
        self.paper_urls = paper_urls(config)
        self.clipboard = papershell.uses_clipboard(config["theme"]["features"] or [], not self.pagefind)
        self.dialog = self.clipboard or bool(config["extra_javascript"])
        return config

    def on_files(self, files: Any, config: Any) -> Any:
        """Take hidden paper pages, and pages a curator merged into another, off the site."""
        self.topic_urls = {}
        self.related = load_related(Path(config["docs_dir"]) / RELATED)
        merged = []
        for file in list(files.documentation_pages()):
            if not file.src_uri.startswith("papers/"):
                continue
            meta = off_site_keys(file.abs_src_path)
            if meta.get("hidden") is True:
                files.remove(file)
            elif meta.get("duplicate_of"):
                merged.append((file, slug_of(str(meta["duplicate_of"]))))
        # As in `sitegen build`: a merge into a page that does not exist is ignored.
        for file, target in merged:
            if target and files.get_file_from_path(f"papers/{target}.md") is not None:
                files.remove(file)
        for file in [f for f in files if unread_asset(f.src_uri, self.pagefind)]:
            files.remove(file)
        if self.paper_urls == "file":  # papers/<slug>.html: no folder a paper (see config.PAPER_URLS)
            for file in files.documentation_pages():
                if file.src_uri.startswith("papers/"):
                    # Where MkDocs puts the file without directory URLs (set in place: removing
                    # 100,000 files from the list one by one would take minutes).
                    plain = File(file.src_uri, file.src_dir, file.dest_dir, use_directory_urls=False)
                    file.dest_uri, file.url = plain.dest_uri, plain.url
                    file.abs_dest_path = plain.abs_dest_path
        self.files = files
        return files

    def on_pre_page(self, page: Any, config: Any, files: Any) -> Any:
        """Paper pages in the shape sitegen writes get their HTML without Python-Markdown (`fastpage`)."""
        if self.fast_path is not None and page.file.src_uri.startswith("papers/"):
            self.fast_path.install(page)
        return page

    def on_page_read_source(self, page: Any, config: Any) -> str | None:
        """A page's source, without its front matter if sitegen refuses it (anchors, aliases, size, depth)."""
        try:
            text: str = page.file.content_string
        except (OSError, ValueError):
            return None  # MkDocs reads it again and reports the error
        spans = _front_matter_span(text)
        if spans is None:
            return text
        (start, end), body_start = spans
        refused = safeyaml.refusal(text[start:end])
        if refused is None:
            return text
        log.info("sitegen: %s/%s:%d: %s; page built without its front matter (`sitegen check` reports it)",
                 Path(config["docs_dir"]).name, page.file.src_uri, refused.line + 1, refused.reason)
        return "---\n{}\n---\n" + text[body_start:]  # an empty mapping: MkDocs reads no meta from the body

    def on_page_markdown(self, markdown: str, page: Any, config: Any, files: Any) -> str:
        """Escape front-matter text that themes print as raw HTML; note topic page URLs."""
        for key in _ESCAPED_KEYS:
            value = page.meta.get(key)
            if value is not None:
                page.meta[key] = html.escape(clean_text(str(value))[0], quote=True)
        if "title" in page.meta:
            page.title = page.meta["title"]
        topic = page.meta.get("topic")
        if isinstance(topic, str):
            self.topic_urls[topic] = page.url
        if self.raw_blocks is not None and page.meta.get("generated_by") == GENERATED:
            return self.raw_blocks.set_aside(page, markdown, config)
        return markdown

    @event_priority(100)  # first: other plugins see the blocks put back
    def on_page_content(self, html: str, page: Any, config: Any, files: Any) -> str:
        """Blocks set aside from generated pages are put back; links to pages in the HTML that
        sitegen writes into them point at their URLs; paper pages lose what they never show."""
        if self.raw_blocks is not None:
            html = self.raw_blocks.put_back(page, html)
        if page.file.src_uri.startswith("papers/"):
            html = papershell.trim_content(page, html)
            if self.config.fast_pages and fastshell.eligible(page):
                page.meta["template"] = fastshell.DISPATCH  # until on_post_page: see on_page_context
        if page.meta.get("generated_by") == GENERATED:
            return page_links(html, page, files)
        return html

    def on_env(self, env: Any, config: Any, files: Any) -> Any:
        """Paper pages of this build's templates share one shell (`fastshell`)."""
        # After every page is read (on_page_content), before any is rendered; a pass of `sitegen
        # serve` renders with the whole build's templates, and so with its shells.
        shared = self.config.fast_pages and not fastshell.own_templates(config["theme"].custom_dir)
        self.shells = fastshell.Shells(env) if shared else None
        return env

    @event_priority(-100)  # last: the paper pages' shell is rendered from the context as it will be
    def on_page_context(  # type: ignore[override]
        self, context: dict[str, Any], page: Any, config: Any, nav: Any
    ) -> dict[str, Any]:
        """Give the paper template the topic page URLs and the page's related papers; render a paper
        page from the shared shell where it can be."""
        context["topic_urls"] = dict(self.topic_urls)
        related = []
        if page.file.src_uri.startswith("papers/") and self.files is not None:
            slug = page.file.src_uri.removeprefix("papers/").removesuffix(".md")
            for other, title in self.related.get(slug, []):
                target = self.files.get_file_from_path(f"papers/{other}.md")
                if target is not None:  # hidden papers have no page
                    related.append({"url": target.url, "title": title})
        context["related"] = related
        context["sitegen_search"] = "pagefind" if self.pagefind else "material"
        context["sitegen_clipboard"] = self.clipboard
        if page.meta.get("template") == fastshell.DISPATCH:
            # MkDocs picked the dispatching layout before this event: it prints what this renders.
            context["sitegen_shell_output"] = (self.shells.render(page, context) if self.shells is not None
                                               else None)
        return context

    @event_priority(-100)  # last: after every other plugin changed the page
    def on_post_page(self, output: str, page: Any, config: Any) -> str:
        """Minify the page's HTML (whitespace, optional quotes); let the page's text go once written."""
        # MkDocs keeps every page's Markdown and HTML to the end of the build (100,000 paper pages);
        # MkDocs reads neither after this event (anchors are checked from page.present_anchor_ids).
        if page.meta.get("template") == fastshell.DISPATCH:
            page.meta["template"] = fastshell.LAYOUT
        if page.file.src_uri.startswith("papers/"):
            page.markdown = page.content = None
            output = papershell.trim_page(output, self.dialog)
        output = minify(output) if self.config.minify else output
        if self.index is not None:
            self._index_page(page, output)
        return output

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Note a dirty build: it renders only some pages, so Pagefind indexes the site afterwards."""
        self.dirty = dirty

    def on_pre_build(self, config: Any) -> None:
        """With Pagefind: start its index, which takes each page as it is rendered."""
        if self.index is not None:  # a build that failed before its end
            self.index.close()
        self.index = None
        if self.pagefind and not self.index_later and not self.dirty:
            self.index = SiteIndex(Path(config["site_dir"]) / "pagefind",
                                   part_words=max(1, self.config.pagefind_part_words), ledger=self.ledger)

    def _index_page(self, page: Any, output: str) -> None:
        assert self.index is not None
        try:
            self.index.add("/" + page.url, output)
        except PagefindError as exc:
            self.index.close()
            self.index = None
            raise _pagefind_error(exc) from exc

    def on_build_error(self, error: Exception) -> None:
        """Stop Pagefind when the build stops."""
        if self.index is not None:
            self.index.close()
            self.index = None

    @event_priority(-100)  # after Material's search plugin has written its index
    def on_post_build(self, config: Any) -> None:
        """Index the site with Pagefind, or shrink Material's index (empty sections, repeated tags)."""
        if self.index is not None:
            index, self.index = self.index, None
            try:
                index.finish()
            except PagefindError as exc:
                raise _pagefind_error(exc) from exc
        elif self.pagefind:
            if not self.index_later:  # a dirty build: the pages it did not render are indexed too
                run_pagefind(Path(config["site_dir"]))
        else:
            compact_search_index(Path(config["site_dir"]) / "search" / "search_index.json")


# Assets that MkDocs renders as templates (with the configuration) rather than copies.
STATIC_TEMPLATES = ("assets/stylesheets/sitegen.css", "assets/stylesheets/sitegen-icons.css",
                    "assets/javascripts/sitegen-palette.js", "assets/javascripts/sitegen-search.js")


def add_layouts(theme: Any) -> None:
    """Put sitegen's templates and assets on the theme's path: after custom_dir, before the theme's own."""
    theme.static_templates.update(STATIC_TEMPLATES)
    folder = str(THEME)
    if folder in theme.dirs:  # `mkdocs serve` loads the configuration again on every rebuild
        return
    custom = theme.custom_dir
    theme.dirs.insert(theme.dirs.index(custom) + 1 if custom in theme.dirs else 0, folder)


# Links to pages that sitegen writes into the HTML of generated pages (topic lists): page.md names.
_PAGE_LINK = re.compile(r'href="([^":#?]+\.md)"')


def page_links(content: str, page: Any, files: Any) -> str:
    """`href="x.md"` links of a page's HTML made the URLs of those pages, as MkDocs does in Markdown."""
    folder = posixpath.dirname(page.file.src_uri)
    found: dict[str, str] = {}

    def url(match: re.Match[str]) -> str:
        href = match.group(1)
        if href not in found:
            target = files.get_file_from_path(posixpath.normpath(posixpath.join(folder, href)))
            found[href] = html.escape(target.url_relative_to(page.file)) if target is not None else href
        return f'href="{found[href]}"'

    return _PAGE_LINK.sub(url, content)


def minify(page: str) -> str:
    """A page's HTML without what a browser does not need; scripts and styles are left as they are.

    minify-html (Rust) takes about 0.6 ms a paper page; mkdocs-minify-plugin's
    htmlmin took 5.6 ms for the same bytes.
    """
    # Closing tags stay: Pagefind's parser does not close a <p data-pagefind-ignore> at the next
    # heading as browsers do, and left the abstract that follows it out of the index.
    small = str(minify_html.minify(page, minify_js=False, minify_css=False, keep_closing_tags=True))
    # minify-html decodes &lt; in <title>, where browsers read text only (RCDATA); tools that parse
    # HTML more loosely would see tags in an untrusted title there, so it is escaped again.
    start, end = small.find("<title>"), small.find("</title>")
    if 0 <= start < end:
        start += len("<title>")
        small = small[:start] + small[start:end].replace("<", "&lt;") + small[end:]
    return small


def unread_asset(uri: str, pagefind: bool) -> bool:
    """Whether a theme file is one no reader's browser fetches: source maps of Material's minified
    files (for debugging Material itself), and with Pagefind its search worker and lunr's languages.
    Together 2.2 MB of every site with Pagefind; left out of site/ (0.28 KB a paper at 8,000)."""
    if uri.startswith("assets/") and uri.endswith((".min.js.map", ".min.css.map")):
        return True
    return pagefind and uri.startswith(("assets/javascripts/workers/", "assets/javascripts/lunr/"))


def run_pagefind(site_dir: Path, output: Path | None = None, background: bool = False,
                 ledger: Ledger | None = None) -> None:
    """Index the built site with Pagefind (the pagefind[bin] package); its files go to site/pagefind/
    (or to `output`); `background`: at a lower CPU priority; `ledger`: notes what it indexed of each page."""
    try:
        index_site(site_dir, output or site_dir / "pagefind", background, ledger=ledger)
    except PagefindError as exc:
        raise _pagefind_error(exc) from exc


def _pagefind_error(exc: PagefindError) -> PluginError:
    return PluginError(f"sitegen: Pagefind could not index the site: {exc}\n"
                       "  hint: pip install 'pagefind[bin]', or give the sitegen plugin "
                       "`search: material` in mkdocs.yml")


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


def off_site_keys(path: str) -> dict[str, Any]:
    """The `hidden` and `duplicate_of` of a paper page (remembered while the page is unchanged)."""
    return dict(_OFF_SITE.get(path))


def _read_off_site_keys(path: str) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):  # reported by MkDocs itself
        return {}
    # MkDocs parses every page again later: only pay for YAML here when needed.
    if "hidden" not in text and "duplicate_of" not in text:
        return {}
    page = parse_page(Path(path), text, Path(path).name)[0]
    return off_site_meta(page.meta if page is not None else {})


def off_site_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """The front-matter keys that take a page off the site (hidden, duplicate_of), as the page has them."""
    return {key: meta[key] for key in ("hidden", "duplicate_of") if key in meta}


def load_related(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Related papers (slug, title) by page slug, from the file `sitegen build` writes."""
    return _RELATED.get(str(path))


def _read_related(name: str) -> dict[str, list[tuple[str, str]]]:
    path = Path(name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        slugs, titles = data["slugs"], data["titles"]
        return {slugs[i]: [(slugs[j], str(titles[j])) for j in row] for i, row in enumerate(data["related"])}
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return {}


# `sitegen serve` builds many times in one process: what the last build read of a file that has
# not changed since is kept (at 10,000 papers reading the pages and related papers again took 8 s).
_OFF_SITE = FileMemo(_read_off_site_keys)
_RELATED = FileMemo(_read_related)
