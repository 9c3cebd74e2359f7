"""Run a stage's independent pieces on every core (parsing files, rendering new pages)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

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
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(func, items, chunksize=max(1, len(items) // (jobs * 4))))
