"""The no-op fast path: skip a build whose inputs and outputs are exactly as the last build left them.

A fingerprint covers sitegen itself, the configuration, topics.yml, every
source file and every file under content/ (name, size and modification time,
as make does). When nothing changed, the last build's figures and messages
are replayed and no file is read or written.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from . import __version__
from .config import Config
from .models import Diagnostic

STATE = ".sitegen/state.json"
_PACKAGE = Path(__file__).resolve().parent


def stat_line(path: Path | str, shown: str) -> str:
    """One file's name, size and modification time, as the fingerprint reads them."""
    try:
        info = os.stat(path)
    except OSError:
        return f"{shown}\0missing\n"
    return f"{shown}\0{info.st_size}\0{info.st_mtime_ns}\n"


def _tree(root: Path, skip: str = "") -> list[str]:
    lines: list[str] = []
    if not root.is_dir():
        return [f"{root}\0absent\n"]
    # Paths as strings: pathlib's objects took three times as long as the stat calls (1.6 s at
    # 80,000 pages, once at the end of every build).
    top = os.fspath(root)
    for folder, dirs, files in os.walk(top):
        dirs.sort()
        prefix = "" if folder == top else os.path.relpath(folder, top).replace(os.sep, "/") + "/"
        for name in sorted(files):
            rel = prefix + name
            if rel != skip:
                lines.append(stat_line(os.path.join(folder, name), rel))
    return lines


def code_lines() -> list[str]:
    """What the fingerprint reads of sitegen's own code and templates, for anyone editing them."""
    return _tree(_PACKAGE)


def fingerprint(config: Config, sources: list[Path]) -> str:
    """A digest of everything a build reads and writes."""
    digest = hashlib.sha256()
    parts = [__version__, repr(config), os.environ.get("SOURCE_DATE_EPOCH", "")]
    parts += code_lines()
    parts.append(stat_line(config.topics, "topics.yml"))
    parts += [stat_line(path, str(path)) for path in sources]
    parts += _tree(config.content, skip=STATE)
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def load_state(content: Path) -> dict[str, Any]:
    """The record of the last build, or an empty one."""
    try:
        data = json.loads((content / STATE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def state_text(key: str, figures: dict[str, int], diagnostics: list[Diagnostic]) -> str:
    """What the next build needs to tell that nothing changed, and to say what this one said."""
    return json.dumps({
        "version": 1, "fingerprint": key, "figures": figures,
        "diagnostics": [{"level": d.level, "path": d.path, "message": d.message, "line": d.line,
                         "hint": d.hint} for d in diagnostics if not d.once],
    }, ensure_ascii=False, indent=1) + "\n"


def replay(data: dict[str, Any]) -> list[Diagnostic]:
    """The messages of the last build, to print again."""
    found = []
    for item in data.get("diagnostics") or []:
        try:
            found.append(Diagnostic(item["level"], item["path"], item["message"], item.get("line"),
                                    item.get("hint")))
        except (KeyError, TypeError):
            continue
    return found
