"""The two lookup services, behind one small interface: the Papers API and arXiv's API.

Both speak through the field's own clients (huggingface_hub's ``HfApi``, which
honours ``HF_ENDPOINT`` and ``HF_TOKEN``, and the ``arxiv`` package). This is the
one place for timeouts, retries with backoff (429 honouring ``Retry-After``,
5xx, timeouts) and the errors the rest of sitegen sees.
"""

from __future__ import annotations

import email.utils
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import arxiv
import httpx2
import requests
import requests.adapters
from huggingface_hub import HfApi, set_client_factory
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
from huggingface_hub.utils._http import hf_request_event_hook

from ..ids import normalize_arxiv
from ..text import clean_text

T = TypeVar("T")
ARXIV_ENDPOINT = "https://export.arxiv.org/api/query"
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))


@dataclass(frozen=True)
class Candidate:
    """A paper as a lookup service describes it: untrusted text, checked before use."""

    arxiv: str
    title: str
    summary: str
    authors: tuple[str, ...] = ()
    published: str | None = None  # ISO 8601, as the service gives it
    upvotes: int | None = None
    github: str | None = None
    project: str | None = None
    via: str = "papers-api"


class Unreachable(Exception):
    """The service cannot be reached at all (no network, refused, offline mode)."""


class BadAnswer(Exception):
    """One request failed for good: an error status after the retries, or an answer that is not JSON."""


@dataclass
class Policy:
    """How patiently to ask: pause between requests, retries and their backoff, timeout."""

    delay: float = 1.0
    retries: int = 4
    backoff: float = 1.0  # first wait after a failure, doubled each time
    max_wait: float = 120.0  # longest Retry-After honoured
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0  # made so far, retries included
    _last: float = field(default=0.0, repr=False)

    def pace(self) -> None:
        """Wait until `delay` seconds have passed since the previous request."""
        if self._last and self.delay > 0:
            wait = self._last + self.delay - time.monotonic()
            if wait > 0:
                self.sleep(wait)
        self._last = time.monotonic()
        self.requests += 1


def retry_after(value: str | None, default: float) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), else the default."""
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@dataclass(frozen=True)
class _Failure:
    """A failed request worth retrying: its status (None for a timeout) and Retry-After header."""

    status: int | None
    header: str | None


def _with_retries(policy: Policy, call: Callable[[], T], classify: Callable[[Exception], _Failure | None],
                  what: str) -> T:
    """Run one request with retries: 429 and 5xx wait Retry-After if given, else back off exponentially."""
    wait = policy.backoff
    for attempt in range(policy.retries + 1):
        policy.pace()
        try:
            return call()
        except Exception as exc:
            failure = classify(exc)
            if failure is None:
                raise
            last = attempt == policy.retries
            if failure.status is not None and failure.status not in RETRY_STATUSES:
                raise BadAnswer(f"{what}: HTTP {failure.status}") from exc
            if last:
                status = f"HTTP {failure.status}" if failure.status else "timed out"
                raise BadAnswer(f"{what}: {status} after {policy.retries + 1} attempts") from exc
            # A server that says when to come back (429, and 503 may too) is taken at its word.
            pause = min(retry_after(failure.header, wait), policy.max_wait)
            policy.sleep(pause)
            wait *= 2
    raise AssertionError("unreachable")  # pragma: no cover


class Service(Protocol):
    """What the enrich stage asks a lookup service."""

    name: str

    def search(self, title: str) -> list[Candidate]:
        """Candidates for a title, best first."""

    def details(self, candidate: Candidate) -> Candidate:
        """The full record of a chosen candidate (or the candidate itself)."""


def _text(value: object) -> str:
    """An API's string cleaned where it enters (control characters, lone surrogates, NFC); else ''."""
    return clean_text(value)[0] if isinstance(value, str) else ""


