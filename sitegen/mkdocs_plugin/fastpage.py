"""Paper pages in the shape sitegen writes, turned into HTML without Python-Markdown (or PyYAML).

A paper page's body is, until a curator writes more than plain notes, always
the same Markdown around one escaped abstract: the generator's comment, an
`## Abstract` heading, the abstract as an HTML block, an `## Notes` heading and
notes that are empty or plain paragraphs. MkDocs builds a new Python-Markdown
instance for every page and runs every extension over it: a third of the
CPU time of `mkdocs build` at 10,000 papers went there. `body_html` writes the HTML of
that shape directly, byte for byte what Python-Markdown writes with the site's
extensions, and answers None for any other body, which then goes through
Python-Markdown as before.

What may pass is narrow on purpose: the abstract's text is escaped text and
the links sitegen writes (`text.escape_html_text`), copied as Python-Markdown
copies raw HTML; a note is a paragraph of letters, digits and punctuation
that no Markdown rule gives a meaning to. Anything else, a heading, a list,
a link, an emphasis, raw HTML, takes the normal way.

Whether the site's Markdown writes those bytes is checked once a build
(`verified`): only with Python-Markdown's and MkDocs' usual extensions, and only
when Python-Markdown renders probe pages exactly as `body_html` does (the
`toc` options, for one, change the headings).

Front matter in the layout sitegen writes is read by `yamltext` (what PyYAML
would read, and proven free of anchors and aliases: less than half the time of
PyYAML and the plugin's anchor check).
The paper lists of generated pages, plain HTML that Python-Markdown only
copies, are set aside before it and put back after (`RawBlocks`).
"""

from __future__ import annotations

import contextlib
import functools
import html
import logging
import re
import secrets
from importlib import resources
from typing import Any

from mkdocs.structure.files import File
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils.meta import YAML_RE as _FRONT_MATTER  # how MkDocs finds front matter

from .. import safeyaml, yamltext
from ..text import escape_html_text

log = logging.getLogger("mkdocs.plugins.sitegen")

# The first line of a new paper page's body (the template's).
COMMENT = (resources.files("sitegen") / "templates/paper.md.j2").read_text(encoding="utf-8").split("\n")[0]
NO_ABSTRACT = "*None of the sources of this paper had an abstract.*"
_NO_ABSTRACT_HTML = "<p><em>None of the sources of this paper had an abstract.</em></p>"

# Escaped text as html.escape writes it, without line breaks or control characters (Python-Markdown
# uses STX and ETX to mark its placeholders); in an attribute value, no quote either.
_ENTITY = r"&(?:amp|lt|gt|quot|#x27);"
_TEXT = rf"(?:[^<>&\x00-\x1f\x7f]++|{_ENTITY})"
_ATTR = rf"(?:[^<>&\"\x00-\x1f\x7f]++|{_ENTITY})"
_LINK = rf'<a href="https?://{_ATTR}*+" rel="nofollow noopener">{_TEXT}*+</a>'
_ABSTRACT = rf"(?:{_TEXT}|{_LINK})*+"

_BODY = re.compile(
    rf"{re.escape(COMMENT)}\n\n## Abstract\n\n"
    rf'(?:<div class="sitegen-abstract">\n<p>({_ABSTRACT})</p>\n</div>|{re.escape(NO_ABSTRACT)})'
    r"\n\n## Notes\n(.*)",
    re.DOTALL,
)
# A line of a plain note: it starts with a letter (no list, heading, quote, code or table starts
# so), holds letters, digits, spaces and punctuation that Markdown leaves alone, and ends without
# a space (two make a line break).
_PLAIN_CHARS = r"[^\W_]|[ ,.;:?!'\"()/%+=\-\u2018\u2019\u201c\u201d\u2013\u2014\u2026]"
_PLAIN_LINE = re.compile(rf"[^\W\d_](?:{_PLAIN_CHARS})*+(?<! )")

# Python-Markdown's `toc` extension with `permalink: true`, as MkDocs configures it by default.
HEADINGS = {"abstract": "Abstract", "notes": "Notes"}
_HEADING = '<h2 id="{id}">{name}<a class="headerlink" href="#{id}" title="Permanent link">&para;</a></h2>'

# Extensions known to give plain notes and raw HTML no other meaning (MkDocs' defaults and the
# project's); sites with others keep Python-Markdown for every page.
KNOWN_EXTENSIONS = frozenset({"toc", "tables", "fenced_code", "admonition", "attr_list", "md_in_html"})


def body_html(markdown: str) -> str | None:
    """The HTML of a paper page's body in the shape sitegen writes, or None for any other body."""
    match = _BODY.fullmatch(markdown)
    if match is None:
        return None
    notes = _notes_html(match.group(2))
    if notes is None:
        return None
    abstract = match.group(1)
    parts = [COMMENT, "\n\n", _heading("abstract"), "\n"]
    if abstract is None:
        parts += [_NO_ABSTRACT_HTML, "\n"]
    else:
        parts += ['<div class="sitegen-abstract">\n<p>', abstract, "</p>\n</div>\n\n"]
    parts.append(_heading("notes"))
    if notes:
        parts += ["\n", notes]
    return "".join(parts)


