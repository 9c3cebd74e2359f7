"""The Pagefind index of the site, built from the pages as MkDocs renders them, in bounded parts.

Pagefind's command line reads and parses every HTML file of the built site
after MkDocs wrote it, and builds one index in one process: 20 s and 960 MB
at 8,000 papers, its memory growing with the words indexed (about 700 bytes
a word while it builds the index), so 100,000 papers would have needed some
12 GB. Here:

- each page's record (what Pagefind indexes of it: the part of a paper page
  its template marks ``data-pagefind-body``, the article of other pages) goes
  to Pagefind's indexing service (``pagefind --service``, the process behind
  its Python and Node APIs) as the page is rendered, so no file is read
  again and the service indexes on the other core while MkDocs renders;
- the index is written in parts of at most `PART_WORDS` words: when a part
  is full its process hands back its files (in memory: Pagefind would write
  one fragment file a page) and ends, and the next part goes to a new one,
  so memory stays that of one part whatever the size of the list. The
  first part is the bundle the site's search loads (``pagefind/``), the
  others sit in numbered folders inside it, listed in `MANIFEST`; the search
  script merges them (Pagefind's ``mergeIndex``: one query, results of all
  parts ranked together).

The ``pagefind`` package's own client answers one request per tenth of a
second (its reader sleeps 0.1 s before each response): 100,000 pages would
take hours. `Service` speaks the same protocol (base64 JSON messages ended
by a comma on the service's stdin and stdout) with requests written as they
come and answers read by a thread.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..filememo import Signature, signature_of

# Heading permalinks ("¶") are not text of a page; lists of papers on generated pages (topic
# lists, the tags page) are marked data-search-exclude: each paper is found through its own page.
EXCLUDE_SELECTORS = (".headerlink", "[data-search-exclude]")
# Words a part of the index holds: Pagefind took about 700 bytes a word to build one (8,000
# pages of 130 words: 940 MB at its peak), so a part peaks near 1 GB.
PART_WORDS = 1_500_000
MANIFEST = "sitegen-parts.json"  # the folders of the other parts, relative to the first, and their packs
# Compressed bytes of Pagefind's fragments gathered into a pack: about 10 KB once compressed
# together, a few blocks on disk; a search fetches one pack per result it shows.
PACK_BYTES = 16_000
PACKS = "fragment-packs"  # the folder of a part's packs, beside Pagefind's own folders
_SIGNATURE = b"pagefind_dcd"  # what Pagefind's fragments start with once decompressed
# Pagefind's own search interfaces: the site has its own (sitegen-search.js), which runs Pagefind
# in the page rather than in Pagefind's worker (it answers the requests for fragments).
_UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
           "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js",
           "pagefind-worker.js")
# What a part merged into the first needs of Pagefind's files (its fragments go into packs).
_MERGED_KEEP = ("pagefind-entry.json", "index", "filter")


# Services running now: `stop_all` ends them when their user stops before they finish (a server
# stopped while it indexes in the background would otherwise leave a Pagefind process behind).
_LIVE: set[Service] = set()
_LIVE_LOCK = threading.Lock()


class PagefindError(Exception):
    """Pagefind could not be started, or could not index a page or write the index."""


def executable() -> Path:
    """The Pagefind binary (of the pagefind[bin] package, PAGEFIND_BINARY_PATH, or on PATH)."""
    try:
        from pagefind.service import get_executable
    except ImportError as exc:
        raise PagefindError("the pagefind package is not installed") from exc
    found = get_executable()
    if found is None:
        raise PagefindError("no Pagefind binary found (the pagefind[bin] package installs one)")
    return found


def lower_priority(pid: int) -> None:
    """Give a child process a lower CPU priority (work in the background; POSIX only)."""
    if hasattr(os, "setpriority"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, 10)


class Service:
    """One `pagefind --service` process building one index.

    `add_html` sends a page and returns at once: the service works through
    the pages in order while the caller goes on. `write` asks for the index
    files; `wait` waits for them (and every page before). The first request
    the service refused is raised by the next call.
    """

    def __init__(self, background: bool = False) -> None:
        try:
            self._proc = subprocess.Popen([str(executable()), "--service"], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as exc:
            raise PagefindError(f"cannot run Pagefind: {exc}") from exc
        with _LIVE_LOCK:
            _LIVE.add(self)
        if background:
            lower_priority(self._proc.pid)
        self.pages = self.words = 0  # sent so far (words: about as Pagefind counts them)
        self._next = 0
        self._answered = threading.Condition()
        self._pending: dict[int, str] = {}  # message id -> what it was about, until answered
        self._answers: dict[int, dict[str, Any]] = {}  # answers someone waits for
        self._error: str | None = None
        self._closing = False
        self._asking: int | None = None
        self._reader = threading.Thread(target=self._read, args=(self._proc.stdout,), daemon=True)
        self._reader.start()
        try:
            self._index = int(self.wait(self._send(
                {"type": "NewIndex", "config": {"exclude_selectors": list(EXCLUDE_SELECTORS)}},
                "creating an index", flush=True))["index_id"])
        except BaseException:
            self.kill()
            raise

    def _send(self, payload: dict[str, Any], about: str, flush: bool = False) -> int:
        with self._answered:
            if self._error is not None:
                raise PagefindError(self._error)
            self._next += 1
            message = self._next
            self._pending[message] = about
        data = base64.b64encode(json.dumps({"message_id": message, "payload": payload}).encode("utf-8"))
        try:
            assert self._proc.stdin is not None
            self._proc.stdin.write(data + b",")
            if flush:
                self._proc.stdin.flush()
        except (OSError, ValueError) as exc:  # the service ended: its last answer may say why
            self._reader.join(timeout=5)
            raise PagefindError(self._error or f"Pagefind stopped ({exc})") from exc
        return message

    def wait(self, message: int) -> dict[str, Any]:
        """The answer to a request (the service answers in order: every earlier one is in)."""
        with self._answered:
            while message not in self._answers and self._error is None:
                self._answered.wait()
            if self._error is not None:
                raise PagefindError(self._error)
            return self._answers.pop(message)

    def _read(self, stdout: IO[bytes] | None) -> None:
        assert stdout is not None
        # An answer may span many reads (a GetFiles answer is a whole index): what came of it so far
        # is kept apart and each read searched alone, so a long answer costs its length, not its square.
        pending = bytearray()
        try:
            while chunk := os.read(stdout.fileno(), 1 << 20):
                start = 0
                while (end := chunk.find(b",", start)) >= 0:
                    pending += chunk[start:end]
                    self._answer(json.loads(base64.b64decode(pending)))
                    pending.clear()
                    start = end + 1
                pending += chunk[start:]
        except (ValueError, TypeError, AttributeError, OSError) as exc:  # an answer it cannot read
            with self._answered:
                self._error = self._error or f"Pagefind answered what sitegen cannot read ({exc})"
        finally:  # whoever waits for an answer learns that none will come
            with self._answered:
                if self._error is None:
                    self._error = "Pagefind was stopped" if self._closing else "Pagefind stopped unexpectedly"
                self._answered.notify_all()

    def _answer(self, response: dict[str, Any]) -> None:
        payload = response.get("payload") or {}
        message = response.get("message_id")
        if message is None and payload.get("original_message"):  # a request it could not read
            message = json.loads(payload["original_message"]).get("message_id")
        with self._answered:
            about = self._pending.pop(message, "a request") if isinstance(message, int) else "a request"
            if payload.get("type") == "Error":
                self._error = self._error or f"{about}: {payload.get('message') or 'failed'}"
            elif payload.get("type") != "IndexedFile":  # pages are only waited for all together
                self._answers[int(message or 0)] = payload
            self._answered.notify_all()

    def add_html(self, url: str, page: str) -> None:
        """Index an HTML page under a URL (from the site's root, /); results show its first <h1>."""
        self._send({"type": "AddFile", "index_id": self._index, "url": url, "file_path": None,
                    "file_contents": page}, url)
        self.pages += 1
        self.words += len(_TAG.sub(" ", page).split())

    def ask_files(self) -> None:
        """Ask for the index's files (made once every page sent is indexed); `files` waits for them."""
        self._asking = self._send({"type": "GetFiles", "index_id": self._index}, "writing the index",
                                  flush=True)

    def files(self) -> dict[str, bytes]:
        """The index's files asked for by `ask_files`: each one's path (relative, /) to its bytes."""
        if self._asking is None:
            raise PagefindError("no files were asked for")
        answer, self._asking = self.wait(self._asking), None
        files = {}
        for item in answer.get("files") or []:
            path = str(item["path"])
            if path.startswith("/") or ".." in path.split("/"):
                raise PagefindError(f"Pagefind named a file outside its index: {path}")
            files[path] = base64.b64decode(item["content"])
        return files

    def close(self) -> None:
        """End the service (an index not written is lost)."""
        with self._answered:
            self._closing = True
        if self._proc.poll() is None:
            with contextlib.suppress(OSError):
                if self._proc.stdin is not None:
                    self._proc.stdin.close()  # the service exits at the end of its input
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._reader.join(timeout=5)
        with _LIVE_LOCK:
            _LIVE.discard(self)

    def kill(self) -> None:
        """End the service at once, whatever it was doing."""
        with self._answered:
            self._closing = True
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        with _LIVE_LOCK:
            _LIVE.discard(self)


def stop_all() -> None:
    """End every Pagefind service still running (their indexes are not written)."""
    with _LIVE_LOCK:
        running = list(_LIVE)
    for service in running:
        service.kill()


@dataclass
class Ledger:
    """What an index holds of each page, for telling later which pages it no longer matches.

    `sitegen serve` keeps one for the index the site's search answers from:
    a page whose record is not the one indexed (edited, added) or that is
    gone is indexed again on its own (see `serving.liveindex`), and the
    index's entry for it, named by its fragment, is left out of the results.
    """

    # URL -> the file's signature when it was read (None: not known) and the digest of its record
    pages: dict[str, tuple[Signature | None, bytes]] = field(default_factory=dict)
    fragments: dict[str, str] = field(default_factory=dict)  # URL -> Pagefind's fragment (its result id)

    def stamp(self, site_dir: Path) -> None:
        """Take the signatures of the built files as those of the pages indexed (right after a build)."""
        for url, (_, digest) in self.pages.items():
            self.pages[url] = (signature_of(str(page_file(url, site_dir))), digest)


def record_digest(record: str) -> bytes:
    """What tells one record of a page from another."""
    return hashlib.blake2b(record.encode("utf-8"), digest_size=16).digest()


class SiteIndex:
    """The site's Pagefind index in parts of at most `part_words` words, the first one in `output`.

    At most two services run at a time: the one taking pages, and the one
    making the part before (the next part waits for it before it is made).
    A part's files come back from its service in memory and are written, its
    fragments packed, in a thread (gzip and the disk let go of the
    interpreter) while the pages of the next one are rendered.
    """

    def __init__(self, output: Path, background: bool = False, part_words: int = PART_WORDS,
                 ledger: Ledger | None = None) -> None:
        shutil.rmtree(output, ignore_errors=True)
        self.output, self.background, self.part_words = output, background, part_words
        self.ledger = ledger  # what the index holds of each page, noted as it is written
        self.parts: list[Path] = []
        self.pages = 0
        self._filling: Service | None = None
        self._writing: Service | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._packs: list[Future[int]] = []  # each part's writing (its number of packs), as `parts`

    def add(self, url: str, page: str, signature: Signature | None = None) -> bool:
        """Index a rendered page under its URL (from the site's root); False if it has no record.

        `signature`: its file's, stat'ed before it was read (for the ledger)."""
        text = page_record(page, url)
        if text is None:
            return False
        if self.ledger is not None:
            self.ledger.pages[url] = (signature, record_digest(text))
        if self._filling is None:
            self._filling = Service(self.background)
        self._filling.add_html(url, text)
        self.pages += 1
        if self._filling.words >= self.part_words:
            self._write_part()
        return True

    def _write_part(self) -> None:
        service, self._filling = self._filling, None
        if service is None:
            return
        self._finish_writing()
        folder = self.output if not self.parts else self.output / str(len(self.parts) + 1)
        self.parts.append(folder)
        service.ask_files()
        self._writing = service
        self._writer = self._writer or ThreadPoolExecutor(1, thread_name_prefix="sitegen-pagefind")
        fragments = self.ledger.fragments if self.ledger is not None else None
        self._packs.append(self._writer.submit(self._write, service, folder, len(self.parts) > 1, fragments))

    def _write(self, service: Service, folder: Path, merged: bool, fragments: dict[str, str] | None) -> int:
        try:
            files = service.files()
        finally:
            service.close()
        return write_part(files, folder, merged, PACK_BYTES, fragments)

    def _finish_writing(self) -> None:
        if self._writing is not None:
            self._writing = None
            self._packs[-1].result()

    def finish(self) -> int:
        """Write what is left, wait for every part, list them for the search script; the page count."""
        try:
            if self._filling is not None or not self.parts:
                if self._filling is None:
                    self._filling = Service(self.background)  # no page: an empty index still answers
                self._write_part()
            counts = [packing.result() for packing in self._packs]
        finally:
            self.close()
        merged = [part.relative_to(self.output).as_posix() + "/" for part in self.parts[1:]]
        # Each part's packs, by its folder as `merge` names it ("" for the first part).
        packs = dict(zip(["", *merged], counts, strict=True))
        manifest = {"merge": merged, "packs": packs}
        (self.output / MANIFEST).write_text(json.dumps(manifest) + "\n", encoding="utf-8")
        return self.pages

    def close(self) -> None:
        """End the services (after an error: what was not written is lost)."""
        for service in (self._filling, self._writing):
            if service is not None:
                service.close()
        self._filling = self._writing = None
        if self._writer is not None:
            self._writer.shutdown(cancel_futures=True)
            self._writer = None


def pack_of(fragment: str, packs: int) -> int:
    """The pack holding a fragment (by its name, Pagefind's hash): FNV-1a, as sitegen-search.js has it."""
    value = 0x811C9DC5
    for char in fragment:
        value = ((value ^ ord(char)) * 0x01000193) & 0xFFFFFFFF
    return value % packs


def pack_fragments(fragments: dict[str, bytes], pack_bytes: int = PACK_BYTES,
                   urls: dict[str, str] | None = None) -> list[bytes]:
    """Gather fragments (each one's name, Pagefind's hash, to its file as Pagefind made it) into packs.

    A pack is one gzip stream of a JSON object: each fragment's name to its
    JSON, as Pagefind wrote it. Which pack holds a fragment follows from its
    name (`pack_of`) and the number of packs, which the manifest lists.
    `urls`, if given, gets each page's URL -> the name of its fragment.
    """
    if not fragments:
        return []
    count = max(1, round(sum(map(len, fragments.values())) / pack_bytes))
    packs: list[list[bytes]] = [[] for _ in range(count)]
    for name, compressed in sorted(fragments.items()):
        data = gzip.decompress(compressed)
        if not data.startswith(_SIGNATURE):
            raise PagefindError(f"fragment {name}: not a Pagefind fragment")
        packs[pack_of(name, count)].append(json.dumps(name).encode("utf-8") + b":" + data[len(_SIGNATURE):])
        if urls is not None:
            urls[str(json.loads(data[len(_SIGNATURE):])["url"])] = name
    # Level 6: nearly the bytes of level 9 in a third of the time (100,000 pages: some 160 MB of text).
    return [gzip.compress(b"{" + b",".join(entries) + b"}", 6, mtime=0) for entries in packs]


def write_part(files: dict[str, bytes], folder: Path, merged: bool, pack_bytes: int = PACK_BYTES,
               urls: dict[str, str] | None = None) -> int:
    """Write a part of the index (its files as Pagefind gave them) in `folder`; its number of packs.

    Its fragments go into packs (`PACKS`/<n>.pf_pack) rather than one file a
    page. Pagefind's own search interfaces are left out and, in a part that
    the search merges into the first (`merged`), all but its index.
    """
    fragments: dict[str, bytes] = {}
    kept: dict[Path, bytes] = {}  # each file written, by where it goes
    for path, data in files.items():
        top, _, rest = path.partition("/")
        # A merged part needs its entry, metadata, word index and filters: the first one's script searches.
        unused = path in _UNUSED or (merged and top not in _MERGED_KEEP and not path.endswith(".pf_meta"))
        if top == "fragment" and rest.endswith(".pf_fragment"):
            fragments[rest.removesuffix(".pf_fragment")] = data
        elif not unused:
            kept[folder / path] = data
    packs = pack_fragments(fragments, pack_bytes, urls)
    kept.update((folder / PACKS / f"{n}.pf_pack", pack) for n, pack in enumerate(packs))
    shutil.rmtree(folder, ignore_errors=True)
    for parent in sorted({target.parent for target in kept} | {folder}):  # each folder made once
        parent.mkdir(parents=True, exist_ok=True)
    for target, data in kept.items():
        target.write_bytes(data)
    return len(packs)


def _inner(page: str, start: re.Match[str] | None) -> str | None:
    """The HTML inside the element whose start tag `start` matched (to its matching end tag)."""
    if start is None:
        return None
    tags = re.compile(rf"<(/?){start.group(1)}\b[^>]*>", re.I)
    depth = 1
    for tag in tags.finditer(page, start.end()):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return page[start.end():tag.start()]
    return page[start.end():]


_TAG = re.compile(r"<[^>]*>")
_BODY = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)\b[^>]*\sdata-pagefind-body\b[^>]*>")
_ARTICLE = re.compile(r"<(article)\b[^>]*\bmd-content__inner\b[^>]*>")  # Material's page text
_LANG = re.compile(r"<html\b[^>]*\slang=[\"']?([A-Za-z0-9-]+)", re.I)
_ID = re.compile(r"""(<[a-zA-Z][^>]*?)\sid=(?:"[^"]*"|'[^']*'|[^\s>]+)""")
# Later pages of a topic's list (topics/<slug>-page-2.md, ...) repeat its title and no text.
_LATER_PAGE = re.compile(r"^/topics/[^/]+-page-\d+(/|\.html)$")


