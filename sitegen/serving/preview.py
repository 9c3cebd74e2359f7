"""Generated pages rendered again from the paper pages on disk, for `sitegen serve` and topics.yml.

When only the taxonomy changed since the last build, a build reads and
deduplicates every source again (20 s at 10,000 records on a loaded
machine) to find no new paper: existing pages keep their tags (the
curator's), so what changes is what the generated pages show. `Preview`
keeps the paper pages read (again only when a file changed) and renders the
home, topic, tags and untagged pages from them with the new taxonomy, as
the build's site stage does, and writes those that differ. The build runs
right after, in the background, for the rest (feeds, exports, its state)
and corrects anything the preview could not know.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..build import PAPERS, paper_view, shown, site_info
from ..config import Config
from ..filememo import FileMemo
from ..matching.reconcile import read_overrides
from ..models import display_path
from ..output.render import environment
from ..output.site import PaperView, render_site
from ..output.write import write_pages
from ..pages import Page, parse_page
from ..state import load_state
from ..tagging.tag import load_topics

Read = tuple[Page | None, PaperView | None]


class Preview:
    """The generated pages of a project, from its paper pages as they are now."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._memo = FileMemo(self._read)
        self._pages: list[Read] = []  # of every .md file in content/papers, by name
        self._env = environment()

    def _read(self, name: str) -> Read:
        path = Path(name)
        try:
            page = parse_page(path, path.read_text(encoding="utf-8"), display_path(path, self.config.root))[0]
        except (OSError, UnicodeDecodeError):
            page = None
        return page, (paper_view(page.slug, page.meta, page.abstract) if page is not None else None)

    def pages(self) -> list[Page]:
        """The paper pages that parse, read again only where the file changed since last time."""
        folder = self.config.content / PAPERS
        try:
            entries = sorted((e for e in os.scandir(folder) if e.name.endswith(".md")), key=lambda e: e.name)
        except OSError:
            entries = []
        self._pages = [self._memo.get(entry.path) for entry in entries]  # a file gone meanwhile: None
        self._memo.keep_only({entry.path for entry in entries})
        return [page for page, _ in self._pages if page is not None]

    def views(self) -> list[PaperView]:
        """What the generated pages show of each paper on the site, in the build's order."""
        alias = read_overrides(self.pages(), [], self.config.root).alias
        listed = sorted(((page, view) for page, view in self._pages
                        if page is not None and view is not None), key=lambda pv: pv[0].slug)
        return [view for page, view in listed if shown(page.slug, page.meta, alias)]

    def write(self) -> list[str] | None:
        """Write the generated pages that the taxonomy now makes different: the files written, or
        None when a preview cannot tell, and the build must run first.

        It cannot without a previous build (its figures are shown on the home
        page), when topics.yml has errors (the build reports them), or when a
        topic is added, renamed or removed (the build writes its feed and
        exports, which its page links to, and removes what is gone).
        """
        config = self.config
        figures = load_state(config.content).get("figures")
        if not isinstance(figures, dict):
            return None
        topics, problems = load_topics(config.topics, display_path(config.topics, config.root))
        records, files = figures.get("records"), figures.get("files")
        if (any(p.level == "error" for p in problems) or len(topics) != figures.get("topics")
                or not isinstance(records, int) or not isinstance(files, int)):
            return None
        info = site_info(config, records, files)
        pages = render_site(self._env, self.views(), topics, info)
        if any(not (config.content / rel).is_file() for rel in pages):
            return None
        stats = write_pages(config.content, pages)
        return stats.new + stats.updated
