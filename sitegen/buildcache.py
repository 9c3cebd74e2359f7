"""The records and papers of the last build, reused while the sources and the curator's splits stay the same.

Parsing and deduplicating are a third of a build at 10,000 papers, yet most
builds (a retag, a saved page) change no source. The cache is keyed like the
no-op fast path (state.py): sitegen's code, the configuration, and each
source file's name, size and modification time. Its records are reused when
that key matches; its papers too when the curator's ``distinct_from`` pairs
are also the same, since they are all deduplication reads besides the records.

It is a pickle under ``content/.sitegen/``, which the project's .gitignore
leaves out. Unpickling runs code, and a repository could ship such a file, so
the pickle is signed (HMAC-SHA256) with a key kept outside every project, in
the user's cache folder (``$XDG_CACHE_HOME/sitegen/``, else
``~/.cache/sitegen/``): only a file this machine's sitegen wrote is loaded.
A file that is unsigned, from another key, for other sources or damaged is
simply a miss, checked before anything is unpickled.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from . import __version__
from .config import Config
from .models import Diagnostic, Paper, Record, SourceRef
from .state import code_lines, stat_line

CACHE = ".sitegen/dedupe.pickle"
_VERSION = 2
_MAGIC = b"sitegen-cache\n"
_MAC = 64  # hex digits of the HMAC-SHA256 that ends the file

Distinct = list[tuple[frozenset[SourceRef], frozenset[SourceRef]]]


@dataclass(frozen=True)
class Parsed:
    """What the parse and dedupe stages made of the sources, and what they were made from."""

    key: str
    records: list[Record]
    problems: list[Diagnostic]
    distinct: Distinct | None = None  # the curator's splits the papers obey (None: not deduplicated)
    papers: list[Paper] | None = None


def sources_key(config: Config, sources: Sequence[Path]) -> str:
    """A digest of everything parsing reads: sitegen's code, the settings, every source file's stat."""
    digest = hashlib.sha256()
    parts = [str(_VERSION), __version__, repr(config), *code_lines()]
    for part in parts + [stat_line(path, str(path)) for path in sources]:
        digest.update(part.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def signing_key() -> bytes | None:
    """The key that signs this user's caches (made on first use), or None if it cannot be kept."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "sitegen" / "cache.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
        return path.read_bytes()
    except FileExistsError:  # another build made it meanwhile
        return path.read_bytes()
    except OSError:
        return None


def load_parsed(content: Path, key: str) -> Parsed | None:
    """The last build's records (and papers), when they were read from the same sources."""
    secret = signing_key()
    if secret is None:
        return None
    try:
        with (content / CACHE).open("rb") as handle:
            head = _MAGIC + key.encode("ascii") + b"\n"
            if handle.read(len(head)) != head:
                return None
            end = os.fstat(handle.fileno()).st_size - _MAC
            mac = hmac.new(secret, digestmod=hashlib.sha256)
            left = end - len(head)
            while left > 0 and (chunk := handle.read(min(left, 1 << 20))):
                mac.update(chunk)
                left -= len(chunk)
            if left != 0 or not hmac.compare_digest(handle.read(_MAC), mac.hexdigest().encode("ascii")):
                return None
            handle.seek(len(head))
            found = pickle.load(handle)  # signed by this user's sitegen: see the module's docstring
    except Exception:  # missing, truncated, from another version: rebuilt either way
        return None
    if not isinstance(found, Parsed) or found.key != key:
        return None
    return found


def load_last(content: Path) -> Parsed | None:
    """The last build's records and papers, whatever sources they were read from (its `key` says)."""
    try:
        with (content / CACHE).open("rb") as handle:
            head = handle.readline()
            key = handle.readline().rstrip(b"\n").decode("ascii") if head == _MAGIC else ""
    except (OSError, UnicodeDecodeError):
        return None
    return load_parsed(content, key) if key else None


class _Signed:
    """A binary file that signs what is written to it."""

    def __init__(self, handle: BinaryIO, secret: bytes) -> None:
        self.handle, self.mac = handle, hmac.new(secret, digestmod=hashlib.sha256)

    def write(self, data: bytes) -> int:
        self.mac.update(data)
        return self.handle.write(data)


def papers_for(parsed: Parsed | None, distinct: Distinct) -> list[Paper] | None:
    """The cached papers, when they were deduplicated under the same splits."""
    if parsed is None or parsed.papers is None or parsed.distinct != distinct:
        return None
    return parsed.papers


def save_parsed(content: Path, parsed: Parsed) -> None:
    """Keep the records and papers for the next build (a failure to write only costs that build time)."""
    secret = signing_key()
    if secret is None:
        return
    path = content / CACHE
    # Streamed to a temporary file, as write.atomic_write names them: no copy of it all in memory.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as handle:
            handle.write(_MAGIC + parsed.key.encode("ascii") + b"\n")
            signed = _Signed(handle, secret)
            pickle.dump(parsed, signed, protocol=pickle.HIGHEST_PROTOCOL)
            handle.write(signed.mac.hexdigest().encode("ascii"))
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
