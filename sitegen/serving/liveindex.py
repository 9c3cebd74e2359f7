"""The search under `sitegen serve`: pages changed since the site's index was written, indexed on their own.

Pagefind indexes a whole site in one run (some 20 s at 10,000 papers, in the
background, at a lower priority), so a new dump's papers would be found only
that long after their pages show. Here the index the search answers from
(the main one, in ``pagefind/``) comes with a `Ledger`: each page's record
digest and fragment. After each pass, the pages whose record is not the one
the main index holds (saved, added by a dump, previewed) are indexed alone by
Pagefind's service into ``pagefind/live-<n>/``, a fraction of a second for a
few hundred pages, and the manifest the search script reads names that
folder, the fragments of the main index to leave out (pages changed or gone)
and the live index's own. The script merges the live index into the search
(Pagefind's ``mergeIndex``) and leaves those fragments out of the results.

The main index is still made again from the whole site, once the site is
quiet (`QUIET`); when it is written, the pages changed while it read the
site are indexed live against it, and it takes the place of the old one.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..filememo import Signature, signature_of
from ..mkdocs_plugin.pagefind_index import (
    MANIFEST,
    PACK_BYTES,
    Ledger,
    Service,
    is_page,
    page_record,
    page_url,
    record_digest,
    site_pages,
    write_part,
)
from ..output.write import atomic_write

log = logging.getLogger("mkdocs.sitegen")

LIVE = "live-"  # the live indexes' folders, inside the main index's: live-1/, live-2/, ...
KEEP_LIVE = 2  # live folders kept: a browser that read the manifest before the newest reads the one before
QUIET = 5.0  # seconds without a change before the main index is made again from the whole site


@dataclass(frozen=True)
class Changes:
    """How the site's pages differ from what the main index holds."""

    pages: dict[str, str]  # URL -> record, of the pages whose record the main index does not hold
    dropped: frozenset[str]  # the main index's fragments of pages changed or gone


