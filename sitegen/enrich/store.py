"""Where enrichment results live: a source file for the build, and a journal that survives a kill.

Each result is appended to a journal (``content/.sitegen/enrich-journal.jsonl``)
as soon as it is known, one line per write. At the end of a run, or at the start
of the next one after a kill, the journal is folded into the source file
(``sources/enriched/papers-api.jsonl``) and the list of misses, each replaced
whole by an atomic rename: a reader never sees half a file, and no result found
before a kill is lost.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..output.write import atomic_write
from .clients import Candidate

SOURCE_FILE = "enriched/papers-api.jsonl"
JOURNAL = ".sitegen/enrich-journal.jsonl"
MISSES = ".sitegen/enrich-misses.json"


def source_entry(slug: str, candidate: Candidate, day: str) -> dict[str, Any]:
    """A result in the Papers API's own shape, which sitegen's hf-api reader reads back."""
    paper: dict[str, Any] = {
        "id": candidate.arxiv,
        "title": candidate.title,
        "summary": candidate.summary,
        "authors": [{"name": name} for name in candidate.authors],
    }
    optional = {"publishedAt": candidate.published, "upvotes": candidate.upvotes,
                "githubRepo": candidate.github, "projectPage": candidate.project}
    paper.update({k: v for k, v in optional.items() if v is not None})
    return {"paper": paper, "sitegen": {"page": slug, "via": candidate.via, "found": day}}


@dataclass
class Store:
    """The resolved entries (by page slug) and the misses, as read and as added to."""

    source: Path
    journal: Path
    misses_path: Path
    resolved: dict[str, dict[str, Any]] = field(default_factory=dict)
    misses: dict[str, dict[str, Any]] = field(default_factory=dict)
    recovered: int = 0  # journal lines of a killed run folded in at load
    problems: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, sources: Path, content: Path) -> Store:
        """Read what earlier runs found, finishing a killed run's journal first."""
        store = cls(sources / SOURCE_FILE, content / JOURNAL, content / MISSES)
        store._read_source()
        if store.misses_path.is_file():
            try:
                data = json.loads(store.misses_path.read_text(encoding="utf-8"))
                store.misses = {str(k): v for k, v in data.items() if isinstance(v, dict)}
            except (OSError, ValueError, AttributeError):
                store.problems.append(f"{store.misses_path}: unreadable; every miss is asked again")
        if store.journal.is_file():
            store.recovered = store._replay_journal()
            store.commit()
        return store

    def _read_source(self) -> None:
        if not self.source.is_file():
            return
        for number, line in enumerate(self.source.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                slug = entry["sitegen"]["page"]
            except (ValueError, KeyError, TypeError):
                # A line a curator wrote by hand, or damaged: kept as it is, never asked about.
                self.resolved[f"\0line {number}"] = {"raw": line}
                continue
            self.resolved[str(slug)] = entry

    def _replay_journal(self) -> int:
        count = 0
        for line in self.journal.read_text(encoding="utf-8").splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue  # the last line of a run killed mid-write
            if not isinstance(item, dict):
                continue
            self._apply(item)
            count += 1
        return count

    def _apply(self, item: dict[str, Any]) -> None:
        slug = str(item.get("page"))
        if item.get("entry"):
            self.resolved[slug] = item["entry"]
            self.misses.pop(slug, None)
        elif item.get("miss"):
            self.misses[slug] = item["miss"]

    def add(self, slug: str, entry: dict[str, Any] | None = None, miss: dict[str, Any] | None = None) -> None:
        """Record one result now: in memory, and as one journal line on disk."""
        item = {"page": slug, "entry": entry, "miss": miss}
        self._apply(item)
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        with self.journal.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(item, ensure_ascii=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def commit(self) -> None:
        """Fold the journal into the source file and the misses, each by an atomic rename."""
        lines = []
        for slug in sorted(self.resolved):
            entry = self.resolved[slug]
            # ASCII-only JSON: a control character in an API's text cannot break the file.
            lines.append(entry["raw"] if "raw" in entry and len(entry) == 1 else
                         json.dumps(entry, ensure_ascii=True, sort_keys=True))
        if lines:
            atomic_write(self.source, "\n".join(lines) + "\n")
        if self.misses:
            atomic_write(self.misses_path, json.dumps(self.misses, indent=1, sort_keys=True) + "\n")
        self.journal.unlink(missing_ok=True)
