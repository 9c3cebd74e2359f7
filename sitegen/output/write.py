"""Write stage: put pages on disk atomically, touching only files whose bytes change."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from ..models import SitegenError
from ..parallel import Standby, parent_gone, workers


@dataclass
class WriteStats:
    """What a write pass did."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def add(self, other: WriteStats) -> None:
        """Count another write pass in."""
        for name in ("new", "updated", "unchanged", "removed"):
            getattr(self, name).extend(getattr(other, name))


def _file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_MODE = _file_mode()
# Temporary names: ".<name>.<pid>.tmp"; older builds used mkstemp's ".<name>.<8 random chars>.tmp".
_TEMP = re.compile(r"^\..+\.(\d+|[a-z0-9_]{8})\.tmp$")


def _open_temporary(path: str) -> tuple[str, int]:
    """Create the temporary file that will replace `path` (and its folder if need be): name, descriptor."""
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _MODE)
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
        return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _MODE)


def atomic_write(path: Path | str, data: str | bytes) -> None:
    """Write through a temporary file and a rename, so a reader never sees half a page.

    The rename is atomic however the build is interrupted. There is no fsync
    per page: it made writing tens of thousands of pages take minutes, and
    surviving a power cut mid-build is the filesystem's job. The temporary
    name carries the process id, so two builds never share one. Paths are
    strings here: pathlib's objects cost more than the system calls at 80,000 pages.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp, fd = _open_temporary(os.fspath(path))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def remove_leftovers(root: Path) -> None:
    """Delete temporary files a killed build left behind (they never replaced a page)."""
    if root.is_dir():
        for path in root.rglob(".*.tmp"):
            if _TEMP.match(path.name):
                path.unlink(missing_ok=True)


def _inside(rel: str) -> bool:
    """Whether a relative page path stays inside the content folder."""
    parts = PurePosixPath(rel).parts
    return bool(parts) and not rel.startswith("/") and ".." not in parts and "\\" not in rel


# A page's text, or a function making it when it is written: large exports are made then, as
# pieces streamed to the file, so that no whole export need be in memory.
Output = str | Callable[[], str | Iterable[str] | Iterable[bytes]]


def _write_one(root: str, rel: str, text: Output) -> str:
    """Write one page if its bytes changed: "new", "updated" or "unchanged"."""
    path = os.path.join(root, rel)
    made = text if isinstance(text, str) else text()
    if not isinstance(made, str):
        return _write_stream(path, made)
    data = made.encode("utf-8")
    try:
        with open(path, "rb") as handle:
            current: bytes | None = handle.read()
    except FileNotFoundError:
        current = None
    except OSError:
        current = b""
    if current == data:
        return "unchanged"
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise SitegenError(f"{path}: cannot write: {exc.strerror}") from exc
    return "updated" if current is not None else "new"


def _write_stream(path: str, pieces: Iterable[str] | Iterable[bytes]) -> str:
    """_write_one for text in pieces: written to a temporary file and compared with the file on
    disk as they come; the temporary file replaces the page only when the bytes differ."""
    try:
        current: BinaryIO | None = open(path, "rb")  # noqa: SIM115 (closed below, after the loop)
        existed = True
    except FileNotFoundError:
        current, existed = None, False
    except OSError:
        current, existed = None, True
    same = current is not None
    tmp = ""
    try:
        tmp, fd = _open_temporary(path)
        with os.fdopen(fd, "wb") as handle:
            for piece in pieces:
                data = piece if isinstance(piece, bytes) else piece.encode("utf-8")
                if same and current is not None:
                    same = current.read(len(data)) == data
                handle.write(data)
        if same and current is not None and not current.read(1):
            os.unlink(tmp)
            return "unchanged"
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            raise SitegenError(f"{path}: cannot write: {exc.strerror}") from exc
        raise
    finally:
        if current is not None:
            current.close()
    return "updated" if existed else "new"


def write_pages(root: Path, files: Mapping[str, Output], remove: list[str] | None = None,
                stop: Callable[[], bool] | None = None) -> WriteStats:
    """Write every page under root whose content differs from what is on disk.

    `stop`: asked before each page; when it says so, no more pages are written, nor any removed.
    """
    stats = WriteStats()
    names = sorted(files)
    for rel in names:
        # Slugs are sanitised upstream; this guard keeps any bug from writing outside root.
        if not _inside(rel):
            raise SitegenError(f"refusing to write outside {root}: {rel}")
    kinds = {"new": stats.new, "updated": stats.updated, "unchanged": stats.unchanged}
    folder = os.fspath(root)
    # Texts one by one: threads made it twice as slow (files of one folder contend for its lock).
    # Streamed files (the exports) are mostly compression, which zlib does without the GIL:
    # those go side by side, one thread per core.
    streamed = [rel for rel in names if not isinstance(files[rel], str)]
    threads = min(workers(), len(streamed))
    done: dict[str, str] = {}
    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            done = dict(zip(streamed, pool.map(lambda rel: _write_one(folder, rel, files[rel]), streamed),
                            strict=True))
    for rel in names:
        if stop is not None and stop():
            return stats
        kinds[done.get(rel) or _write_one(folder, rel, files[rel])].append(rel)
    for rel in sorted(remove or []):
        path = root / rel
        if _inside(rel) and path.exists():
            path.unlink()
            stats.removed.append(rel)
    return stats


# What a helper process writes: the content folder, some pages (path -> text), pages to remove.
WriteJob = tuple[Path, dict[str, str], list[str]]
BATCH = 2000  # pages a batch sent to a writer: about 12 MB of text


def write_job(job: WriteJob) -> WriteStats:
    """write_pages of a job sent to a helper process; it stops when the build is gone: a killed
    build writes no more pages (every page written is whole, and the next build writes the rest)."""
    return write_pages(*job, stop=parent_gone)


def write_elsewhere(writer: Standby[WriteJob, WriteStats], root: Path, files: dict[str, str],
                    remove: list[str] | None = None) -> Callable[[], WriteStats]:
    """write_pages(root, files, remove) by a writer process (a Standby of write_job), so that this
    one goes on; the function returned waits for every page to be written.

    The pages go in batches, each taken out of `files` as it is sent: their
    texts are freed here while the writer writes them. The figures are
    write_pages' own, page for page.
    """
    names = sorted(files)
    waits = [writer.submit((root, {rel: files.pop(rel) for rel in names[start:start + BATCH]},
                            (remove or []) if start == 0 else []))
             for start in range(0, max(len(names), 1), BATCH)]

    def written() -> WriteStats:
        stats = WriteStats()
        for wait in waits:
            stats.add(wait())
        return stats

    return written
