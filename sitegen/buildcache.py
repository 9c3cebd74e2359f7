"""The records and papers of the last build, reused while the sources and the curator's splits stay the same.

Parsing and deduplicating are a third of a build at 10,000 papers, yet most
builds (a retag, a saved page) change no source. The cache is keyed like the
no-op fast path (state.py): sitegen's code, the configuration, and each
source file's name, size and modification time. Its records are reused when
that key matches; its papers too when the curator's ``distinct_from`` pairs
are also the same, since they are all deduplication reads besides the records.

It is a pickle under ``content/.sitegen/``, which sitegen alone writes and the
project's .gitignore leaves out: a file that does not load, or holds anything
unexpected, is simply a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .config import Config
from .models import Diagnostic, Paper, Record, SourceRef
from .state import code_lines, stat_line

CACHE = ".sitegen/dedupe.pickle"
_VERSION = 1

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


def load_parsed(content: Path, key: str) -> Parsed | None:
    """The last build's records (and papers), when they were read from the same sources."""
    try:
        with (content / CACHE).open("rb") as handle:
            found = pickle.load(handle)
    except Exception:  # missing, truncated, from another version: rebuilt either way
        return None
    if not isinstance(found, Parsed) or found.key != key:
        return None
    return found


def papers_for(parsed: Parsed | None, distinct: Distinct) -> list[Paper] | None:
    """The cached papers, when they were deduplicated under the same splits."""
    if parsed is None or parsed.papers is None or parsed.distinct != distinct:
        return None
    return parsed.papers


def save_parsed(content: Path, parsed: Parsed) -> None:
    """Keep the records and papers for the next build (a failure to write only costs that build time)."""
    path = content / CACHE
    # Streamed to a temporary file, as write.atomic_write names them: no copy of it all in memory.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as handle:
            pickle.dump(parsed, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