def _notes_html(notes: str) -> str | None:
    """Plain paragraphs as `<p>` elements ("" for no notes), or None if the notes are not plain."""
    text = notes.strip("\n")
    if not text:
        return ""
    paragraphs = re.split(r"\n{2,}", text)
    for paragraph in paragraphs:
        if not all(_PLAIN_LINE.fullmatch(line) for line in paragraph.split("\n")):
            return None
    return "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)


def _heading(anchor: str) -> str:
    return _HEADING.format(id=anchor, name=HEADINGS[anchor])


def apply(page: Any, content: str) -> None:
    """Set what MkDocs' `Page.render` sets (HTML, table of contents, anchors) from a fast-path body."""
    page.content = content
    page.toc = get_toc([{"level": 2, "id": anchor, "name": name, "children": []}
                        for anchor, name in HEADINGS.items()])
    page._title_from_render = None  # no <h1> in the body: the title is the front matter's
    page.present_anchor_ids = set(HEADINGS)
    # As MkDocs records them (only when its log is not at debug level): the permalinks link to the page.
    if logging.getLogger("mkdocs.structure.pages").getEffectiveLevel() > logging.DEBUG:
        page.links_to_anchors = {page.file: {anchor: f"#{anchor}" for anchor in HEADINGS}}


class FastPath:
    """One build's fast path; checked against the site's Markdown when the first page needs it."""

    def __init__(self) -> None:
        self.usable: bool | None = None
        self.sole_reader: bool | None = None  # no other plugin reads page sources
        self.sources = 0  # read through it
        self.pages = 0  # rendered through it

    def install(self, page: Any) -> None:
        """Have MkDocs read and render this page with `read_source` and `render` below.

        MkDocs calls `page.read_source(config)` after the `pre_page` event and `page.render(config,
        files)` between the `page_markdown` and `page_content` events (after every plugin changed
        the text); an attribute of the page itself answers those calls, once each.
        """
        page.read_source = functools.partial(self.read_source, page)
        page.render = functools.partial(self.render, page)

    def read_source(self, page: Any, config: Any) -> None:
        """Read the page as MkDocs does; front matter in sitegen's layout read by `yamltext`.

        `yamltext.load` reads only text it would write itself, so it reads what PyYAML would, and
        such text holds no anchor, alias or deep nesting: the `page_read_source` check of the
        sitegen plugin would pass it as it is.
        """
        del page.read_source  # the instance's own attribute: Page.read_source again from now on
        if self.sole_reader is None:  # sitegen's own hook only: no other plugin changes sources
            self.sole_reader = len(config.plugins.events["page_read_source"]) <= 1
        source, data = None, None
        if self.sole_reader:
            with contextlib.suppress(OSError, ValueError):
                source = page.file.content_string
        match = _FRONT_MATTER.match(source) if source is not None else None
        if match is not None and len(match.group(1)) <= safeyaml.MAX_CHARS:
            data = yamltext.load(match.group(1))
        if source is None or match is None or data is None:
            page.read_source(config)
        else:
            page.markdown, page.meta = source[match.end():].lstrip("\n"), data
            self.sources += 1

    def render(self, page: Any, config: Any, files: Any) -> None:
        """Render the page as MkDocs does: through the fast path when its body has sitegen's shape."""
        del page.render
        if self.usable is None:
            self.usable = verified(config, files)
        content = body_html(page.markdown) if self.usable and page.markdown is not None else None
        if content is None:
            page.render(config, files)
        else:
            apply(page, content)
            self.pages += 1


# Raw HTML blocks of generated pages (the paper lists of topic pages): an opening <div> line, plain
# elements and escaped text with no <div> of their own, no `markdown` attribute and no blank line,
# and a closing </div> line. Python-Markdown copies such a block as it is, after parsing it twice
# (MkDocs for anchors, md_in_html for the block's end): a tenth of a build at 10,000 papers.
_ATTRS = r'(?: (?!markdown\b)[a-z][a-z0-9-]*="[^"<>\n]*"| (?!(?:markdown|id|name)\b)[a-z][a-z0-9-]*)*'
_RAW_BLOCK = re.compile(rf"(?<=\n\n)(<div{_ATTRS}>)\n(.*?)\n</div>(?=\n\n|\n?\Z)", re.DOTALL)
_RAW_INNER = re.compile(
    rf"(?:[^<>&\x00-\x09\x0b-\x1f\x7f]++|&(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]+|#x[0-9a-fA-F]+);"
    rf"|</?(?!div\b)[a-z][a-z0-9]*{_ATTRS}>)*+"
)
_TAG = re.compile(rf"<([a-z][a-z0-9]*)({_ATTRS})>")
_VALUE = re.compile(r' ([a-z][a-z0-9-]*)="([^"]*)"')
SET_ASIDE_FROM = 2000  # characters: smaller blocks cost Python-Markdown little


