"""``sitegen serve``: build, serve on localhost, and rebuild only what a change needs.

MkDocs' own ``serve`` rebuilds the whole site on every save (47 s at 10,000
papers). Here each change is classified first:

- a saved page of ``content/``: that page alone is rendered (see
  `livebuild`: MkDocs' files, navigation and templates are kept between
  passes), so a paper page shows at once; sitegen's build then runs in the
  background for what depends on the page (topic lists, feeds, exports),
  and the pages it rewrites are rendered in turn;
- ``topics.yml`` alone: the generated pages (home, topics, tags) rendered
  again from the paper pages as they are (see `preview`) and shown, then
  sitegen's build in the background for the rest (feeds, exports);
- new files under the sources alone (a new dump): the pages of its papers
  that cannot be duplicates of any other, and the generated pages listing
  them, shown from memory (see `dumppreview`); sitegen's build then runs in
  the background, and what it writes takes their place;
- ``pyproject.toml`` or another change under the sources: sitegen's build,
  then the pages it wrote;
- ``mkdocs.yml`` or the theme overrides: MkDocs' whole build.

Changes are seen through the system's file events (inotify), not by
polling every file twice a second as MkDocs' server does. After each pass
the pages it changed are indexed on their own for the search (see
`liveindex`), and once the site is quiet Pagefind indexes it again in the
background, into a folder that replaces the old index when complete: the
search answers throughout, and finds what a change brought within a second
or so of the pages showing.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import watchdog.events
import watchdog.observers
import watchdog.observers.polling
from mkdocs.config import load_config as load_mkdocs_config
from mkdocs.livereload import LiveReloadServer

from ..config import Config
from ..filememo import Signature, signature_of
from ..mkdocs_plugin import pagefind_index
from ..mkdocs_plugin.pagefind_index import Ledger
from ..mkdocs_plugin.plugin import lower_priority, run_pagefind
from ..models import SitegenError
from .dumppreview import DumpPages, DumpPreview
from .livebuild import LiveSite, Pass
from .liveindex import QUIET, Coalesced, LiveIndex
from .preview import Preview

log = logging.getLogger("mkdocs.sitegen")  # shown with MkDocs' own messages


def _logging() -> None:
    """MkDocs' messages (building, serving, reloading, warnings) on stderr, as `mkdocs serve` shows them."""
    logger = logging.getLogger("mkdocs")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
Snapshot = dict[str, tuple[int, int]]


def snapshot(roots: Iterable[Path]) -> Snapshot:
    """Modification time and size of every file under the roots (hidden files and folders left out)."""
    found: Snapshot = {}
    for root in roots:
        if root.is_file():
            stat = root.stat()
            found[str(root)] = (stat.st_mtime_ns, stat.st_size)
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if not name.startswith("."):
                    path = os.path.join(folder, name)
                    try:
                        stat = os.stat(path)
                    except OSError:  # removed meanwhile
                        continue
                    found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


def changed(before: Snapshot, after: Snapshot) -> set[str]:
    """Paths added, removed or modified between two snapshots."""
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


class Snapshots:
    """Changes found by comparing snapshots of the roots: each call, what changed since the last."""

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots = list(roots)
        self.last = snapshot(self.roots)

    def __call__(self) -> set[str]:
        now = snapshot(self.roots)
        found, self.last = changed(self.last, now), now
        return found


_CHANGING = {watchdog.events.EVENT_TYPE_CREATED, watchdog.events.EVENT_TYPE_MODIFIED,
             watchdog.events.EVENT_TYPE_DELETED, watchdog.events.EVENT_TYPE_MOVED,
             watchdog.events.EVENT_TYPE_CLOSED, watchdog.events.EVENT_TYPE_ATTRIB}


