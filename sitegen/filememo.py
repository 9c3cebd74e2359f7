"""What reading a file gave, kept while the file stays the same (for processes that build many times).

A file counts as unchanged while its `Signature` is: device and inode, size,
modification time and status-change time, all in nanoseconds. Size and
modification time alone miss a file rewritten with as many bytes when its
modification time is put back (``cp -p``, ``tar``, ``touch -r``) or falls in
the same tick of the clock that stamps it (a few milliseconds on Linux). A
rename gives the file a new inode, which tells it apart even within one tick
(sitegen's writes and most editors' saves are renames); a write in place
moves the status-change time, which no program can set back. Only a write in
place of as many bytes within one tick of the last read goes unseen. A change
of mode or owner moves the status-change time too: one needless read, never a
stale answer. Where the platform gives no inode (0 on Windows) the rest holds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from typing import Generic, TypeVar

T = TypeVar("T")

Signature = tuple[int, int, int, int, int]  # device, inode, size, mtime and ctime in ns


def signature_of(path: str) -> Signature | None:
    """What tells one state of the file at path from another, or None when it cannot be stat'ed."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


class FileMemo(Generic[T]):
    """read(path) for any path, read again only when the file's signature changed since."""

    def __init__(self, read: Callable[[str], T]) -> None:
        self._read = read
        self._known: dict[str, tuple[Signature, T]] = {}

    def get(self, path: str) -> T:
        """What read(path) gives for the file as it is now.

        The file is stat'ed before it is read: a change while it is read leaves
        a signature older than the text, so the next call reads it again. A
        file that cannot be stat'ed is read every time (read reports it).
        """
        now = signature_of(path)
        if now is None:
            self._known.pop(path, None)
            return self._read(path)
        known = self._known.get(path)
        if known is None or known[0] != now:
            known = self._known[path] = (now, self._read(path))
        return known[1]

    def keep_only(self, paths: Collection[str]) -> None:
        """Forget every file but these (the others were deleted: their results would only take memory)."""
        for path in [path for path in self._known if path not in paths]:
            del self._known[path]
