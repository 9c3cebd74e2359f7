"""A stand-in for the Hugging Face Papers API and arXiv's API, on 127.0.0.1, in their real shapes.

The Papers API answers ``/api/papers/search?q=`` with a list of
``{"paper": {...}, "title", "summary", "publishedAt", "numComments"}`` and
``/api/papers/<id>`` with the paper object, as huggingface_hub parses them;
arXiv's ``/api/query`` answers with an Atom feed. Faults (429 with Retry-After,
503, slow or malformed answers) are injected by request number.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse
from xml.sax.saxutils import escape

from rapidfuzz import fuzz, process


@dataclass
class Held:
    """One paper the stand-in holds."""

    arxiv: str
    title: str
    summary: str
    authors: tuple[str, ...] = ("Ada Lovelace", "Alan Turing")
    published: str = "2024-03-11T17:59:58.000Z"
    upvotes: int = 7
    github: str | None = None
    project: str | None = None

    def paper(self) -> dict[str, Any]:
        """The paper object of /api/papers/<id>."""
        data: dict[str, Any] = {
            "id": self.arxiv, "authors": [{"_id": f"a{i}", "name": n, "hidden": False}
                                          for i, n in enumerate(self.authors)],
            "publishedAt": self.published, "title": self.title, "summary": self.summary,
            "upvotes": self.upvotes, "discussionId": f"d{self.arxiv}",
        }
        if self.github:
            data["githubRepo"] = self.github
        if self.project:
            data["projectPage"] = self.project
        return data

    def search_entry(self) -> dict[str, Any]:
        """One element of a /api/papers/search answer."""
        paper = self.paper()
        paper.pop("githubRepo", None)  # the search's paper objects carry less than the paper's own
        paper.pop("projectPage", None)
        return {"paper": paper, "title": self.title, "summary": self.summary,
                "publishedAt": self.published, "numComments": 0}

    def atom_entry(self) -> str:
        """One <entry> of an arXiv API feed."""
        authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in self.authors)
        return (f"<entry><id>http://arxiv.org/abs/{self.arxiv}v1</id>"
                f"<updated>{self.published[:19]}Z</updated><published>{self.published[:19]}Z</published>"
                f"<title>{escape(self.title)}</title><summary>{escape(self.summary)}</summary>{authors}"
                f'<link href="http://arxiv.org/abs/{self.arxiv}v1" rel="alternate" type="text/html"/>'
                f'<link title="pdf" href="http://arxiv.org/pdf/{self.arxiv}v1" rel="related" '
                f'type="application/pdf"/><arxiv:primary_category term="cs.LG"/>'
                f'<category term="cs.LG"/></entry>')


Fault = Callable[[int, str], tuple[int, dict[str, str], bytes] | None]


@dataclass
class StandIn:
    """What the stand-in holds and how it misbehaves."""

    papers: list[Held] = field(default_factory=list)
    arxiv_papers: list[Held] = field(default_factory=list)
    decoys: list[Held] = field(default_factory=list)  # added to every search answer they resemble
    fault: Fault | None = None  # (request number, path) -> an answer instead of the real one
    results: int = 8
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _search(self, pool: list[Held], query: str, limit: int) -> list[Held]:
        titles = [p.title for p in pool]
        found = process.extract(query, titles, scorer=fuzz.token_set_ratio, limit=limit, score_cutoff=50)
        return [pool[i] for _, _, i in found]

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for one request."""
        with self.lock:
            self.requests.append(path)
            number = len(self.requests)
        if self.fault and (faulty := self.fault(number, path)):
            return faulty
        if path == "/api/papers/search":
            q = query.get("q", [""])[0]
            limit = int(query.get("limit", [str(self.results)])[0])
            found = self._search(self.papers + self.decoys, q, limit)
            return 200, {"Content-Type": "application/json"}, json.dumps(
                [p.search_entry() for p in found]).encode()
        if path.startswith("/api/papers/"):
            wanted = unquote(path.removeprefix("/api/papers/"))
            for paper in self.papers + self.decoys:
                if paper.arxiv == wanted:
                    return 200, {"Content-Type": "application/json"}, json.dumps(paper.paper()).encode()
            return 404, {"Content-Type": "application/json"}, b'{"error": "Paper not found"}'
        if path == "/api/query":
            text = query.get("search_query", [""])[0]
            words = text.removeprefix("ti:").strip('"')
            found = self._search(self.arxiv_papers, words, int(query.get("max_results", ["5"])[0]))
            feed = ('<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
                    'xmlns:arxiv="http://arxiv.org/schemas/atom" '
                    'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
                    f"<opensearch:totalResults>{len(found)}</opensearch:totalResults>"
                    + "".join(p.atom_entry() for p in found) + "</feed>")
            return 200, {"Content-Type": "application/atom+xml"}, feed.encode()
        return 404, {}, b"not found"