class Recorder(watchdog.events.FileSystemEventHandler):
    """Changes told by file-system events: each call, the files touched since the last.

    Hidden files and folders (sitegen's state, temporary files) are left out,
    as snapshots leave them out. A single file (topics.yml) is watched
    through its folder: editors that save by renaming a new file over the
    old one would otherwise leave a watch on a file that is gone.
    """

    def __init__(self, roots: Iterable[Path], wake: Callable[[], None] = lambda: None) -> None:
        self.folders = [root for root in roots if root.is_dir()]
        self.files = {str(root) for root in roots if not root.is_dir()}
        self.wake = wake
        self._found: set[str] = set()
        self._lock = threading.Lock()

    def watches(self) -> list[tuple[str, bool]]:
        """(folder, recursive) to schedule this handler on."""
        parents = {str(Path(f).parent) for f in self.files if Path(f).parent.is_dir()}
        return [(str(f), True) for f in self.folders] + [(p, False) for p in sorted(parents)]

    def on_any_event(self, event: watchdog.events.FileSystemEvent) -> None:
        # Files opened and closed unwritten are read, not changed (sitegen's build reads every page).
        if event.is_directory or event.event_type not in _CHANGING:
            return
        paths = [os.fsdecode(event.src_path), os.fsdecode(getattr(event, "dest_path", "") or "")]
        wanted = {path for path in paths if path and self._wanted(path)}
        if wanted:
            with self._lock:
                self._found |= wanted
            self.wake()

    def _wanted(self, path: str) -> bool:
        if path in self.files:
            return True
        for folder in self.folders:
            rel = os.path.relpath(path, folder)
            if not rel.startswith(".." + os.sep) and rel != "..":
                return not any(part.startswith(".") for part in Path(rel).parts)
        return False

    def __call__(self) -> set[str]:
        with self._lock:
            found, self._found = self._found, set()
        return found


@dataclass
class Plan:
    """What a set of changed files needs."""

    sitegen: bool = False  # sitegen's build first (sources or taxonomy changed)
    background_sitegen: bool = False  # sitegen's build after the pages are shown (a page was saved)
    full: bool = False  # MkDocs' whole build (configuration or theme changed)
    taxonomy_only: bool = False  # of sitegen's inputs, only topics.yml changed: a preview can come first
    sources_only: bool = False  # of sitegen's inputs, only files under the sources changed (a new dump?)


@dataclass(frozen=True)
class Project:
    """Where the files a change can touch are."""

    content: Path
    inputs: tuple[Path, ...]  # what sitegen's build reads besides content/
    theme: tuple[Path, ...]  # mkdocs.yml and the theme's custom folder
    taxonomy: Path | None = None  # topics.yml (one of the inputs)
    sources: tuple[Path, ...] = ()  # the sources' files and folders (inputs too)

    def roots(self) -> list[Path]:
        """Everything watched."""
        return [self.content, *self.inputs, *self.theme]


def plan(paths: set[str], project: Project) -> Plan:
    """Classify changed paths into the work they need."""
    result = Plan()
    content = str(project.content) + os.sep
    taxonomy: list[bool] = []  # for each changed input of sitegen's: is it topics.yml?
    sources: list[bool] = []  # ... is it a file under a sources folder?
    for path in sorted(paths):
        if path.startswith(content):
            rel = path[len(content):].replace(os.sep, "/")
            # A curator's paper page: what depends on it follows (generated pages are sitegen's own).
            result.background_sitegen |= rel.startswith("papers/") and rel.endswith(".md")
        elif any(path == str(p) or path.startswith(str(p) + os.sep) for p in project.theme):
            result.full = True
        else:
            result.sitegen = True
            taxonomy.append(project.taxonomy is not None and path == str(project.taxonomy))
            sources.append(any(path.startswith(str(p) + os.sep) for p in project.sources))
    result.taxonomy_only = bool(taxonomy) and all(taxonomy)
    result.sources_only = bool(sources) and all(sources)
    if result.sitegen:
        result.background_sitegen = False  # it runs first anyway
    return result