def page_record(page: str, url: str = "") -> str | None:
    """What Pagefind indexes of a rendered page, as HTML; None for pages the search leaves out.

    The part of the page its template marks data-pagefind-body (paper pages),
    else Material's article (the page's title and text): the header, the
    navigation and the footer are the same on every page. Element ids are
    dropped: Pagefind keeps every id as an anchor, which the search box does
    not show.
    """
    if _LATER_PAGE.match(url):
        return None
    # The marked element, looked for in tags of the body only: an untrusted title in <title> or a
    # <meta> may hold the words " data-pagefind-body" too (as text, escaped, so never inside a tag).
    body = _inner(page, _BODY.search(page, max(page.find("<body"), 0)))
    if body is None:
        body = _inner(page, _ARTICLE.search(page))
    if body is None:
        return None
    lang = _LANG.search(page[:2000])
    language = f' lang="{lang.group(1)}"' if lang else ""
    text = _ID.sub(r"\1", body)
    return (f"<!DOCTYPE html><html{language}><head><meta charset=utf-8></head>"
            f"<body><div data-pagefind-body>{text}</div></body></html>")


def page_url(path: Path, site_dir: Path) -> str:
    """The URL of a built HTML file, as Pagefind gives it: x/index.html -> /x/."""
    rel = path.relative_to(site_dir).as_posix()
    if rel == "index.html" or rel.endswith("/index.html"):
        rel = rel.removesuffix("index.html")
    return "/" + rel


