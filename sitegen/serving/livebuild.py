"""MkDocs passes that keep the site's files, navigation and templates, and render only what changed.

A MkDocs build, even a "dirty" one, lists every file of the docs folder,
creates a page object for each, builds the navigation, compiles the theme's
templates and renders the 404 page and sitemap: 5 to 8 s at 10,000 papers
before the one saved page is rendered. `LiveSite` runs MkDocs' own build
once, keeps what it gathered (the configuration and its plugins, the files,
the navigation, the template environment) and then takes each change
through MkDocs' own page pipeline, for the pages it touches:

- a changed page is read and rendered again (its plugins' events included);
- a page added or removed outside the navigation (a paper page) is put in or
  taken out of the file list; the sitemap and 404 page follow;
- a change to the navigation (a page added or removed in it, a title of one
  of its pages changed) renders every page that shows it;
- other files (exports, feeds) are copied;
- related papers that changed (sitegen's `.sitegen/related.json`) make the
  paper pages that show them `pending`, for the caller to render after the
  pages the change was about;
- a topic page added, removed or now for another topic renders the pages
  tagged with that topic (their topic chips link to it);
- pages can be shown from text in memory before their files are written
  (`preview`: a new dump's papers), until a pass ends the preview and the
  files take their place.

A change to the top of the navigation (which paper pages show) takes
MkDocs' whole build again. The site left is the one a whole build makes of
the same files; the tests compare the two after each kind of change.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mkdocs.commands import build as mkdocs_build_module
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config as load_mkdocs_config
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel, get_files, set_exclusions
from mkdocs.structure.nav import get_navigation
from mkdocs.structure.pages import Page

from ..mkdocs_plugin.pagefind_index import Ledger
from ..mkdocs_plugin.plugin import SitegenPlugin, load_related, off_site_keys, off_site_meta
from ..output.related import RELATED

# The page pipeline of MkDocs 1.6 (read, Markdown, plugins' page events, template, write), as a
# whole build runs it for every page.
_populate_page = mkdocs_build_module._populate_page
_build_page = mkdocs_build_module._build_page
_build_theme_template = mkdocs_build_module._build_theme_template
_build_extra_template = mkdocs_build_module._build_extra_template
_SERVE: Any = InclusionLevel.is_in_serve  # `mkdocs serve` shows drafts too, as the whole build here does
_PAPERS = "papers/"


class _Keep(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    """Registered last: keeps what a whole build gathered, for the passes after it."""

    files: Any = None
    nav: Any = None
    env: Any = None
    kept: tuple[Path, Path] | None = None  # the search's index set aside, and where it goes back

    @event_priority(-200)
    def on_files(self, files: Any, config: Any) -> Any:
        self.files = files
        if self.kept is not None and self.kept[0].is_dir() and not self.kept[1].exists():
            self.kept[0].rename(self.kept[1])  # MkDocs has emptied the site folder (just before this event)
        return files

    @event_priority(-200)
    def on_nav(self, nav: Any, config: Any, files: Any) -> Any:
        self.nav = nav
        return nav

    @event_priority(-200)
    def on_env(self, env: Any, config: Any, files: Any) -> Any:
        self.env = env
        return env


@dataclass
class Pass:
    """What one pass did."""

    rendered: list[str]  # src URIs of the pages rendered (Pagefind, if used, is the caller's to run)
    whole: bool = False  # MkDocs' whole build ran
    written: list[str] = field(default_factory=list)  # the files of the pages rendered or taken off the site


def _nav_top(nav: Any) -> list[tuple[str, str]]:
    """What paper pages show of the navigation: its top items' titles and first pages."""
    top = []
    for item in nav.items:
        target = item if getattr(item, "is_page", False) else next(
            (c for c in getattr(item, "children", None) or [] if getattr(c, "is_page", False)), None)
        top.append((str(item.title), str(getattr(target, "url", ""))))
    return top


def _nav_pages(shown: Any) -> list[str]:
    return [f.src_uri for f in shown if f.inclusion.is_in_nav()]