class LiveIndex:
    """The main index's ledger, and the live index of the pages changed since it was written."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir
        self.main: Ledger | None = None  # of the index in pagefind/ (None: none there)
        self.main_id = ""  # tells the search script that the main index was made again
        self.written: Changes | None = None  # what the live index now in the manifest holds
        self._base: dict[str, Any] = {}  # the main index's manifest, as its build wrote it
        self._folders = 0  # live folders written
        # URL -> the file's signature when last read, its record's digest, and the record itself while
        # it differs from the main index's (what is indexed live).
        self._seen: dict[str, tuple[Signature | None, bytes | None, str | None]] = {}
        # The files passes wrote (or removed) -> the number of the last `touch` naming them; `_everything`:
        # that of the last touch of every file (a whole build). Files touched before the main index began to
        # read the site (`_since`) are as it read them: only the others are looked at.
        self._touched: dict[str, int] = {}
        self._touches = self._since = 0
        self._everything = -1
        self._lock = threading.Lock()

    @property
    def bundle(self) -> Path:
        """The folder of the index the site's search loads."""
        return self.site_dir / "pagefind"

    def touch(self, paths: Iterable[str] | None) -> None:
        """Note files of the site a pass wrote or removed (None: every file, a whole build)."""
        with self._lock:
            self._touches += 1
            if paths is None:
                self._everything = self._touches
            else:
                self._touched.update(dict.fromkeys(paths, self._touches))

    def mark(self) -> int:
        """What `take_over` is given by a main index that begins to read the site now."""
        with self._lock:
            self._touches += 1
            return self._touches

    def start(self, ledger: Ledger) -> None:
        """Answer from the index now in pagefind/, whose pages the ledger lists."""
        with self._lock:
            self._adopt(self.bundle, ledger, self._touches + 1)
            self._write(self.bundle, self.changes())

    def take_over(self, fresh: Path, ledger: Ledger, since: int) -> None:
        """A main index just written in `fresh` takes the place of the one in pagefind/.

        `since`: `mark()`'s, before it began to read the site. The pages changed since are indexed live
        against it first."""
        with self._lock:
            self._adopt(fresh, ledger, since)
            self._write(fresh, self.changes())
            current, old = self.bundle, self.site_dir / ".pagefind-old"
            shutil.rmtree(old, ignore_errors=True)
            if current.exists():
                current.rename(old)
            fresh.rename(current)
            shutil.rmtree(old, ignore_errors=True)

    def refresh(self) -> Changes | None:
        """Index live the pages changed since the main index was written (if that changed); what it holds."""
        with self._lock:
            if self.main is None or not self.bundle.is_dir():
                return None
            start = time.perf_counter()
            changes = self.changes()
            if changes != self.written:
                self._write(self.bundle, changes)
                log.info(f"sitegen serve: {len(changes.pages)} changed pages indexed for the search in "
                         f"{time.perf_counter() - start:.2f} s")
            return changes

    def _adopt(self, folder: Path, ledger: Ledger, since: int) -> None:
        self.main, self.main_id = ledger, str(time.time_ns())
        self._since = since
        self._touched = {path: n for path, n in self._touched.items() if n >= since}
        self._base = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        self._base.pop("live", None)
        self._folders, self.written = 0, None

    def _looked_at(self) -> list[Path]:
        """The pages that may not be as the main index read them: those passes touched since it began."""
        if self._everything >= self._since:
            return list(site_pages(self.site_dir))
        return [Path(path) for path in sorted(self._touched) if is_page(Path(path), self.site_dir)]

    def changes(self) -> Changes:
        """The site's pages against the main index: each file read only if changed since last read."""
        main = self.main
        assert main is not None
        now: dict[str, bytes | None] = {}
        pages: dict[str, str] = {}
        everything = self._everything >= self._since
        for path in self._looked_at():
            if not everything and not path.is_file():  # taken off the site
                now[page_url(path, self.site_dir)] = None
                continue
            url = page_url(path, self.site_dir)
            signature = signature_of(str(path))  # before it is read: a write meanwhile is seen next time
            indexed = main.pages.get(url)
            seen = self._seen.get(url)
            if seen is not None and signature is not None and seen[0] == signature:
                digest, record = seen[1], seen[2]
            elif seen is None and indexed is not None and signature is not None and indexed[0] == signature:
                digest, record = indexed[1], None  # as the main index read it
            else:
                digest, record = self._read(path, url, signature, indexed)
            if digest is not None and (indexed is None or digest != indexed[1]):
                if record is None:  # read when another main index held this record
                    digest, record = self._read(path, url, signature, indexed)
                if record is not None and digest is not None and (indexed is None or digest != indexed[1]):
                    pages[url] = record
            now[url] = digest
        if everything:  # every page was looked at: those not found are gone
            for url in self._seen.keys() - now.keys():
                del self._seen[url]
            now.update((url, None) for url in main.pages.keys() - now.keys())
        dropped = frozenset(main.fragments[url] for url, digest in now.items()
                            if url in main.pages and digest != main.pages[url][1] and url in main.fragments)
        return Changes(pages, dropped)

    def _read(self, path: Path, url: str, signature: Signature | None,
              indexed: tuple[Signature | None, bytes] | None) -> tuple[bytes | None, str | None]:
        """A page's record digest, and its record if the main index (its entry `indexed`) lacks it."""
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:  # removed meanwhile: seen as gone
            return None, None
        record = page_record(text, url)
        digest = record_digest(record) if record is not None else None
        if indexed is not None and digest == indexed[1]:
            record = None  # kept only while it is indexed live
        self._seen[url] = (signature, digest, record)
        return digest, record

    def _write(self, bundle: Path, changes: Changes) -> None:
        """Index the changed pages into a new live folder of `bundle`, then name it in the manifest."""
        live: dict[str, Any] = {"main": self.main_id}
        if changes.pages or changes.dropped:
            self._folders += 1
            name = f"{LIVE}{self._folders}"
            packs, fragments = write_live(bundle / name, changes.pages) if changes.pages else (0, [])
            live.update({"folder": f"{name}/" if changes.pages else None, "packs": packs,
                         "drop": sorted(changes.dropped), "pages": fragments})
        # A browser reads the old manifest or the new one, whole.
        atomic_write(bundle / MANIFEST, json.dumps({**self._base, "live": live}) + "\n")
        self.written = changes
        for folder in bundle.glob(f"{LIVE}*"):
            number = folder.name.removeprefix(LIVE)
            if number.isdigit() and int(number) <= self._folders - KEEP_LIVE:
                shutil.rmtree(folder, ignore_errors=True)


def write_live(folder: Path, pages: dict[str, str]) -> tuple[int, list[str]]:
    """Index the records (URL -> record) into `folder`, merged by the search; its packs and fragments."""
    service = Service()
    try:
        for url, record in sorted(pages.items()):
            service.add_html(url, record)
        service.ask_files()
        files = service.files()
    finally:
        service.close()
    fragments: dict[str, str] = {}
    packs = write_part(files, folder, True, PACK_BYTES, fragments)
    return packs, sorted(fragments.values())


class Coalesced:
    """Runs a job in a thread when asked, one run at a time: asks during a run make one run more after it.

    `quiet`: a run starts only that many seconds after the last ask (a burst of
    changes makes one run, after it).
    """

    def __init__(self, job: Callable[[], None], quiet: float = 0.0) -> None:
        self.job, self.quiet = job, quiet
        self._asked = threading.Event()
        self._last = 0.0
        self._running = threading.Lock()

    def ask(self) -> None:
        """Have the job run (again) soon."""
        self._last = time.monotonic()
        self._asked.set()
        if not self._running.locked():
            threading.Thread(target=self._loop, daemon=True).start()

    @property
    def busy(self) -> bool:
        """Whether a run is going on or asked for."""
        return self._asked.is_set() or self._running.locked()

    def _loop(self) -> None:
        # An ask made while the lock is being released is taken by this loop's next turn.
        while self._asked.is_set() and self._running.acquire(blocking=False):
            try:
                while self._asked.is_set():
                    while (left := self._last + self.quiet - time.monotonic()) > 0:
                        time.sleep(min(left, 0.25))
                    self._asked.clear()
                    try:
                        self.job()
                    except Exception as exc:  # reported; the next ask runs it again
                        log.error(f"sitegen serve: {exc}")
            finally:
                self._running.release()