@contextmanager
def serve(stand_in: StandIn) -> Iterator[str]:
    """Serve the stand-in on a free port of 127.0.0.1; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            status, headers, body = stand_in.answer(url.path, parse_qs(url.query))
            if status == 0:  # a stalled answer: hold the connection, then drop it
                time.sleep(float(headers.get("sleep", "1")))
                return
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _arxiv_text(text: str, number: int) -> str:
    """The text as arXiv holds it: line breaks every dozen words, and a LaTeX escape or two."""
    words = text.replace("%", "\\%").split(" ")
    lines = [" ".join(words[i:i + 12]) for i in range(0, len(words), 12)]
    return ("\n" if number % 2 else "\n  ").join(lines)


def seed_world(pages: list[tuple[str, str, str]], held_every: int = 10, fault: Fault | None = None,
               ) -> tuple[StandIn, dict[str, str]]:
    """A stand-in holding most of these (slug, title, abstract) papers, with look-alike decoys.

    Every `held_every`-th paper is missing; each missing paper has a decoy with its
    exact title and another paper's abstract, and each held paper a decoy with a
    look-alike title (a word more) and another abstract. Returns the stand-in and
    the true arXiv id of each held paper by slug.
    """
    stand_in = StandIn(fault=fault)
    truth: dict[str, str] = {}
    abstracts = [a for _, _, a in pages if a]
    for number, (slug, title, abstract) in enumerate(pages):
        arxiv = f"{24 + number // 9000:02d}{number % 12 + 1:02d}.{10000 + number:05d}"
        other = abstracts[(number * 7 + 3) % len(abstracts)] if abstracts else ""
        if other == abstract and abstracts:
            other = abstracts[(number * 7 + 4) % len(abstracts)]
        decoy_id = f"19{number % 12 + 1:02d}.{20000 + number:05d}"
        if number % held_every == held_every - 1:
            stand_in.decoys.append(Held(decoy_id, title, _arxiv_text(other, number)))
            continue
        truth[slug] = arxiv
        stand_in.papers.append(Held(
            arxiv, "  ".join(title.split(" ", 1)) if number % 3 == 0 else title,
            _arxiv_text(abstract, number), authors=(f"Author {number}", "Grace Hopper"),
            published=f"20{arxiv[:2]}-{arxiv[2:4]}-1{number % 10}T12:00:00.000Z", upvotes=number % 50,
            github=f"https://github.com/example/repo-{number}" if number % 4 == 0 else None))
        stand_in.decoys.append(Held(decoy_id, f"{title} Revisited", _arxiv_text(other, number)))
    return stand_in, truth


def every(n: int, status: int, headers: dict[str, str] | None = None) -> Fault:
    """A fault: every n-th request answers `status` (with these headers) instead."""
    def fault(number: int, path: str) -> tuple[int, dict[str, str], bytes] | None:
        if number % n == 0:
            return status, headers or {}, b'{"error": "slow down"}'
        return None
    return fault
