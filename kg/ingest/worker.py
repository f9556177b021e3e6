"""One file's extraction as a self-contained job, with a size limit and a time budget.

``extract_file(job)`` is a plain function of picklable values, so it runs the same in this process, in a
forked child (``run_with_budget``: the child is killed when the budget is spent, its memory freed with it)
or in a worker of the process pool (``yibao.ingest.pool``, ``--jobs``). It never raises for a bad file: the result says why it was
skipped. With ``ExtractJob.validate`` it also checks the report's quads against the SHACL shapes, in the
process's own scratch store (`yibao.graph.shacl_sparql.check_quads`), so validation runs on every core
and within the file's time budget.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyoxigraph as ox
    from yibao.graph.shacl_sparql import GraphCheck
    from yibao.ingest.metadata import Overrides
    from yibao.model import Report

DEFAULT_MAX_FILE_MB = 20.0
DEFAULT_FILE_TIMEOUT = 60.0


@dataclass
class ExtractJob:
    path: Path
    overrides: Overrides | None = None
    lenient: bool = False
    validate: bool = False  # check the report's quads against the shapes here, before they are written


@dataclass
class ExtractResult:
    path: Path
    report: Report | None = None
    reason: str | None = None  # why the file was skipped (None when it was extracted)
    nquads: bytes | None = None  # the report's quads as N-Quads (None if they cannot be formed here)
    triples: int = 0
    check: GraphCheck | None = None  # the shapes' verdict on those quads (None: not checked here)


def size_reason(path: Path, max_bytes: int | None) -> str | None:
    """Why a file is too large to extract (None if it is not, or cannot be sized: reading will say)."""
    if not max_bytes:
        return None
    try:
        size = Path(path).stat().st_size
    except OSError:
        return None
    if size > max_bytes:
        return (f"{size / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit per file (--max-file-size); "
                "not read")
    return None


def extract_file(job: ExtractJob) -> ExtractResult:
    """Read and extract one file (in whatever process calls it); check its quads if the job says so."""
    from yibao.ingest import pipeline
    from yibao.ingest.build import failure_reason

    try:
        kwargs: dict = {}
        if job.overrides:
            kwargs["overrides"] = job.overrides
        if job.lenient:
            kwargs["lenient"] = True
        result = ExtractResult(job.path, pipeline.process_file(job.path, **kwargs))
        quads = _formed(result)
    except (MemoryError, RecursionError) as e:
        return ExtractResult(job.path, None, f"{type(e).__name__}: the file is too large or too deeply "
                                             "structured to extract")
    except Exception as e:  # noqa: BLE001 — one broken file must not stop the build
        from yibao.ingest.reading import UNDECODABLE

        reason = failure_reason(e, job.path)
        if reason == UNDECODABLE:
            reason += " (--lenient replaces a few invalid bytes)"
        return ExtractResult(job.path, None, reason)
    return with_check(result, quads) if job.validate else result


def with_check(result: ExtractResult, quads: list[ox.Quad] | None = None) -> ExtractResult:
    """The result with its quads checked in this process (``quads``, those its N-Quads hold: given, they
    need not be parsed again); unchecked if that fails here (the writer then checks them itself, and
    says why if it cannot either)."""
    if result.report is None or result.nquads is None:
        return result
    with contextlib.suppress(Exception):  # noqa: BLE001 — the writer checks again and reports the error
        result.check = check_report(result.report.id, quads if quads is not None else result.nquads)
    return result


def check_report(report_id: str, quads: bytes | list[ox.Quad]) -> GraphCheck:
    """The shapes' and the duplicate search's verdict on one report's quads (its graph only)."""
    from yibao.graph import namespaces as ns
    from yibao.graph.shacl_sparql import check_quads

    found = check_quads(quads).get(ns.report_graph(report_id))
    if found is None:  # no quads in its graph: nothing breaks
        from yibao.graph.shacl_sparql import GraphCheck
        from yibao.graph.validate import ValidationResult

        found = GraphCheck(ValidationResult(conforms=True), [])
    return found


def with_quads(result: ExtractResult) -> ExtractResult:
    """The result with its report's quads serialised, so the writer need not form them; unchanged if
    they cannot be formed (the writer will say why)."""
    _formed(result)
    return result


def _formed(result: ExtractResult) -> list[ox.Quad] | None:
    """Form the report's quads and put them in ``result`` as N-Quads; the quads (None if they cannot be
    formed: the result is left unchanged and the writer will say why)."""
    import pyoxigraph as ox
    from yibao.graph.rdf import report_quads

    try:
        quads = report_quads(result.report)  # type: ignore[arg-type]
        result.nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
        result.triples = len(quads)
    except (ValueError, TypeError, AttributeError):
        return None
    return quads


def _child(job: ExtractJob, conn: object) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and kills us
    try:  # Linux: die with the parent (a killed build leaves no extraction running)
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    result = extract_file(job)
    try:
        conn.send(result)  # type: ignore[attr-defined]
    finally:
        conn.close()  # type: ignore[attr-defined]


def warm_up() -> None:
    """Load what every extraction needs (the lexicon) once, before forking, so children share it."""
    from yibao.ingest import pipeline

    lexicon = getattr(pipeline, "default_lexicon", None)
    if lexicon is not None:
        with contextlib.suppress(Exception):  # the first file will report it
            lexicon()


def run_with_budget(job: ExtractJob, seconds: float | None) -> ExtractResult:
    """``extract_file(job)`` in a forked child killed after ``seconds`` (in this process if None or 0,
    or where fork is unavailable)."""
    import multiprocessing

    if not seconds or seconds <= 0 or "fork" not in multiprocessing.get_all_start_methods():
        return extract_file(job)
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(job, sender), daemon=True)
    process.start()
    sender.close()
    try:
        if receiver.poll(seconds):
            try:
                return receiver.recv()
            except (EOFError, OSError):
                process.join(5)
                code = process.exitcode
                why = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
                return ExtractResult(job.path, None, f"the extraction process died ({why}; out of memory?)")
        return ExtractResult(job.path, None, f"extraction took longer than {seconds:g} s (--file-timeout); "
                                             "skipped, the batch goes on")
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()
        if hasattr(process, "close"):
            process.close()