class Site:
    """The site being served: built once by MkDocs, then page by page, and Pagefind in the background."""

    def __init__(self, config_file: Path, site_dir: Path, serve_url: str, quiet: float = QUIET) -> None:
        self.config_file, self.site_dir, self.serve_url = config_file, site_dir, serve_url
        self.live = LiveSite(config_file, site_dir, serve_url)
        self.search = LiveIndex(site_dir)  # the pages changed since the main index was written
        self.searched = Coalesced(self._search_changes)  # after each pass
        self.indexed = Coalesced(self._index_whole, quiet)  # once the site is quiet
        self._lock = threading.Lock()  # one pass at a time over MkDocs' state
        self._pending_lock = threading.Lock()
        self._pending_running = False  # a thread renders the pending pages (set and read under the lock)

    def build(self, index_now: bool = False) -> float:
        """MkDocs' whole build, with the configuration read again; seconds taken.

        Pagefind indexes the site in the background afterwards, or before returning with `index_now`
        (the first build: the search answers from the start)."""
        start = time.perf_counter()
        ledger = Ledger() if index_now else None
        with self._lock:
            self.live.whole(index_now=index_now, ledger=ledger)
        plugin = self.live.plugin
        if ledger is not None and plugin is not None and plugin.pagefind:
            ledger.stamp(self.site_dir)  # nothing wrote the pages since they were indexed
            self.search.start(ledger)
        if not index_now:
            self.search.touch(None)
            self._index_if_pagefind()
        return time.perf_counter() - start

    @property
    def previewing(self) -> bool:
        """Whether pages of a preview are shown (see `LiveSite.preview`)."""
        return self.live.previewing

    def update(self, changed: Iterable[str], end_preview: bool = True) -> Pass:
        """Render what the changed files of content/ need (paths relative to it); Pagefind follows.

        `end_preview`: the pages of a preview give way to content/'s files now."""
        with self._lock:
            done = self.live.update(changed, end_preview)
        self._follow(done)
        return done

    def preview(self, pages: DumpPages) -> Pass:
        """Show a new dump's papers now, and the generated pages listing them right after."""
        with self._lock:
            done = self.live.preview(pages.papers, {})
        generated = pages.generated()  # the new papers' pages are served meanwhile
        with self._lock:
            self.live.preview({}, generated)  # pending: rendered after the pass
        self._follow(done)
        return done

    def _follow(self, done: Pass) -> None:
        """After a pass: the search's index of the pages it changed, and the pending pages in a thread."""
        with self._pending_lock:
            start_pending = bool(self.live.pending) and not self._pending_running
            self._pending_running |= start_pending
        self.search.touch(None if done.whole else done.written)
        if done.rendered or done.whole:
            self._index_if_pagefind()  # not after the pending pages: they can take a while at 10,000 papers
        if start_pending:
            threading.Thread(target=self._render_pending, daemon=True).start()

    def _render_pending(self) -> None:
        """Render the pages no change named (related papers changed) a few at a time, after the pass.

        The browser shows the changed pages meanwhile; a pass for a new change
        waits for one batch at most.
        """
        try:
            while True:
                with self._lock:
                    batch = sorted(self.live.pending)[:PENDING_BATCH]
                    if batch:
                        self.search.touch(self.live.update(batch, end_preview=False).written)
                if not batch:
                    with self._pending_lock:  # a pass adding pages now sees no thread, and starts one
                        if not self.live.pending:
                            self._pending_running = False
                            break
                time.sleep(0)  # let a waiting pass in
        except BaseException:
            with self._pending_lock:  # the next pass starts another thread
                self._pending_running = False
            raise
        self._index_if_pagefind()

    def settle(self, timeout: float = 600) -> None:
        """Wait until the pending pages are rendered."""
        end = time.monotonic() + timeout
        while self._pending_running and time.monotonic() < end:
            time.sleep(0.05)

    def _index_if_pagefind(self) -> None:
        plugin = self.live.plugin
        if plugin is not None and plugin.pagefind:
            self.searched.ask()
            self.indexed.ask()

    def _search_changes(self) -> None:
        self.search.refresh()

    def _index_whole(self) -> None:
        fresh, ledger = self.site_dir / ".pagefind-next", Ledger()
        start, since = time.perf_counter(), self.search.mark()
        try:
            run_pagefind(self.site_dir, output=fresh, background=True, ledger=ledger)
        except Exception as exc:  # reported, and the previous index keeps answering
            log.error(str(exc))
            return
        self.search.take_over(fresh, ledger, since)
        live = self.search.written
        log.info(f"sitegen serve: whole search index written in {time.perf_counter() - start:.1f} s "
                 f"({len(live.pages) if live else 0} pages changed meanwhile indexed on their own)")