def _date(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value if isinstance(value, str) and value else None


def _paper_candidate(info: Any) -> Candidate | None:
    """A Candidate from huggingface_hub's PaperInfo; None when it lacks an id or a title."""
    arxiv = _text(getattr(info, "id", None))
    title = _text(getattr(info, "title", None))
    if not arxiv or not title:
        return None
    authors = tuple(name for name in (_text(getattr(a, "name", None)) for a in info.authors or []) if name)
    upvotes = getattr(info, "upvotes", None)
    return Candidate(
        arxiv=arxiv, title=title, summary=_text(getattr(info, "summary", None)), authors=authors,
        published=_date(getattr(info, "published_at", None)),
        upvotes=upvotes if isinstance(upvotes, int) and not isinstance(upvotes, bool) else None,
        github=_text(getattr(info, "github_repo", None)) or None,
        project=_text(getattr(info, "project_page", None)) or None,
    )


class PapersApi:
    """The Hugging Face Papers API through ``huggingface_hub.HfApi`` (search, then the paper)."""

    name = "Papers API"

    def __init__(self, endpoint: str | None, policy: Policy, limit: int = 10) -> None:
        # huggingface_hub's shared client waits forever by default.
        set_client_factory(lambda: httpx2.Client(
            event_hooks={"request": [hf_request_event_hook]}, follow_redirects=True,
            timeout=policy.timeout))
        self.api = HfApi(endpoint=endpoint or None)
        self.endpoint = self.api.endpoint
        self.policy = policy
        self.limit = limit

    def _classify(self, exc: Exception) -> _Failure | None:
        if isinstance(exc, OfflineModeIsEnabled):
            raise Unreachable(f"{self.endpoint}: offline mode is on (HF_HUB_OFFLINE)") from exc
        if isinstance(exc, httpx2.ConnectError | httpx2.ConnectTimeout):
            raise Unreachable(f"cannot reach {self.endpoint}: {exc}") from exc
        if isinstance(exc, HfHubHTTPError):
            response = exc.response
            status = response.status_code if response is not None else None
            header = response.headers.get("Retry-After") if response is not None else None
            return _Failure(status, header)
        if isinstance(exc, httpx2.TimeoutException | httpx2.TransportError):
            return _Failure(None, None)
        if isinstance(exc, json.JSONDecodeError | TypeError | ValueError | AttributeError | KeyError):
            raise BadAnswer(f"{self.endpoint}: the answer is not the Papers API's JSON ({exc})") from exc
        return None

    def search(self, title: str) -> list[Candidate]:
        """Up to `limit` papers the Papers API search returns for a title."""
        def call() -> list[Candidate]:
            papers = itertools.islice(self.api.list_papers(query=title), self.limit)
            found = (_paper_candidate(p) for p in papers)
            return [c for c in found if c is not None]
        return _with_retries(self.policy, call, self._classify, f"{self.endpoint} search")

    def details(self, candidate: Candidate) -> Candidate:
        """The paper's own record (GitHub repository, project page), falling back on the search's."""
        def call() -> Candidate:
            return _paper_candidate(self.api.paper_info(candidate.arxiv)) or candidate
        try:
            full = _with_retries(self.policy, call, self._classify,
                                 f"{self.endpoint} paper {candidate.arxiv}")
        except BadAnswer:
            return candidate
        if full.arxiv != candidate.arxiv:
            return candidate
        return Candidate(
            arxiv=candidate.arxiv, title=full.title or candidate.title,
            summary=full.summary or candidate.summary, authors=full.authors or candidate.authors,
            published=full.published or candidate.published,
            upvotes=full.upvotes if full.upvotes is not None else candidate.upvotes,
            github=full.github or candidate.github, project=full.project or candidate.project,
        )


class ArxivApi:
    """arXiv's own API through the ``arxiv`` package: a title search (``ti:``)."""

    name = "arXiv API"

    def __init__(self, endpoint: str | None, policy: Policy, limit: int = 5) -> None:
        self.client = arxiv.Client(page_size=limit, delay_seconds=0.0, num_retries=0)
        # The package's URL and session are plain attributes: point them at the configured endpoint,
        # and give every request a timeout (the package sets none). Pauses and retries are Policy's.
        self.endpoint = endpoint or ARXIV_ENDPOINT
        self.client.query_url_format = self.endpoint + "?{}"
        session = requests.Session()
        adapter = _TimeoutAdapter(policy.timeout)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self.client._session = session
        self.policy = policy
        self.limit = limit

    def _classify(self, exc: Exception) -> _Failure | None:
        if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.ReadTimeout):
            raise Unreachable(f"cannot reach {self.endpoint}: {exc}") from exc
        if isinstance(exc, arxiv.HTTPError):
            return _Failure(exc.status, None)
        if isinstance(exc, requests.Timeout):
            return _Failure(None, None)
        return None

    def search(self, title: str) -> list[Candidate]:
        """Up to `limit` arXiv entries whose title matches the words of this title."""
        words = " ".join(w for w in "".join(c if c.isalnum() else " " for c in title).split())
        search = arxiv.Search(query=f'ti:"{words}"', max_results=self.limit)

        def call() -> list[Candidate]:
            found = []
            for result in self.client.results(search):
                found.append(Candidate(
                    arxiv=_strip_version(result.get_short_id()), title=" ".join(_text(result.title).split()),
                    summary=_text(result.summary), authors=tuple(_text(a.name) for a in result.authors),
                    published=_date(result.published), via="arxiv"))
            return found
        return _with_retries(self.policy, call, self._classify, f"{self.endpoint} search")

    def details(self, candidate: Candidate) -> Candidate:
        """arXiv's search answer is already the whole record."""
        return candidate


class _TimeoutAdapter(requests.adapters.HTTPAdapter):
    """A requests transport that gives every request a timeout."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: float | tuple[float | None, float | None] | None = None, verify: bool | str = True,
             cert: str | tuple[str, str] | None = None,
             proxies: dict[str, str] | None = None) -> requests.Response:
        """Send with the default timeout when the caller gave none."""
        return super().send(request, stream=stream, timeout=timeout or self.timeout, verify=verify,
                            cert=cert, proxies=proxies)


def _strip_version(short_id: str) -> str:
    return normalize_arxiv(short_id) or short_id
