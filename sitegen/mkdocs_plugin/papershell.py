"""What a paper page leaves out of the page Material and Python-Markdown write: parts it never shows.

A site of 100,000 papers is mostly paper pages, so every byte of one counts
100,000 times (GitHub Pages publishes at most 1 GB). Left out of them:

- the "¶" permalinks of the headings (the headings keep their ids, so links
  to `#abstract` still work) and a Notes heading with no notes under it;
- Material's empty announcement bar (`announce`), which holds something
  only when the theme's `announce` block is filled (then it stays);
- Material's dialog, which shows "Copied to clipboard" (and what a site's
  own scripts send to Material's `alert$`), where nothing on the site copies
  (`uses_clipboard`) and the site adds no scripts of its own.

Each part is taken out only where it is exactly as MkDocs and Material write
it; anything else (a filled banner, notes, another permalink style) stays.
"""

from __future__ import annotations

import re
from typing import Any

from mkdocs.structure.toc import TableOfContents

# Python-Markdown's `toc` permalinks, with whatever symbol and title they were given.
_PERMALINK = re.compile(r'<a class="headerlink" href="#[^"<>]*" title="[^"<>]*">[^<>]*</a>')
# A Notes heading at the end of the body: the notes the curator has not written yet.
_EMPTY_NOTES = '<h2 id="notes">Notes</h2>'
_ANNOUNCE = '<div data-md-component="announce">'
_EMPTY_ANNOUNCE = re.compile(r'<div data-md-component="announce">\s*</div>\s*')
_DIALOG = '<div class="md-dialog" data-md-component="dialog">'
_EMPTY_DIALOG = re.compile(
    r'<div class="md-dialog" data-md-component="dialog">\s*<div class="md-dialog__inner md-typeset">\s*'
    r"</div>\s*</div>\s*")


def uses_clipboard(features: list[str], material_search: bool) -> bool:
    """Whether pages can copy to the clipboard: Material's code copy buttons, or its search's share
    button (Pagefind's search box has none). Only then Material's dialog says it copied."""
    return "content.code.copy" in features or (material_search and "search.share" in features)


def trim_content(page: Any, content: str) -> str:
    """A paper page's body HTML without heading permalinks and without an empty Notes heading;
    the page's table of contents and anchors lose that heading too."""
    if 'class="headerlink"' in content:
        content = _PERMALINK.sub("", content)
    trimmed = content.rstrip()
    if trimmed.endswith(_EMPTY_NOTES):
        content = trimmed.removesuffix(_EMPTY_NOTES).rstrip()
        if page.toc is not None:
            page.toc = TableOfContents([item for item in page.toc if item.id != "notes"])
        if page.present_anchor_ids is not None:
            page.present_anchor_ids.discard("notes")
        links = (page.links_to_anchors or {}).get(page.file)
        if links and links.get("notes") == "#notes":  # the heading's own permalink
            del links["notes"]
    return content


def trim_page(output: str, dialog: bool) -> str:
    """A paper page's HTML without Material's empty announcement bar, and without its dialog
    unless the site needs it (`dialog`)."""
    output = _cut(output, _ANNOUNCE, _EMPTY_ANNOUNCE)
    return output if dialog else _cut(output, _DIALOG, _EMPTY_DIALOG)


def _cut(text: str, start: str, empty: re.Pattern[str]) -> str:
    """The text without the element that begins with `start`, where `empty` matches it there."""
    at = text.find(start)
    match = empty.match(text, at) if at >= 0 else None
    return text[:at] + text[match.end():] if match else text