class RawBlocks:
    """Big raw HTML blocks of generated pages, set aside before Python-Markdown and put back after."""

    def __init__(self) -> None:
        self.token = secrets.token_hex(8)  # a comment no page text can already hold
        self.aside: dict[int, tuple[list[str], set[str]]] = {}
        self.sole_editor: bool | None = None  # no other plugin changes pages' Markdown

    def set_aside(self, page: Any, markdown: str, config: Any) -> str:
        """The page's Markdown with each such block's content replaced by a placeholder comment
        (unless other plugins change pages' Markdown: they see it whole)."""
        if self.sole_editor is None:
            self.sole_editor = len(config.plugins.events["page_markdown"]) <= 1
        if not self.sole_editor:
            return markdown
        blocks: list[str] = []
        anchors: set[str] = set()

        def aside(match: re.Match[str]) -> str:
            inner = match.group(2)
            if len(inner) < SET_ASIDE_FROM or "\n\n" in inner or not _RAW_INNER.fullmatch(inner):
                return match.group(0)
            # The ids (and <a name>s) MkDocs would have found in the block, for its anchor checks.
            for tag, attributes in _TAG.findall(inner):
                anchors.update(html.unescape(value) for key, value in _VALUE.findall(attributes)
                               if key == "id" or (key == "name" and tag == "a"))
            blocks.append(inner)
            return f"{match.group(1)}\n<!--sitegen-{self.token}-{len(blocks) - 1}-->\n</div>"

        text = _RAW_BLOCK.sub(aside, markdown)
        if blocks:
            self.aside[id(page)] = (blocks, anchors)
        return text

    def put_back(self, page: Any, content: str) -> str:
        """The page's HTML with the blocks set aside in their places again."""
        found = self.aside.pop(id(page), None)
        if found is None:
            return content
        blocks, anchors = found
        if page.present_anchor_ids is not None:
            page.present_anchor_ids |= anchors
        for number, block in enumerate(blocks):
            content = content.replace(f"<!--sitegen-{self.token}-{number}-->", block, 1)
        return content


def _extension_name(extension: Any) -> str:
    name = extension if isinstance(extension, str) else type(extension).__module__
    return str(name).removeprefix("markdown.extensions.").split(":")[0]


# Bodies that make Python-Markdown show what `body_html` assumes: escaped text and links in the
# abstract, every punctuation mark plain notes may hold, paragraphs split by several blank lines.
PROBES = (
    "A & B <i>not a tag</i> \"quoted\" 'single' \u00e9t\u00e9 https://example.org/a?b=1&c=2 end.",
    "",
)
_PROBE_NOTES = (
    "",
    "\nPlain note, with: punctuation; (brackets) 50% a/b a+b a=b a-b c--d \u201cquotes\u201d "
    "\u2018single\u2019 \u2013 \u2014 \u2026 \u00e9t\u00e9 \u65e5\u672c!\n"
    "Second line? Yes.\n\n\n\nNew paragraph\n",
    "\nhttp://example.org/x 3/4 1.5 c. d. e.\n",
)


def probe_bodies() -> list[str]:
    """Paper page bodies in sitegen's shape, covering what the fast path lets through."""
    bodies = []
    for abstract in PROBES:
        part = (f'<div class="sitegen-abstract">\n<p>{escape_html_text(abstract)}</p>\n</div>'
                if abstract else NO_ABSTRACT)
        for notes in _PROBE_NOTES:
            bodies.append(f"{COMMENT}\n\n## Abstract\n\n{part}\n\n## Notes\n{notes}")
    return bodies


def verified(config: Any, files: Any) -> bool:
    """Whether the site's Markdown renders sitegen's paper pages exactly as the fast path does."""
    unknown = sorted({_extension_name(e) for e in config["markdown_extensions"]} - KNOWN_EXTENSIONS)
    if unknown:
        log.info("sitegen: paper pages go through Python-Markdown: markdown_extensions has %s",
                 ", ".join(unknown))
        return False
    for body in probe_bodies():
        fast, normal = _probe_page(config), _probe_page(config)
        content = body_html(body)
        if content is None:  # the probes are in the fast path's shape; if not, it is not used
            return False
        apply(fast, content)
        normal.markdown = body
        Page.render(normal, config, files)
        if _rendered(fast) != _rendered(normal):
            log.info("sitegen: paper pages go through Python-Markdown: the site's markdown_extensions "
                     "render them differently from sitegen's fast path")
            return False
    return True


def _probe_page(config: Any) -> Page:
    file = File("papers/sitegen-probe.md", src_dir=None, dest_dir=config["site_dir"],
                use_directory_urls=config["use_directory_urls"])
    page = Page(None, file, config)
    page.meta = {}
    page.markdown = ""
    return page


def _rendered(page: Any) -> tuple[Any, ...]:
    """What MkDocs and the theme read of a rendered page."""
    toc = [(item.id, item.title, item.level, len(item.children)) for item in page.toc]
    links = {file.src_uri: anchors for file, anchors in (page.links_to_anchors or {}).items()}
    return page.content, toc, page._title_from_render, page.present_anchor_ids, links
