"""Paper pages rendered as one shell, the same for every paper page, around each page's own parts.

At 100,000 papers the paper layout's rendering was 43% of `mkdocs build`, and
the paper's own block (`content`: chips, title, byline, buttons, abstract,
notes, related papers, provenance) only 7%: the rest is Material's head,
header, drawer, footer and scripts, which come out the same on every paper
page. So the first paper pages are rendered in full, as before, and each is
cut into that shell and its own parts: the `content` block, the title (in
`<title>`), the canonical URL and the edit URL. Once two pages give the same
shell (within the first 20 pages of a kind), later pages get the shell filled
with their parts, byte for byte what the layout renders (every 500th page is
rendered in full again and compared; a difference ends the shortcut for the
rest of the build).

A page takes the shortcut only when nothing else of it can reach the shell:
its layout is sitegen's `paper.html` (no templates in the theme's
`custom_dir`: a curator's layout may print anything anywhere), its front
matter holds only the keys sitegen writes (a curator's `hide`, `description`
or `status`, read by Material's templates, take the full rendering), it is in
no navigation, and pages with another first heading, or with or without a
canonical or edit URL, have shells of their own.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..output.render import CITATION_KEYS

log = logging.getLogger("mkdocs.plugins.sitegen")

LAYOUT = "paper.html"
# The layout MkDocs is given for such pages: it prints the filled shell, or includes LAYOUT.
DISPATCH = "sitegen-paper-shell.html"

# Front-matter keys sitegen writes or reads on paper pages; the paper layout reads them in its
# content block only.
PAPER_KEYS = frozenset({
    "title", "hidden", "authors", "year", "venue", "published", "arxiv", "doi", "upvotes", "tags",
    "auto_tags", "keywords", "links", "listed", "added", "sources", "template", "distinct_from",
    "duplicate_of", *(key for key, _ in CITATION_KEYS)})
CHECK_EVERY = 500
MAX_TRIES = 20  # pages rendered in full before a kind of page is left to the layout
_MARKS = ("\x00content\x00", "\x00title\x00", "\x00canonical\x00", "\x00edit\x00")


def eligible(page: Any) -> bool:
    """Whether a page may take the shortcut: a paper page in the paper layout, with sitegen's keys only."""
    meta = page.meta
    return (page.file.src_uri.startswith("papers/") and meta.get("template") == LAYOUT
            and isinstance(meta.get("title"), str) and meta.keys() <= PAPER_KEYS
            and page.previous_page is None and page.next_page is None)  # in no navigation


def own_templates(custom_dir: str | None) -> bool:
    """Whether the theme's custom_dir holds templates: a layout of the curator's may print anything
    of a page anywhere, so paper pages are then rendered by the layout."""
    return custom_dir is not None and custom_dir != "" and any(Path(custom_dir).rglob("*.html"))


def _key(page: Any) -> tuple[object, ...]:
    first = next(iter(page.toc), None)
    return (first.id if first is not None else None, page.canonical_url is None, page.edit_url is None)


def _parts(page: Any, content: str) -> tuple[str, str, str, str]:
    return (content, page.meta["title"], page.canonical_url or "", page.edit_url or "")


def cut(output: str, parts: tuple[str, ...]) -> tuple[str, ...] | None:
    """The pieces of `output` between its parts (the content once, the others wherever they are),
    with a mark for each part; None when the content is not there exactly once."""
    content = parts[0]
    if not content or output.count(content) != 1 or "\x00" in output:
        return None
    shell = output.replace(content, _MARKS[0])
    for mark, value in zip(_MARKS[1:], parts[1:], strict=True):
        if value:
            shell = shell.replace(value, mark)
    pieces: list[str] = [shell]
    for mark in _MARKS:  # split at each mark, keeping the mark as a piece of its own
        pieces = [p for piece in pieces for p in _split(piece, mark)]
    return tuple(pieces)


def _split(piece: str, mark: str) -> list[str]:
    if piece in _MARKS:
        return [piece]
    out: list[str] = []
    for i, text in enumerate(piece.split(mark)):
        if i:
            out.append(mark)
        out.append(text)
    return out


def fill(pieces: tuple[str, ...], parts: tuple[str, ...]) -> str:
    """The shell with each mark replaced by its part."""
    values = dict(zip(_MARKS, parts, strict=True))
    return "".join(values.get(piece, piece) for piece in pieces)


@dataclass
class Shells:
    """The paper pages' shells of one build, found from the first pages rendered in full."""

    env: Any
    shells: dict[tuple[object, ...], tuple[str, ...] | None] = field(default_factory=dict)
    probes: dict[tuple[object, ...], tuple[str, ...]] = field(default_factory=dict)
    tries: dict[tuple[object, ...], int] = field(default_factory=dict)
    filled: int = 0

    @functools.cached_property
    def template(self) -> Any:
        """The paper layout, looked up once: the environment would check its file on every lookup,
        and a build that changes a template makes new Shells (see the plugin's on_env)."""
        return self.env.get_template(LAYOUT)

    def render(self, page: Any, context: dict[str, Any]) -> str:
        """The page's HTML, as the paper layout renders it."""
        template = self.template
        key = _key(page)
        shell = self.shells.get(key)
        if key in self.shells and shell is None:
            return str(template.render(context))  # the shortcut was refused for such pages
        block = template.blocks.get("content")
        if block is None:  # a layout of the curator's without that block
            self.shells[key] = None
            return str(template.render(context))
        parts = _parts(page, "".join(block(template.new_context(context))))
        if shell is not None:
            self.filled += 1
            output = fill(shell, parts)
            if self.filled % CHECK_EVERY:
                return output
            full = str(template.render(context))
            if full != output:
                log.warning("sitegen: %s: the paper pages' shared shell differs from the page as rendered; "
                            "the other paper pages are rendered in full", page.file.src_uri)
                self.shells[key] = None
            return full
        full = str(template.render(context))
        pieces = cut(full, parts)
        if pieces is not None and fill(pieces, parts) == full:
            if self.probes.get(key) == pieces:  # two pages gave the same shell
                self.shells[key] = pieces
                del self.probes[key]
                return full
            self.probes[key] = pieces  # a title that is also a word of the shell cuts it elsewhere
        self.tries[key] = self.tries.get(key, 0) + 1
        if self.tries[key] >= MAX_TRIES:
            self.shells[key] = None
        return full
