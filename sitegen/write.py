"""Write stage: put pages on disk atomically, touching only files whose bytes change."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .models import SitegenError


@dataclass
class WriteStats:
    """What a write pass did."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_MODE = _file_mode()
_TEMP = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")  # what mkstemp(prefix=".<name>.", suffix=".tmp") makes


def atomic_write(path: Path, text: str) -> None:
    """Write through a temporary file and a rename, so a reader never sees half a page.

    The rename is atomic however the build is interrupted. There is no fsync
    per page: it made writing tens of thousands of pages take minutes, and
    surviving a power cut mid-build is the filesystem's job.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, _MODE)  # mkstemp makes 0600 files; pages are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_leftovers(root: Path) -> None:
    """Delete temporary files a killed build left behind (they never replaced a page)."""
    if root.is_dir():
        for path in root.rglob(".*.tmp"):
            if _TEMP.match(path.name):
                path.unlink(missing_ok=True)


def write_pages(root: Path, files: dict[str, str], remove: list[str] | None = None) -> WriteStats:
    """Write every page under root whose content differs from what is on disk."""
    stats = WriteStats()
    resolved_root = root.resolve()
    for rel in sorted(files):
        path = root / rel
        # Slugs are sanitised upstream; this guard keeps any bug from writing outside root.
        if not path.resolve().is_relative_to(resolved_root):
            raise SitegenError(f"refusing to write outside {root}: {rel}")
        text = files[rel]
        try:
            current = path.read_text(encoding="utf-8") if path.exists() else None
        except (OSError, UnicodeDecodeError):
            current = None
        if current == text:
            stats.unchanged.append(rel)
            continue
        try:
            atomic_write(path, text)
        except OSError as exc:
            raise SitegenError(f"{path}: cannot write: {exc.strerror}") from exc
        (stats.updated if current is not None else stats.new).append(rel)
    for rel in sorted(remove or []):
        path = root / rel
        if path.resolve().is_relative_to(resolved_root) and path.exists():
            path.unlink()
            stats.removed.append(rel)
    return stats
