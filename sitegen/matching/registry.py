"""Which page each source record was given: lets a build notice that a curator deleted a page.

Kept in ``content/.sitegen/pages.json`` (MkDocs skips dot-folders). It is
only a memory of the last build: the pages' own ``sources`` stay the truth.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..models import Diagnostic, display_path
from ..pages import source_ref

REGISTRY = ".sitegen/pages.json"


def load_registry(content: Path, base: Path) -> tuple[dict[str, str], list[Diagnostic]]:
    """Record key (``file#record``) to page slug, as the last build left them."""
    path = content / REGISTRY
    if not path.exists():
        return {}, []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        records = data["records"]
        if not isinstance(records, dict):
            raise TypeError("records is not an object")
        return {str(k): str(v) for k, v in records.items()}, []
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return {}, [Diagnostic("warning", display_path(path, base),
                               f"unreadable ({exc}); rebuilt from the pages",
                               hint="this file is sitegen's memory; it is safe to delete")]


def record_key(file: str, record: int) -> str:
    """How a record is named in the registry, the review report and ``distinct_from``."""
    return f"{file}#{record}"


def registry_text(pages: dict[str, dict[str, Any]], kept: dict[str, str] | None = None) -> str:
    """The registry for the pages as they will be on disk (slug -> front matter), plus kept entries."""
    records: dict[str, str] = dict(kept or {})
    for slug in sorted(pages):
        for entry in pages[slug].get("sources") or []:
            ref = source_ref(entry)
            if ref:
                records.setdefault(record_key(ref.file, ref.record), slug)
    def order(key: str) -> tuple[str, int]:
        file, _, number = key.rpartition("#")
        return file, int(number) if number.isdigit() else 0

    ordered = {k: records[k] for k in sorted(records, key=order)}
    body = json.dumps({"version": 1, "records": ordered}, indent=0, ensure_ascii=False)
    return body + "\n"
