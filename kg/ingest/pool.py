"""Extraction across cores: ``extract_in_order(jobs, workers, timeout)`` yields results in input order.

Each worker is a process forked once (it inherits the warmed-up lexicon) that takes one job at a time
through its pipe. A job over its time budget has its worker killed (its memory freed with it) and a new
worker forked; the result says why the file was skipped and the batch goes on. At most ``window`` jobs
are submitted ahead of the result the caller is waiting for, so memory stays bounded whatever the
number of files, and the caller (the single store writer) sees the same sequence whatever ``workers``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from yibao.ingest.worker import ExtractJob, ExtractResult, extract_file, warm_up


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _serve(conn: object, inherited: list, parent: int) -> None:
    """A worker's loop: a job in, its result out, until the pipe closes or a None arrives.

    ``inherited`` are the parent's ends of the pipes (this worker's and the others'): closed here, so
    that the parent's death closes every pipe and no worker waits on one forever.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    for end in inherited:
        end.close()
    try:  # Linux: die with the parent (a killed build leaves no extraction running)
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(0)
    while True:
        try:
            job = conn.recv()  # type: ignore[attr-defined]
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            conn.send(extract_file(job))  # type: ignore[attr-defined]
        except (OSError, ValueError):  # the parent is gone
            return


@dataclass
class _Worker:
    process: object
    conn: object
    index: int | None = None  # the job it is extracting (its position in the input)
    job: ExtractJob | None = None
    started: float = 0.0


def _spawn(ctx: object, others: list[_Worker]) -> _Worker:
    parent, child = ctx.Pipe()  # type: ignore[attr-defined]
    inherited = [parent, *(w.conn for w in others)]
    process = ctx.Process(target=_serve, args=(child, inherited, os.getpid()), daemon=True)  # type: ignore[attr-defined]
    process.start()
    child.close()
    return _Worker(process, parent)


def _stop(worker: _Worker, kill: bool) -> None:
    import contextlib

    with contextlib.suppress(OSError, ValueError):
        if kill:
            worker.process.kill()  # type: ignore[attr-defined]
        else:
            worker.conn.send(None)  # type: ignore[attr-defined]
    with contextlib.suppress(OSError):
        worker.conn.close()  # type: ignore[attr-defined]
    worker.process.join(5)  # type: ignore[attr-defined]
    if worker.process.is_alive():  # type: ignore[attr-defined]
        worker.process.kill()  # type: ignore[attr-defined]
        worker.process.join()  # type: ignore[attr-defined]


def _died(worker: _Worker) -> ExtractResult:
    worker.process.join(5)  # type: ignore[attr-defined]
    code = worker.process.exitcode  # type: ignore[attr-defined]
    why = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    assert worker.job is not None
    return ExtractResult(worker.job.path, None, f"the extraction process died ({why}; out of memory?)")


def extract_in_order(jobs: Iterable[ExtractJob], workers: int, timeout: float | None,
                     window: int | None = None) -> Iterator[ExtractResult]:
    """``extract_file`` of every job, in ``workers`` processes, yielded in the order of ``jobs``.

    With one worker and no time budget (or where fork is unavailable) the jobs run in this process.
    """
    import multiprocessing

    if (workers <= 1 and not timeout) or "fork" not in multiprocessing.get_all_start_methods():
        for job in jobs:
            yield extract_file(job)
        return
    from multiprocessing.connection import wait

    ctx = multiprocessing.get_context("fork")
    window = window or workers * 4
    warm_up()
    pool: list[_Worker] = []
    for _ in range(max(1, workers)):
        pool.append(_spawn(ctx, pool))
    pending = iter(enumerate(jobs))
    exhausted = False
    done: dict[int, ExtractResult] = {}
    submitted = next_out = 0
    try:
        while True:
            for i, worker in enumerate(pool):
                if worker.job is None and not exhausted and submitted - next_out < window:
                    item = next(pending, None)
                    if item is None:
                        exhausted = True
                        break
                    try:
                        worker.conn.send(item[1])  # type: ignore[attr-defined]
                    except (OSError, ValueError):  # it died idle: a new one takes the job
                        _stop(worker, kill=True)
                        pool[i] = worker = _spawn(ctx, pool)
                        worker.conn.send(item[1])  # type: ignore[attr-defined]
                    worker.index, worker.job, worker.started = item[0], item[1], time.monotonic()
                    submitted += 1
            busy = [w for w in pool if w.job is not None]
            if not busy and exhausted and next_out not in done:
                return
            if busy:
                now = time.monotonic()
                wait_for = None if not timeout else max(0.0, min(w.started + timeout - now for w in busy))
                ready = wait([w.conn for w in busy], wait_for)  # type: ignore[misc]
                for i, worker in enumerate(pool):
                    if worker.job is None:
                        continue
                    if worker.conn in ready:
                        try:
                            result = worker.conn.recv()  # type: ignore[attr-defined]
                        except (EOFError, OSError):
                            result = _died(worker)
                            _stop(worker, kill=True)
                            pool[i] = _spawn(ctx, pool)
                        else:
                            worker.job = None
                    elif timeout and time.monotonic() - worker.started >= timeout:
                        result = ExtractResult(worker.job.path, None,  # type: ignore[union-attr]
                                               f"extraction took longer than {timeout:g} s (--file-timeout); "
                                               "skipped, the batch goes on")
                        _stop(worker, kill=True)
                        pool[i] = _spawn(ctx, pool)
                    else:
                        continue
                    assert worker.index is not None
                    done[worker.index] = result
            while next_out in done:
                result = done.pop(next_out)
                next_out += 1
                yield result
    finally:
        for worker in pool:
            _stop(worker, kill=worker.job is not None)
