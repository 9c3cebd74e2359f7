"""Read the paper pages already in content/: the curator's copy of the truth."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import safeyaml, yamltext
from .models import Diagnostic, SourceRef, display_path
from .parallel import parallel_map
from .text import normalize_title

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", re.DOTALL | re.MULTILINE)
_ABSTRACT = re.compile(r'<div class="sitegen-abstract">\s*<p>(.*?)</p>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_Loader = safeyaml.LOADER


@dataclass(frozen=True)
class Page:
    """A paper page as found on disk: its front matter, untouched body and identity keys."""

    path: Path
    slug: str
    text: str
    meta: dict[str, Any]
    front_span: tuple[int, int]  # where the front matter's YAML is in the text
    body_start: int  # where the body begins, after the closing '---' line

    # Slices of the text on demand rather than copies kept: at 100,000 pages the copies were 250 MB.
    @property
    def front_matter(self) -> str:
        """The front matter's YAML, as in the file."""
        return self.text[self.front_span[0]:self.front_span[1]]

    @property
    def body(self) -> str:
        """Everything after the front matter, as in the file."""
        return self.text[self.body_start:]

    @property
    def title(self) -> str:
        """The page's title as the curator left it."""
        return str(self.meta.get("title") or "")

    @property
    def title_key(self) -> str:
        """Normalised title, for matching against incoming records."""
        return normalize_title(self.title)

    @property
    def refs(self) -> frozenset[SourceRef]:
        """The source records this page was made from."""
        refs = set()
        entries = self.meta.get("sources")
        for entry in entries if isinstance(entries, list) else []:
            ref = source_ref(entry)
            if ref:
                refs.add(ref)
        return frozenset(refs)

    def key_line(self, key: str) -> int:
        """The file line of a top-level front-matter key (1, the opening '---', when absent)."""
        for number, line in enumerate(self.front_matter.splitlines(), start=2):
            if line.startswith(f"{key}:"):
                return number
        return 1

    @property
    def abstract(self) -> str:
        """Plain text of the abstract block sitegen wrote, if the curator kept it."""
        match = _ABSTRACT.search(self.text, self.body_start)  # in place: no copy of the body
        return html.unescape(_TAG.sub("", match.group(1))) if match else ""

    def rewritten(self, text: str, meta: dict[str, Any]) -> Page:
        """This page with a new text that sitegen made from `meta` (render.set_fields): not parsed again."""
        spans = _front_matter_span(text)
        if spans is None:
            raise ValueError(f"{self.path}: a rewritten page without front matter")
        return Page(self.path, self.slug, text, meta, *spans)



def slug_of(value: str) -> str:
    """A page slug from how a curator may name a page: my-paper, my-paper.md, papers/my-paper.md."""
    return value.strip().removeprefix("papers/").removesuffix(".md").strip("/")


def listed(meta: dict[str, Any]) -> bool:
    """Whether a page is meant for the site: neither hidden nor merged into another (duplicate_of)."""
    return meta.get("hidden") is not True and not meta.get("duplicate_of")


def entries(value: object) -> list[str]:
    """A front-matter value that may be one string or a list of them, as a list of strings."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return []


def tag_names(meta: dict[str, Any]) -> tuple[str, ...]:
    """A page's tags as strings: a curator may write a list, a single tag, or none."""
    tags = meta.get("tags")
    if isinstance(tags, list):
        return tuple(str(t) for t in tags if t is not None and str(t).strip())
    if isinstance(tags, str) and tags.strip():
        return (tags,)
    return ()


def source_ref(entry: object) -> SourceRef | None:
    """Read one ``sources`` entry of the front matter, or None if it is malformed."""
    if not isinstance(entry, dict):
        return None
    file, record, line = entry.get("file"), entry.get("record"), entry.get("line")
    if isinstance(file, str) and isinstance(record, int) and isinstance(line, int):
        return SourceRef(file, record, line)
    return None


def _front_matter_span(text: str) -> tuple[tuple[int, int], int] | None:
    """Where a page's front-matter YAML is, and where its body starts (None: no front matter)."""
    match = _FRONT_MATTER.match(text)
    return (match.span(1), match.end()) if match else None


def parse_page(path: Path, text: str, display: str) -> tuple[Page | None, Diagnostic | None]:
    """Parse a page's front matter, reporting a YAML error, or YAML refused (`safeyaml`), with its line."""
    spans = _front_matter_span(text)
    if spans is None:
        return None, Diagnostic(
            "error", display, "no front matter (expected a '---' block at the top); page left as is",
            line=1,
        )
    (start, end), body_start = spans
    front = text[start:end]
    meta = yamltext.load(front)  # sitegen's own layout: proven to hold no anchor, alias or nesting
    if meta is None:
        refused = safeyaml.refusal(front)
        if refused is not None:
            return None, Diagnostic("error", display, f"{refused.reason}; page left as is",
                                    line=refused.line + 1, hint=refused.hint)  # +1: the opening '---'
        try:
            meta = yaml.load(front, Loader=_Loader) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 2 if mark else 1  # +1 for 0-based, +1 for the opening '---'
            problem = getattr(exc, "problem", None) or "invalid YAML"
            return None, Diagnostic(
                "error", display, f"front matter does not parse: {problem}; page left as is",
                line=line, hint=_FIX_HINT,
            )
        except (ValueError, OverflowError, RecursionError) as exc:  # e.g. a date such as 2024-13-45
            return None, Diagnostic("error", display, f"front matter does not parse: {exc}; page left as is",
                                    line=1, hint=_FIX_HINT)
    if not isinstance(meta, dict):
        return None, Diagnostic(
            "error", display, "front matter is not a mapping; page left as is", line=2,
        )
    return Page(path, path.stem, text, meta, (start, end), body_start), None


_FIX_HINT = "fix the YAML and rebuild; sitegen will not touch this page until then"


def _read_page(job: tuple[Path, str]) -> tuple[Page | None, Diagnostic | None]:
    """Read and parse one page file (run in worker processes for large lists)."""
    path, display = job
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, Diagnostic("error", display, f"cannot read page: {exc}; left as is")
    return parse_page(path, text, display)


def read_pages(folder: Path, base: Path) -> tuple[list[Page], set[str], list[Diagnostic]]:
    """Read every paper page; returns the parsed pages, the slugs of unreadable ones, problems."""
    pages: list[Page] = []
    broken: set[str] = set()
    problems: list[Diagnostic] = []
    if not folder.is_dir():
        return pages, broken, problems
    paths = sorted(folder.glob("*.md"))
    jobs = [(path, display_path(path, base)) for path in paths]
    for path, (page, problem) in zip(paths, parallel_map(_read_page, jobs), strict=True):
        if page is None:
            broken.add(path.stem)
        else:
            pages.append(page)
        if problem:
            problems.append(problem)
    return pages, broken, problems
