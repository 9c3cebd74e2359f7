"""Run a stage's independent pieces on every core (parsing files, rendering new pages)."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from itertools import pairwise
from typing import Any, Generic, TypeVar, overload

from .models import SitegenError

T = TypeVar("T")
R = TypeVar("R")
A = TypeVar("A")
B = TypeVar("B")
Q = TypeVar("Q")

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
    # A worker collects cycles even when the build has paused collection here (build.py): rendering
    # pages with jinja2 makes some, and a worker renders tens of thousands.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=gc.enable) as pool:
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


def once(wait: Callable[[], T]) -> Callable[[], T]:
    """`wait`, called at most once: later calls give its result again, or raise again what it raised."""
    outcome: list[tuple[bool, Any]] = []

    def first() -> T:
        if not outcome:
            try:
                outcome.append((True, wait()))
            except BaseException as exc:
                outcome.append((False, exc))
                raise
        ok, value = outcome[0]
        if not ok:
            raise value
        result: T = value
        return result

    return first


class Standby(Generic[A, R]):
    """A process forked now, that prepares (imports a library) and then waits for jobs.

    For work no later stage needs until the end (related papers): the helper
    is forked while the build is still small, so it shares little memory with
    it, prepares on the second core while the build reads its input, and is
    handed its jobs, pickled, when they are known. Each result, or the
    exception its job raised, comes back pickled, in the order the jobs were
    submitted. A job may name another module-level function than `work`
    (`submit(job, other)`), so that one prepared helper serves stages that
    need the same library (retag's learning, then the related papers of its
    rebuild). Without fork or a second core, each job runs here when its
    result is asked for. A waiter may be called again: it gives the same
    result, or raises the same exception. Use it as a context manager: leaving the block ends
    the helper.
    """

    def __init__(self, prepare: Callable[[], object], work: Callable[[A], R]) -> None:
        self.work = work
        self.process: Any = None
        self._sent = self._received = 0
        self._waiting: dict[int, tuple[bool, object]] = {}  # results received before their waiter asked
        if workers() < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return
        context = multiprocessing.get_context("fork")
        jobs_read, self.jobs = context.Pipe(duplex=False)  # (receiving end, sending end)
        self.results, results_write = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_serve, args=(prepare, work, jobs_read, results_write, (self.jobs, self.results),
                                 os.getpid()), daemon=True)
        gc.freeze()  # see parallel_map
        self.process.start()
        jobs_read.close()  # the helper's ends, not this process's
        results_write.close()

    def __enter__(self) -> Standby[A, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.terminate()  # waiting for a job that will not come, or one nobody waits for
        if self.process is not None:
            self.process.join()
            self.jobs.close()
            self.results.close()

    @overload
    def submit(self, job: A) -> Callable[[], R]: ...

    @overload
    def submit(self, job: B, work: Callable[[B], Q]) -> Callable[[], Q]: ...

    def submit(self, job: Any, work: Callable[[Any], Any] | None = None) -> Callable[[], Any]:
        """Hand the helper a job for `work` (default: the helper's own); the function returned waits
        for the result. `work`, when given, is sent by name: a module-level function."""
        if self.process is None:
            return once(partial(work or self.work, job))
        number = self._sent
        self._sent += 1
        with contextlib.suppress(OSError):  # the helper is gone: its waiter says how
            self.jobs.send((work, job))
        return once(partial(self._result, number))

    def _result(self, number: int) -> Any:
        while number not in self._waiting:
            try:
                self._waiting[self._received] = self.results.recv()
            except EOFError:
                self.process.join()
                raise SitegenError(
                    f"a worker process ended without a result (exit code {self.process.exitcode});"
                    " was it out of memory? SITEGEN_JOBS=1 builds in one process") from None
            self._received += 1
        ok, value = self._waiting.pop(number)
        if not ok:
            raise value  # type: ignore[misc]
        return value


def _receive(jobs: Any, received: queue.SimpleQueue[Any]) -> None:
    """Every job sent, as it comes, then None: sending never waits for the job before to finish."""
    with contextlib.suppress(EOFError, OSError):
        while True:
            received.put(jobs.recv())
    received.put(None)


_PARENT = 0  # in a Standby helper: the process that forked it


def parent_gone() -> bool:
    """In a Standby helper: whether the process it works for has ended (was killed, say)."""
    return _PARENT != 0 and os.getppid() != _PARENT


def _send(results: Any, outgoing: queue.SimpleQueue[tuple[bool, object] | None]) -> None:
    """Send each outcome as it comes, until None: the helper goes on with its next job meanwhile."""
    while (outcome := outgoing.get()) is not None:
        try:
            results.send(outcome)
        except OSError:  # the parent is gone (killed): nobody to tell
            return
        except Exception as exc:  # an exception that does not pickle
            results.send((False, RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]} ({exc})")))


def _serve(prepare: Callable[[], object], work: Callable[[Any], object], jobs: Any, results: Any,
           parent_ends: tuple[Any, ...] = (), parent: int = 0) -> None:
    """The helper process of a Standby: prepare, then run each job received and send back what came of it."""
    global _PARENT
    _PARENT = parent
    # The fork copied the build's own ends of both pipes. Holding the job pipe's sending end
    # here would keep this process waiting for ever when the build is killed: close them.
    for end in parent_ends:
        end.close()
    # Jobs are received while preparing and working, so that the build never waits for the pipe to drain.
    received: queue.SimpleQueue[tuple[Callable[[Any], object] | None, object] | None] = queue.SimpleQueue()
    threading.Thread(target=_receive, args=(jobs, received), daemon=True).start()
    # Outcomes are sent by a thread too: a result larger than the pipe holds (a writer's list of 2,000
    # pages written) would otherwise stop the helper until the build reads it, maybe only at its end.
    outgoing: queue.SimpleQueue[tuple[bool, object] | None] = queue.SimpleQueue()
    sender = threading.Thread(target=_send, args=(results, outgoing), daemon=True)
    sender.start()
    with contextlib.suppress(Exception):
        prepare()  # a failure shows again, with its message, when the job runs
    while (item := received.get()) is not None:  # until the build ends (or dies) without another job
        if parent_gone() or not sender.is_alive():  # jobs sent before the build was killed: nobody waits
            return
        other, job = item
        try:
            outcome: tuple[bool, object] = (True, (other or work)(job))
        except BaseException as exc:  # handed to the parent, which raises it
            outcome = (False, exc)
        outgoing.put(outcome)
    outgoing.put(None)
    sender.join()
