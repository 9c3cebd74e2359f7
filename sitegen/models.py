"""Plain data passed between the pipeline stages."""

from __future__ import annotations

import os
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import Literal

Level = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class SourceRef:
    """Where a record was read: file relative to its sources folder, 1-based record and line."""

    file: str
    record: int
    line: int

    def as_dict(self) -> dict[str, object]:
        """Front-matter form of this reference."""
        return {"file": self.file, "record": self.record, "line": self.line}


@dataclass(frozen=True)
class SourceFile:
    """A file to read and the name it is reported under (relative to its sources folder)."""

    path: Path
    name: str
    display: str


@dataclass(frozen=True)
class Link:
    """A URL found in a paper's text, with what it most likely points at."""

    kind: Literal["code", "project", "paper", "data", "link"]
    url: str


@dataclass(frozen=True)
class Citation:
    """Where in its venue a work was published, and what kind of work it is (all as the source gives them)."""

    kind: str | None = None  # the entry type, in BibTeX's words where it has one: article, inproceedings, …
    volume: str | None = None
    number: str | None = None  # the issue
    pages: str | None = None  # "280-281", "e1002", "290A"

    def __bool__(self) -> bool:
        return any((self.kind, self.volume, self.number, self.pages))


@dataclass(frozen=True)
class Bibliographic:
    """The bibliographic fields of a record and of a paper: title and abstract first, the rest by name."""

    title: str
    abstract: str
    _: KW_ONLY
    listed: str | None = None
    authors: tuple[str, ...] = ()
    year: int | None = None
    published: str | None = None
    venue: str | None = None
    arxiv: str | None = None
    doi: str | None = None
    links: tuple[Link, ...] = ()
    upvotes: int | None = None
    keywords: tuple[str, ...] = ()
    citation: Citation = Citation()


@dataclass(frozen=True)
class Record(Bibliographic):
    """One paper listing as read from a source file; everything but the title is optional."""

    source: SourceRef


@dataclass(frozen=True, kw_only=True)
class Paper(Bibliographic):
    """A deduplicated paper: one or more records that describe the same work."""

    key: str
    sources: tuple[SourceRef, ...]
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Diagnostic:
    """A problem with the input, reported compiler-style as ``path:line: level: message``."""

    level: Level
    path: str
    message: str
    line: int | None = None
    hint: str | None = None
    once: bool = False  # about something this build did, not a standing problem: not repeated

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.level}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


@dataclass
class Report:
    """Diagnostics gathered over a whole build."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        """Record one diagnostic."""
        self.diagnostics.append(diagnostic)

    def extend(self, diagnostics: list[Diagnostic]) -> None:
        """Record several diagnostics."""
        self.diagnostics.extend(diagnostics)

    def count(self, level: Level) -> int:
        """How many diagnostics of this level were recorded."""
        return sum(1 for d in self.diagnostics if d.level == level)


class SitegenError(Exception):
    """A problem that stops the build (bad configuration, unwritable content)."""


def display_path(path: Path, base: Path) -> str:
    """A path as shown in messages: relative to the project folder when inside it."""
    text, folder = str(path), str(base)
    if text.startswith(folder) and text[len(folder):len(folder) + 1] == os.sep and folder != os.sep:
        # The usual case, as strings: pathlib's relative_to took half a second over 30,000 pages.
        return text[len(folder) + 1:].replace(os.sep, "/")
    if path.is_relative_to(base):  # without a system call
        return path.relative_to(base).as_posix()
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)
