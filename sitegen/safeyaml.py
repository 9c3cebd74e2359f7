"""Front matter that cannot blow up: pages using YAML anchors or aliases, or far too big or deep, refused.

PyYAML loads a "billion laughs" page (nine levels of nine aliases, 20 lines)
in a millisecond, as shared references; whatever then walks its values
(listing tags, printing a title, writing YAML) walks 9^9 of them, and a build
hung on one such page. Curators never need anchors and aliases, so a page
using any is refused before anything is built from it, by scanning the
parser's events (no value is constructed): linear in the size of the text,
70 µs for a paper page. Size and nesting are bounded too, far beyond any real
page, so that nothing downstream recurses or copies without bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

MAX_CHARS = 1_000_000  # sitegen's own front matter is about 1 KB; 3,000 authors are 60 KB
MAX_DEPTH = 32  # of nested lists and mappings; sitegen writes 3
# The C loader is several times faster, which keeps a no-op rebuild well under a second.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Refusal:
    """Why front matter is not loaded, at which line of its YAML text (1-based), and what to do."""

    reason: str
    line: int
    hint: str


def refusal(text: str) -> Refusal | None:
    """Why this front-matter YAML must not be loaded, or None when it may (it may still not parse)."""
    if len(text) > MAX_CHARS:
        return Refusal(f"front matter of {len(text):,} characters, far beyond any paper page's", 1,
                       f"keep front matter under {MAX_CHARS:,} characters; long text belongs in the notes")
    try:
        loader = LOADER(text)
    except ValueError:  # text no file holds (a lone surrogate): loading it reports the error
        return None
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            line = event.start_mark.line + 1 if event.start_mark else 1
            anchor = getattr(event, "anchor", None)
            if isinstance(event, yaml.AliasEvent) or anchor:
                kind = f"alias *{anchor}" if isinstance(event, yaml.AliasEvent) else f"anchor &{anchor}"
                return Refusal(
                    f"front matter uses a YAML {kind}", line,
                    "sitegen reads no YAML anchors or aliases (they can expand without bound): "
                    "write the value out in full",
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return Refusal(f"front matter nested more than {MAX_DEPTH} levels deep", line,
                                   "paper pages need two or three levels")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # loading it reports the error with its line
    finally:
        loader.dispose()
    return None