class LiveSite:
    """A site built once by MkDocs, then brought up to date page by page."""

    def __init__(self, config_file: Path, site_dir: Path, serve_url: str) -> None:
        self.config_file, self.site_dir, self.serve_url = config_file, site_dir, serve_url
        self.config: Any = None
        self._keep = _Keep()
        self._nav_pages: list[str] = []  # the pages in the navigation
        # Pages to render again that no change named: passes render them when asked (`update(batch)`).
        self.pending: set[str] = set()
        # Pages shown from text given to `preview`, in place of (or beside) the docs folder's, until a
        # pass ends the preview.
        self._previews: dict[str, File] = {}

    @property
    def plugin(self) -> SitegenPlugin | None:
        """The sitegen plugin of the configuration in use, if the site has one."""
        found = self.config.plugins.get("sitegen") if self.config is not None else None
        return found if isinstance(found, SitegenPlugin) else None

    def whole(self, index_now: bool = True, ledger: Ledger | None = None) -> None:
        """MkDocs' whole build, with the configuration read again; what it gathered is kept.

        `index_now`: Pagefind indexes the pages as they are rendered (noting them in `ledger`); else
        the index already in the site is kept (the caller indexes the site again)."""
        if self.config is not None:
            self.config.plugins.on_shutdown()
        config = load_mkdocs_config(config_file=str(self.config_file), site_dir=str(self.site_dir))
        config.site_url = self.serve_url
        config.plugins["sitegen-serve"] = self._keep = _Keep()
        self.config = config
        plugin = self.plugin
        if plugin is not None:
            plugin.index_later = not index_now  # Pagefind runs in the background then
            plugin.ledger = ledger if index_now else None
        # MkDocs empties the site folder first (all but hidden files): the search's index is set aside.
        index, kept = self.site_dir / "pagefind", self.site_dir / ".pagefind-kept"
        keep = not index_now and index.is_dir()
        if keep:
            shutil.rmtree(kept, ignore_errors=True)
            index.rename(kept)
            self._keep.kept = (kept, index)
        try:
            config.plugins.on_startup(command="serve", dirty=False)
            mkdocs_build(config, serve_url=self.serve_url, dirty=False)
        finally:
            if keep and not index.exists():
                kept.rename(index)
            if plugin is not None:
                plugin.ledger = None
        self.pending = set()
        self._previews = {}
        self._nav_pages = _nav_pages(self._keep.files.documentation_pages(inclusion=_SERVE))
        if plugin is not None:
            plugin.index_later = True  # the passes after it leave Pagefind to the caller (see `Pass`)

    def close(self) -> None:
        """The plugins' end of the session."""
        if self.config is not None:
            self.config.plugins.on_shutdown()

    @property
    def previewing(self) -> bool:
        """Whether pages given to `preview` are shown."""
        return bool(self._previews)

    def preview(self, now: dict[str, str], later: dict[str, str]) -> Pass:
        """Show pages from the text given (paths relative to the docs folder) instead of the files.

        The pages of `now` are rendered in this pass, those of `later` are
        made pending. They stay until a pass with `end_preview` (or a whole
        build): that one renders what the docs folder then holds at their
        paths, and removes what it does not. Pages in the navigation can be
        previewed only where the docs folder has them already.
        """
        config, keep = self.config, self._keep
        files: Any = keep.files
        chosen: list[File] = []
        for uri, text in {**later, **now}.items():
            before = self._previews.get(uri)
            if before is not None and before.content_string == text:
                continue  # previewed so already (a dump before this one, not built yet)
            file: Any = File.generated(config, uri, content=text)
            old = files.get_file_from_path(uri)
            if old is None:
                set_exclusions([file], config)
                if file.inclusion.is_in_nav() or not file.is_documentation_page():
                    continue  # the navigation would change: MkDocs' whole build is for that
                Page(None, file, config)
            else:
                files.remove(old)
                file.inclusion = old.inclusion
                if old.page is not None:  # the navigation holds the page: it now reads the preview
                    file.page, old.page.file = old.page, file
            files.append(file)
            self._previews[uri] = file
            chosen.append(file)
        self.pending |= {file.src_uri for file in chosen if file.src_uri in later}
        shown = files.documentation_pages(inclusion=_SERVE)
        pages = [file.page for file in chosen if file.src_uri in now and file.page is not None]
        # Each page read just before it is rendered: the first ones are served while the rest follow.
        self._render(pages, files, shown, set(), templates=False, read=True)
        return Pass([page.file.src_uri for page in pages],
                    written=[page.file.abs_dest_path for page in pages])

    def update(self, changed: Iterable[str], end_preview: bool = True) -> Pass:
        """Render what changed files of the docs folder (paths relative to it, "/"-separated) need.

        `end_preview`: pages shown by `preview` give way to the docs folder's
        files (else they stay, and a change of their files is not shown).
        """
        config, keep, plugin = self.config, self._keep, self.plugin
        docs = Path(config.docs_dir)
        old: Any = keep.files
        changed = set(changed)
        ending = end_preview and self.previewing
        if ending:
            changed |= set(self._previews)
        # A file added or removed, or a paper page hidden, shown or merged (the plugin's on_files
        # decides), changes the file list.
        relist = ending or any(
            not (docs / uri).is_file() or (file := old.get_file_from_path(uri)) is None
            or (uri.startswith(_PAPERS) and uri.endswith(".md")
                and self._off_site(file) != off_site_keys(str(docs / uri)))
            for uri in changed)
        nav_before, top_before = self._nav_pages, _nav_top(keep.nav)
        topics_before = dict(plugin.topic_urls) if plugin is not None else {}
        related_before = plugin.related if plugin is not None else {}
        files = self._relist(old, ending) if relist else old
        removed = []
        if relist:
            for file in old:  # off the site now: deleted, hidden or merged
                if files.get_file_from_path(file.src_uri) is None:
                    Path(file.abs_dest_path).unlink(missing_ok=True)
                    removed.append(file.abs_dest_path)
            changed |= {f.src_uri for f in files if old.get_file_from_path(f.src_uri) is None}
        elif plugin is not None:
            plugin.related = load_related(docs / RELATED)
        shown = files.documentation_pages(inclusion=_SERVE)
        self._nav_pages = _nav_pages(shown) if relist else nav_before
        nav_changed = self._nav_pages != nav_before
        if nav_changed:
            keep.nav = config.plugins.on_nav(get_navigation(files, config), config=config, files=files)
            if _nav_top(keep.nav) != top_before:
                return self._whole()

        pages = [f.page for f in shown if f.src_uri in changed and f.page is not None]
        if plugin is not None and plugin.related is not related_before:
            # Paper pages whose related papers changed: after what the change is about (a new dump
            # changes the related papers of a thousand pages at 10,000), see `pending`.
            slugs = {slug for slug in plugin.related.keys() | related_before.keys()
                     if plugin.related.get(slug) != related_before.get(slug)}
            self.pending |= {f"{_PAPERS}{slug}.md" for slug in slugs} - changed
        self.pending -= changed
        self.pending = {uri for uri in self.pending if files.get_file_from_path(uri) is not None}
        titles = {page.file.src_uri: page.title for page in pages}
        for page in pages:
            _populate_page(page, config, files)
        # A title the navigation shows changed: every page showing the navigation is rendered again.
        nav_changed |= any(page.title != titles[page.file.src_uri] for page in pages
                           if page.file.inclusion.is_in_nav())
        if nav_changed:
            if _nav_top(keep.nav) != top_before:
                return self._whole()
            extra = [f.page for f in shown
                     if not f.src_uri.startswith(_PAPERS) and f.page is not None and f.page not in pages]
            for page in extra:
                _populate_page(page, config, files)
            pages += extra
        if plugin is not None:
            # A topic page added, gone or now for another topic: the topic chips of its papers change.
            plugin.topic_urls = topics = self._topic_urls(shown, topics_before)
            moved = {t for t in topics.keys() | topics_before.keys() if topics.get(t) != topics_before.get(t)}
            extra = [f.page for f in shown if moved and f.page is not None and f.page not in pages
                     and moved.intersection(_tags(f.page.meta))]
            for page in extra:
                _populate_page(page, config, files)
            pages += extra
        self._render(pages, files, shown, changed, templates=relist or nav_changed)
        return Pass([page.file.src_uri for page in pages],
                    written=[page.file.abs_dest_path for page in pages] + removed)

    def _render(self, pages: list[Any], files: Any, shown: Any, changed: set[str], templates: bool,
                read: bool = False) -> None:
        """Render the pages read (`read`: read each first), copy the other files changed; `templates`: the
        404 page and sitemap too."""
        config, keep = self.config, self._keep
        for file in files:  # exports, feeds and other files are copied as they are
            if file.src_uri in changed and not file.is_documentation_page() and _SERVE(file.inclusion):
                file.copy_file()
        search = self._search_index()
        if search is not None:
            urls = {page.url for page in pages}
            search.entries = [e for e in search.entries if _page_url(e) not in urls]
        for page in pages:
            if read:
                _populate_page(page, config, files)
            _build_page(page, config, shown, keep.nav, keep.env, excluded=page.file.inclusion.is_excluded())
        if templates:  # the 404 page shows the navigation, the sitemap every page
            for template in config.theme.static_templates:
                _build_theme_template(template, keep.env, files, config, keep.nav)
            for template in config.extra_templates:
                _build_extra_template(template, files, config, keep.nav)
        for page in pages:
            page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)
        if search is not None:  # in the order of a whole build: the pages' order, sections in order
            order = {f.page.url: n for n, f in enumerate(shown) if f.page is not None}
            search.entries = sorted((e for e in search.entries if _page_url(e) in order),
                                    key=lambda e: order[_page_url(e)])
        keep.files = files
        if pages or templates:
            config.plugins.on_post_build(config=config)

    def _whole(self) -> Pass:
        self.whole(index_now=False)
        return Pass([], whole=True)

    def _off_site(self, file: Any) -> dict[str, Any]:
        """The hidden and duplicate_of the file had when last read (what the plugin's cache holds)."""
        page = file.page if file is not None else None
        meta = page.meta if page is not None and page.meta else None
        if meta is None:  # not read since the whole build: its source then is what the plugin read
            return off_site_keys(file.abs_src_path) if file is not None else {}
        return off_site_meta(meta)

    def _relist(self, old: Any, ending: bool = False) -> Any:
        """The docs folder listed again, keeping the files (and their pages) already known.

        Previewed pages stay over the files listed, unless `ending`: then the
        files listed take their place (and their pages, where the navigation
        holds them).
        """
        config = self.config
        listed = get_files(config)
        known = {f.src_uri: f for f in old}
        fresh = [known.get(f.src_uri, f) if _same_file(known.get(f.src_uri), f) else f for f in listed]
        docs = {f.src_uri for f in fresh}
        fresh += [f for f in old if f.src_uri not in docs and f.src_dir != config.docs_dir
                  and f.src_uri not in self._previews]  # the theme's
        files = Files(fresh)
        files = config.plugins.on_files(files, config=config)
        set_exclusions(files, config)
        for uri, preview in self._previews.items():
            real = files.get_file_from_path(uri)
            if ending:
                if real is not None and real.page is None and preview.page is not None:
                    real.page, preview.page.file = preview.page, real
            else:
                if real is not None:
                    files.remove(real)
                files.append(preview)
        if ending:
            self._previews = {}
        for file in files.documentation_pages(inclusion=_SERVE):
            if file.page is None and file.inclusion.is_not_in_nav():
                Page(None, file, config)
        return files

    def _topic_urls(self, shown: Any, before: dict[str, str]) -> dict[str, str]:
        """Topic page URLs: those known, while their pages are still on the site, and those just read."""
        plugin = self.plugin
        assert plugin is not None
        urls = {f.page.url: f.page for f in shown if f.page is not None}
        found = {}
        for topic, url in {**before, **plugin.topic_urls}.items():
            page = urls.get(url)
            if page is not None and page.meta.get("topic", topic) == topic:
                found[topic] = url
        return found

    def _search_index(self) -> Any:
        """Material's search index, when its plugin is on (it collects each page's sections as rendered)."""
        for name in ("material/search", "search"):
            found = self.config.plugins.get(name)
            enabled = found is not None and getattr(found.config, "enabled", True)
            if enabled and hasattr(found, "search_index"):
                return found.search_index
        return None


def _tags(meta: Any) -> set[str]:
    """A page's tags as the paper layout reads them (a list, or nothing)."""
    tags = meta.get("tags") if isinstance(meta, dict) else None
    return {str(t) for t in tags if t is not None} if isinstance(tags, list) else set()


def _page_url(entry: dict[str, Any]) -> str:
    """The URL of the page a search index entry is a section of."""
    return str(entry["location"]).split("#")[0]


def _same_file(known: File | None, listed: File) -> bool:
    return known is not None and known.abs_src_path == listed.abs_src_path and known.url == listed.url

