"""Configuration: the ``[tool.sitegen]`` table of pyproject.toml, validated once."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .models import Diagnostic
from .tagging.tag import TagSettings

DEFAULTS: dict[str, object] = {
    "sources": ["sources"],
    "content": "content",
    "topics": "topics.yml",
    "title": "Reading list",
    "description": "Papers collected from Hugging Face Papers listings.",
    "site_url": "",
    "tag_threshold": TagSettings.threshold,
    "max_topics": TagSettings.max_topics,
    "min_examples": TagSettings.min_examples,
    "paper_urls": "directory",
}
# Where a paper page is published: papers/<slug>/ (a folder holding index.html, MkDocs' way), or
# papers/<slug>.html (one file: a folder takes a 4 KB block on disk too, but the URLs differ).
PAPER_URLS = ("directory", "file")


@dataclass(frozen=True)
class Config:
    """Validated settings, with paths resolved against the project folder."""

    root: Path
    sources: tuple[Path, ...]
    content: Path
    topics: Path
    title: str
    description: str
    format: str | None = None  # read every source in this format instead of detecting it
    site_url: str = ""  # where the site is published, for absolute links in feeds
    tagging: TagSettings = field(default_factory=TagSettings)
    paper_urls: str = "directory"  # one of PAPER_URLS


class ConfigError(Exception):
    """The configuration has problems; all of them are listed."""

    def __init__(self, problems: list[Diagnostic]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def find_project(start: Path) -> Path:
    """The nearest folder at or above start that holds a pyproject.toml (else start)."""
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return start


def _line_of(text: str, key: str) -> int | None:
    section = re.search(r"^\[tool\.sitegen\]", text, re.MULTILINE)
    offset = section.end() if section else 0
    match = re.compile(rf"^\s*{re.escape(key)}\s*=", re.MULTILINE).search(text, offset)
    return text.count("\n", 0, match.start()) + 1 if match else None


def load_config(
    root: Path,
    sources: tuple[str, ...] = (),
    content: str | None = None,
    fmt: str | None = None,
) -> Config:
    """Read and validate [tool.sitegen]; command-line values override the file."""
    path = root / "pyproject.toml"
    text = ""
    table: dict[str, object] = {}
    problems: list[Diagnostic] = []
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([Diagnostic("error", "pyproject.toml", f"invalid TOML: {exc}")]) from exc
        raw = data.get("tool", {}).get("sitegen", {})
        if isinstance(raw, dict):
            table = raw
        else:
            problems.append(Diagnostic("error", "pyproject.toml", "[tool.sitegen] must be a table"))

    def problem(key: str, message: str, hint: str | None = None) -> None:
        problems.append(Diagnostic("error", "pyproject.toml", message, _line_of(text, key), hint))

    for key in sorted(set(table) - set(DEFAULTS)):
        close = difflib.get_close_matches(key, list(DEFAULTS), n=1)
        problem(key, f"[tool.sitegen]: unknown setting {key!r}",
                f"did you mean {close[0]!r}?" if close else f"known settings: {', '.join(DEFAULTS)}")
    values = {**DEFAULTS, **table}
    raw_sources = values["sources"]
    if isinstance(raw_sources, str):
        raw_sources = [raw_sources]
    if not isinstance(raw_sources, list) or not all(isinstance(s, str) for s in raw_sources):
        problem("sources", "[tool.sitegen]: 'sources' must be a path or a list of paths")
        raw_sources = []
    for key in ("content", "topics", "title", "description"):
        if not isinstance(values[key], str) or not str(values[key]).strip():
            problem(key, f"[tool.sitegen]: {key!r} must be a non-empty string")
            values[key] = DEFAULTS[key]
    site_url = values["site_url"]
    if not isinstance(site_url, str) or (site_url and not re.match(r"https?://[^/\s]+", site_url)):
        problem("site_url", "[tool.sitegen]: 'site_url' must be an http(s) URL",
                "e.g. https://you.github.io/reading-list/")
        site_url = ""
    tagging = _tag_settings(values, problem)
    paper_urls = values["paper_urls"]
    if paper_urls not in PAPER_URLS:
        problem("paper_urls", f"[tool.sitegen]: 'paper_urls' must be {' or '.join(map(repr, PAPER_URLS))}",
                "directory: papers/<slug>/ (the default); file: papers/<slug>.html, which changes "
                "every paper's URL")
        paper_urls = DEFAULTS["paper_urls"]
    if problems:
        raise ConfigError(problems)
    chosen = list(sources) or [str(s) for s in raw_sources]
    return Config(
        root=root,
        sources=tuple(root / s for s in chosen),
        content=root / (content or str(values["content"])),
        topics=root / str(values["topics"]),
        title=str(values["title"]),
        description=str(values["description"]),
        format=fmt,
        site_url=str(site_url),
        tagging=tagging,
        paper_urls=str(paper_urls),
    )


def _tag_settings(values: dict[str, object], problem: Callable[[str, str, str | None], None]) -> TagSettings:
    """The tagging settings; a bad value is reported and its default used."""
    threshold = values["tag_threshold"]
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 < threshold < 1:
        problem("tag_threshold", "[tool.sitegen]: 'tag_threshold' must be a number between 0 and 1",
                f"the confidence a paper's second and third topics need; default {TagSettings.threshold}")
        threshold = TagSettings.threshold
    counts: dict[str, int] = {}
    for key, low, high in (("max_topics", 1, 10), ("min_examples", 1, 1000)):
        value = values[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problem(key, f"[tool.sitegen]: {key!r} must be a whole number from {low} to {high}", None)
            value = DEFAULTS[key]
        counts[key] = int(value)  # type: ignore[call-overload]
    return TagSettings(float(threshold), counts["max_topics"], counts["min_examples"])
