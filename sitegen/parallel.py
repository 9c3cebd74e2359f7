"""Run a stage's independent pieces on every core (parsing files, rendering new pages)."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from itertools import pairwise
from typing import TypeVar

from .models import SitegenError

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 2  # fewer pieces than this are not worth a process pool
MIN_WORK = 2000  # nor is less work than this (in the caller's units: records, pages)


def workers() -> int:
    """How many processes to use: the cores this process may run on, or SITEGEN_JOBS."""
    setting = os.environ.get("SITEGEN_JOBS", "")
    if setting.isdigit() and int(setting) > 0:
        return int(setting)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def parallel_map(func: Callable[[T], R], items: Sequence[T], work: int | None = None) -> list[R]:
    """func over items, in order; in forked worker processes when there is enough work and cores.

    Forking shares everything loaded so far with the workers for free; where
    fork is not available (Windows, macOS default) the items run one by one.
    `func` must be a module-level function: it is sent to the workers by name.
    """
    jobs = min(workers(), len(items))
    enough = (work if work is not None else len(items)) >= MIN_WORK and len(items) >= MIN_ITEMS
    if jobs < 2 or not enough or "fork" not in multiprocessing.get_all_start_methods():
        return [func(item) for item in items]
    # Frozen objects are out of the garbage collector's reach: a collection in a worker would
    # otherwise touch, and so copy, every page of the memory it shares with this process.
    # (Reference counting still frees them; only cycles among them would stay.)
    gc.freeze()
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(func, items, chunksize=max(1, len(items) // (jobs * 4))))


# What map_shared's workers read: inherited through fork, never pickled.
_SHARED: dict[int, object] = {}
S = TypeVar("S")


def _call_shared(func: Callable[[S, T], R], token: int, item: T) -> R:
    return func(_SHARED[token], item)  # type: ignore[arg-type]


def map_shared(func: Callable[[S, T], R], shared: S, items: Sequence[T], work: int | None = None) -> list[R]:
    """parallel_map of func(shared, item): forked workers see `shared` without it being pickled.

    Only the items and the results travel between processes, so the items
    should be small (index ranges) when `shared` is large (all the records).
    """
    token = id(shared)
    _SHARED[token] = shared
    try:
        return parallel_map(partial(_call_shared, func, token), items, work)
    finally:
        del _SHARED[token]


def chunks(count: int, pieces: int | None = None) -> list[range]:
    """range(count) cut into about `pieces` ranges (four per worker by default), none empty."""
    pieces = max(1, min(count, pieces or workers() * 4))
    bounds = [count * k // pieces for k in range(pieces + 1)]
    return [range(lo, hi) for lo, hi in pairwise(bounds) if hi > lo]


def background(func: Callable[[], R]) -> Callable[[], R]:
    """Start func in a forked process now; the function returned waits for its result.

    For work that no later stage needs until the end (related papers), so it
    runs on the second core while the build goes on. func's result and any
    exception it raises come back pickled. Without fork or a second core, func
    runs when the result is asked for.
    """
    if workers() < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return func
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)

    def run() -> None:
        try:
            outcome: tuple[bool, object] = (True, func())
        except BaseException as exc:  # handed to the parent, which raises it
            outcome = (False, exc)
        try:
            writer.send(outcome)
        except OSError:  # the parent is gone (killed): nobody to tell
            pass
        except Exception as exc:  # an exception that does not pickle
            writer.send((False, RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]} ({exc})")))

    process = context.Process(target=run, daemon=True)
    gc.freeze()  # see parallel_map
    process.start()
    writer.close()

    def result() -> R:
        try:
            ok, value = reader.recv()
        except EOFError:
            process.join()
            raise SitegenError(f"a worker process ended without a result (exit code {process.exitcode}); "
                               "was it out of memory? SITEGEN_JOBS=1 builds in one process") from None
        finally:
            reader.close()
        process.join()
        if not ok:
            raise value
        returned: R = value
        return returned

    return result
