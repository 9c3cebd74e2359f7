"""Build stages: timed for `--timings`, and shown live on a terminal with rich."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Stages:
    """Times each stage of a build and tells a display which one is running."""

    on_start: Callable[[str], None] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    peaks: dict[str, float] = field(default_factory=dict)  # peak memory (MB) when each stage ended

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the enclosed block under `name` (repeated names add up)."""
        if self.on_start:
            self.on_start(name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start
            self.peaks[name] = _peak_mb()

    def summary(self) -> str:
        """One line: each stage's seconds, in the order they ran, and the total."""
        parts = [f"{name} {secs:.2f}" for name, secs in self.timings.items()]
        peaks = ", ".join(f"{name} {mb:.0f}" for name, mb in self.peaks.items())
        return (f"sitegen: timings (s): {', '.join(parts)}; total {sum(self.timings.values()):.2f}\n"
                f"sitegen: peak memory (MB) after: {peaks}")


def _peak_mb() -> float:
    """This process's peak resident memory so far, in MB (0 where the platform cannot tell)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, KB elsewhere


@contextmanager
def live_stages(enabled: bool) -> Iterator[Stages]:
    """Stages that a rich status line follows while they run (only when `enabled`, i.e. a terminal).

    The line is redrawn when a stage starts, not by rich's refresh thread: the
    build forks worker processes, and forking a process with threads risks
    deadlocks.
    """
    if not enabled:
        yield Stages()
        return
    # Imported only for terminals: CI logs get the summary line alone.
    from rich.console import Console
    from rich.live import Live

    start = time.perf_counter()
    live: Any = Live("sitegen: starting", console=Console(stderr=True), auto_refresh=False, transient=True)

    def show(name: str) -> None:
        live.update(f"sitegen: {name} … [dim]{time.perf_counter() - start:.1f} s[/dim]", refresh=True)

    with live:
        yield Stages(on_start=show)
