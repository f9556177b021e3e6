"""CPU milliseconds per report of each stage a build spends on a report, in this one process.

    python benchmarks/bench_stages.py DIR [--files 100] [--repeat 3]

Stages, as a build's worker and writer run them: ``extract`` (read, segment, extract: `process_file`),
``quads`` (`report_quads`), ``serialize`` (N-Quads for the writer), ``check`` (the SHACL and duplicate
check the worker makes: `worker.with_check`), ``pickle``/``unpickle`` (the result sent from the worker to
the writer) and ``bulk_load`` (the writer's bulk load of 100 reports at a time into an on-disk store,
with the store's own threads: process CPU). Each stage's figure is the best of ``--repeat`` passes over the
files (CPU time, not wall: the machine may be shared). The fact index and the registry are not included
(`bench_scale.py` measures the whole build).
"""

from __future__ import annotations

import argparse
import inspect
import pickle
import resource
import shutil
import tempfile
import time
from pathlib import Path


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(files: list[Path], repeat: int) -> dict[str, float]:
    """Best-of-``repeat`` CPU ms per report of each stage over ``files``."""
    import pyoxigraph as ox
    from yibao.graph.rdf import report_quads
    from yibao.ingest import pipeline, worker
    from yibao.ingest.worker import ExtractResult

    pipeline.default_lexicon()
    worker.extract_file(worker.ExtractJob(files[0], validate=True))  # the scratch store, made once per worker
    takes_quads = "quads" in inspect.signature(worker.with_check).parameters
    best: dict[str, float] = {}
    for _ in range(repeat):
        spent = dict.fromkeys(("extract", "quads", "serialize", "check", "pickle", "unpickle"), 0.0)
        batches: list[bytes] = []
        for path in files:
            t0 = time.process_time()
            report = pipeline.process_file(path)
            t1 = time.process_time()
            quads = report_quads(report)
            t2 = time.process_time()
            nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
            t3 = time.process_time()
            result = ExtractResult(path, report, None, nquads, len(quads))
            result = worker.with_check(result, quads) if takes_quads else worker.with_check(result)
            t4 = time.process_time()
            data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            t5 = time.process_time()
            pickle.loads(data)
            t6 = time.process_time()
            assert result.check is not None and result.check.result.conforms, path
            for name, spent_here in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)):
                spent[name] += spent_here
            batches.append(nquads)
        folder = Path(tempfile.mkdtemp(prefix="bench-stages-"))
        try:
            store = ox.Store(str(folder / "store"))
            start = _cpu()
            for i in range(0, len(batches), 100):
                store.bulk_load(b"".join(batches[i:i + 100]), format=ox.RdfFormat.N_QUADS)
            store.flush()
            spent["bulk_load"] = _cpu() - start
            del store
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        for name, seconds in spent.items():
            best[name] = min(best.get(name, float("inf")), seconds / len(files) * 1000)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="report files (e.g. made by benchmarks/scale_corpus.py)")
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    files = sorted(args.folder.glob("*.txt"))[:args.files]
    if not files:
        raise SystemExit(f"no .txt files in {args.folder}")
    best = measure(files, args.repeat)
    width = max(map(len, best))
    for name, ms in best.items():
        print(f"{name:{width}s} {ms:7.2f} ms/report")
    print(f"{'total':{width}s} {sum(best.values()):7.2f} ms/report ({len(files)} files, best of {args.repeat})")


if __name__ == "__main__":
    main()