def page_file(url: str, site_dir: Path) -> Path:
    """The built HTML file of a page's URL (as `page_url` gives it)."""
    rel = url.lstrip("/")
    return site_dir / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)


def site_pages(site_dir: Path) -> Iterator[Path]:
    """The HTML files of a built site that its index holds (not its 404 page, nor Pagefind's folders)."""
    for folder, dirs, files in os.walk(site_dir):
        dirs[:] = sorted(d for d in dirs if not (d.startswith(".") or
                                                (Path(folder) == site_dir and d == "pagefind")))
        for name in sorted(files):
            path = Path(folder, name)
            if name.endswith(".html") and path != site_dir / "404.html":
                yield path


def is_page(path: Path, site_dir: Path) -> bool:
    """Whether a file of the site is one `site_pages` lists (it need not exist)."""
    try:
        parts = path.relative_to(site_dir).parts
    except ValueError:
        return False
    return (bool(parts) and path.name.endswith(".html") and parts != ("404.html",) and parts[0] != "pagefind"
            and not any(part.startswith(".") for part in parts))


def index_site(site_dir: Path, output: Path, background: bool = False, part_words: int = PART_WORDS,
               ledger: Ledger | None = None) -> int:
    """Index the HTML files of a built site (not its 404 page, nor Pagefind's folders); pages indexed."""
    index = SiteIndex(output, background, part_words, ledger)
    try:
        for path in site_pages(site_dir):
            signature = signature_of(str(path)) if ledger is not None else None  # before it is read
            index.add(page_url(path, site_dir), path.read_text(encoding="utf-8", errors="replace"), signature)
        index.finish()
    except BaseException:
        index.close()
        raise
    return index.pages