PENDING_BATCH = 25  # pages rendered in one go after a pass (about 0.5 s at 10,000 papers)


def _observer(probe: Path) -> Any:
    """The platform's file-system events (inotify on Linux), else polling as MkDocs does.

    MkDocs' server polls the watched folders every 0.5 s, listing and
    stating every file each time: 8,000 paper pages at 10,000 papers, and up
    to half a second before a save is seen at all.
    """
    try:
        observer = watchdog.observers.Observer()
        observer.schedule(watchdog.events.FileSystemEventHandler(), str(probe), recursive=True)
        observer.start()  # fails where the system gives no events (or too few watches) for the folder
        observer.stop()
        observer.join()
        return watchdog.observers.Observer()
    except Exception:
        return watchdog.observers.polling.PollingObserver(timeout=0.5)


class Server(LiveReloadServer):
    """MkDocs' livereload server, told of changes by file-system events, and able to leave browsers be."""

    def __init__(self, *args: Any, probe: Path, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.observer = _observer(probe)  # the folder tried (what is watched most)

    def watch_project(self, recorder: Recorder) -> None:
        """Watch what the recorder follows; its changes, and only those, start a pass.

        MkDocs' `watch` starts a pass on any event of a watched folder (also
        sitegen's state and temporary files) and cannot watch a single file
        through its folder. This registers the folders as it does (the
        served pages get the reload script when any is watched) and wakes
        its build loop the way its own handler does (MkDocs 1.6).
        """
        recorder.wake = self.wake
        for folder, recursive in recorder.watches():
            self._watched_paths[folder] = 1
            self.observer.schedule(recorder, folder, recursive=recursive)

    def wake(self) -> None:
        """Ask for a pass, as MkDocs' own handler of file events does."""
        with self._rebuild_cond:
            self._want_rebuild = True
            self._rebuild_cond.notify_all()

    def keep_pages(self) -> None:
        """After this pass, do not reload the browsers: nothing they show changed.

        The server reloads them after every pass, and sitegen's build in the
        background touches files (its state, temporary files) several times
        a second: a page being read reloaded as often. The epochs are those
        of MkDocs 1.6's livereload: the version started and the version shown.
        """
        self._wanted_epoch = self._visible_epoch


class Rebuilder:
    """The livereload server's builder: from the files changed since the last pass, the work they need."""

    def __init__(self, project: Project, site: Site, sitegen: Callable[[], None],
                 background: Callable[[], None] | None = None,
                 changes: Callable[[], set[str]] | None = None,
                 preview: Callable[[], list[str] | None] | None = None,
                 dump: DumpPreview | None = None) -> None:
        self.project, self.site, self.sitegen = project, site, sitegen
        self.preview = preview  # pages for a new taxonomy before sitegen's build (None: it cannot)
        self.dump = dump  # pages for a new dump before sitegen's build
        self.sitegen_later = background or sitegen  # the same build, at a lower priority
        self.changes = changes or Snapshots(project.roots())  # changed files since the last call
        self._background = threading.Lock()
        self._again = threading.Event()
        self._seen: dict[str, Signature | None] = {}  # what passes saw of each changed file
        self.background: threading.Thread | None = None  # sitegen's build after a saved page
        self.unchanged: Callable[[], None] = lambda: None  # what the server does when nothing changed
        self.wake: Callable[[], None] = lambda: None  # asks the server for a pass

    def __call__(self) -> None:
        paths = self._new(self.changes())
        # A preview ends once sitegen's build has written what replaces it.
        if not paths and not (self.site.previewing and not self._background.locked()):
            self.unchanged()  # only sitegen's own state or temporary files: nothing to show
            return
        try:
            self._pass(paths)
        except BaseException:
            for path in paths:  # not seen after all: the next pass renders them
                self._seen.pop(path, None)
            raise

    def _preview(self) -> list[str] | None:
        """The preview's pages, unless sitegen's build is writing content/ now (then: None)."""
        if self.preview is None or not self._background.acquire(blocking=False):
            return None
        try:
            return self.preview()
        finally:
            self._background.release()

    def _pass(self, paths: set[str]) -> None:
        work = plan(paths, self.project)
        start = time.perf_counter()
        written = self._preview() if work.sitegen and work.taxonomy_only else None
        dumped = self._dump(paths) if work.sitegen and work.sources_only and not work.full else None
        if dumped is not None:  # the new papers first; sitegen's build follows in the background
            found = time.perf_counter() - start
            done = self.site.preview(dumped)
            work.sitegen, work.background_sitegen = False, True
            log.info(f"sitegen serve: {len(done.rendered)} new papers previewed in "
                     f"{time.perf_counter() - start:.2f} s ({found:.2f} s to tell them from duplicates; "
                     f"then the generated pages; {dumped.waiting} records left to sitegen's build)")
        elif written is not None:  # what the browser shows first; sitegen's build follows in the background
            # Named here: their file events may come after this pass (and are then left out, below).
            paths |= self._new({str(self.project.content / rel) for rel in written} | self.changes())
            work.background_sitegen = True
            log.info(f"sitegen serve: generated pages previewed in {time.perf_counter() - start:.2f} s")
        elif work.sitegen:
            with self._background:  # never two builds at once over one content folder
                self.sitegen()
            paths |= self._new(self.changes())
            log.info(f"sitegen serve: sitegen's build took {time.perf_counter() - start:.2f} s")
        if dumped is not None:
            if not done.rendered:
                self.unchanged()  # every record waits for the build: the pages stay as they are
        elif work.full:
            seconds = self.site.build()
            log.info(f"sitegen serve: {len(paths)} changed files, site rebuilt in {seconds:.2f} s")
        else:
            content = str(self.project.content) + os.sep
            done = self.site.update((path[len(content):].replace(os.sep, "/") for path in paths
                                     if path.startswith(content)), end_preview=not self._background.locked())
            log.info(f"sitegen serve: {len(paths)} changed files, {len(done.rendered)} pages rendered"
                     f"{' (the whole site)' if done.whole else ''} in {time.perf_counter() - start:.2f} s")
            if not done.rendered and not done.whole:
                self.unchanged()  # exports, feeds or nothing shown: the pages stay as they are
        if work.background_sitegen:
            self.background = threading.Thread(target=self._sitegen_in_background, daemon=True)
            self.background.start()

    def _dump(self, paths: set[str]) -> DumpPages | None:
        """The pages of a new dump's papers, or None when sitegen's build must come first."""
        if self.dump is None:
            return None
        try:
            return self.dump(paths)
        except Exception as exc:  # the build that follows reports what is wrong
            log.warning(f"sitegen serve: no preview of the new dump ({type(exc).__name__}: {exc})")
            return None

    def _new(self, paths: set[str]) -> set[str]:
        """The paths whose file is not as a pass last saw it (a late event repeats a change)."""
        found = set()
        for path in paths:
            now = signature_of(path)
            if path not in self._seen or self._seen[path] != now:
                self._seen[path] = now
                found.add(path)
        return found

    def _sitegen_in_background(self) -> None:
        # Its writes to content/ wake the server again, which renders the pages it rewrote.
        # A change while one runs is built by one more run after it (it may have read the files before).
        self._again.set()
        while self._again.is_set() and self._background.acquire(blocking=False):
            try:
                while self._again.is_set():
                    self._again.clear()
                    self.sitegen_later()
            finally:
                self._background.release()
        self.wake()  # a pass ends a preview, if one is shown
        if self.dump is not None:
            self.dump.warm()  # the next dump is compared with this build's records


def sitegen_subprocess(config: Config, background: bool = False) -> Callable[[], None]:
    """sitegen's build in a child process (its workers fork; the server here runs threads).

    In the background it runs at a lower CPU priority: the pages a reader waits for come first.
    """
    def run() -> None:
        command = [sys.executable, "-m", "sitegen", "build", "--project", str(config.root)]
        with subprocess.Popen(command) as proc:
            if background:
                lower_priority(proc.pid)
            proc.wait()
    return run


def check_address(host: str, port: int) -> None:
    """Fail now, with a message, if the server could not listen on host:port (before building the site)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            probe.bind(infos[0][4])
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SitegenError(f"cannot serve on {host}:{port}: {reason}; is another server using it? "
                           "Pick another address with --dev-addr") from exc


def serve(config: Config, config_file: Path, host: str, port: int, theme: tuple[Path, ...]) -> None:
    """Build sitegen's pages and the site, serve it, and rebuild on change until interrupted."""
    check_address(host, port)
    _logging()
    site_dir = Path(tempfile.mkdtemp(prefix="sitegen-serve-"))
    url = f"http://{host}:{port}/"
    # Stopped by a signal (a terminal closed, a process manager), the site folder is removed too,
    # from the first build on.
    signal.signal(signal.SIGTERM, lambda *_: _interrupt())
    try:
        site = Site(config_file, site_dir, url)
        seconds = site.build(index_now=True)
        log.info(f"sitegen serve: site built in {seconds:.1f} s")
        project = Project(config.content, (*config.sources, config.topics, config.root / "pyproject.toml"),
                          theme, config.topics, tuple(config.sources))
        preview = Preview(config)
        preview.pages()  # read once now: a change of topics.yml then reads only the pages changed since
        dump = DumpPreview(config, preview)
        threading.Thread(target=dump.warm, daemon=True).start()  # the records a new dump is compared with
        recorder = Recorder(project.roots())
        rebuild = Rebuilder(project, site, sitegen_subprocess(config),
                            sitegen_subprocess(config, background=True), recorder, preview.write, dump)
        server = Server(builder=rebuild, host=host, port=port, root=str(site_dir), probe=config.content)
        rebuild.unchanged, rebuild.wake = server.keep_pages, server.wake
        server.error_handler = lambda code: _error_page(site_dir, code)
        server.watch_project(recorder)
        try:
            server.serve()  # type: ignore[no-untyped-call]
        except KeyboardInterrupt:
            log.info("sitegen serve: shutting down")
        finally:
            server.shutdown()
    finally:
        pagefind_index.stop_all()  # an index being built in the background is of no use now
        shutil.rmtree(site_dir, ignore_errors=True)


def _interrupt() -> None:
    raise KeyboardInterrupt


def _error_page(site_dir: Path, code: int) -> bytes | None:
    page = site_dir / f"{code}.html"
    return page.read_bytes() if code in (404, 500) and page.is_file() else None


def theme_paths(config_file: Path) -> tuple[Path, ...]:
    """mkdocs.yml and its theme's custom_dir, if any: what a full MkDocs build follows."""
    paths = [config_file]
    try:
        config: Any = load_mkdocs_config(config_file=str(config_file))
        custom = config.theme.custom_dir
    except Exception:  # MkDocs reports a broken configuration at the first build
        custom = None
    if custom:
        paths.append(Path(custom))
    return tuple(paths)
