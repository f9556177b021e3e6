"""Benchmark the canned queries and `yibao ask` on the sample graph and on a graph scaled up by
synthetic regions and years (benchmarks/synthetic.py).

    python benchmarks/bench_queries.py [--factor 100] [--runs 5] [--ask-runs 5]
                                       [--output benchmarks/results/queries.json] [--keep DIR]

For each store: the median latency of each canned query run in-process through yibao.qa.queries
(binding and conversion to Python values included, after one warm-up run), and the median wall
time of `yibao ask "…" --format json` run as a subprocess — process start, imports, opening the
store, recognising the question, the query and the output all included — after one warm-up run
that fills the lexicon cache (the cold first run is reported too). Results go to a table on
stdout and to a JSON file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable without `pip install -e .`
    sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import build_sample, scale  # noqa: E402

QUERY_CASES: dict[str, dict] = {
    "threshold": {"indicator": "months_of_cover", "op": "<", "threshold": 6},
    "value": {"indicator": "cumulative_balance", "region": "430200"},
    "ranking": {"indicator": "cumulative_balance", "fundScope": ["resident"], "regionScope": "430200"},
    "series": {"indicator": "enrollment", "region": "430200", "fundScope": ["employee"]},
    "deficits": {},
    "budget_execution": {},
    "subsidy_arrival": {"regionScope": "370200"},
    "provenance": {"indicator": "cumulative_balance", "region": "430200", "fundScope": ["employee_pooled"],
                   "matchValue": True, "target": 2803000000, "tolerance": 14015000},
    "policy_adopters": {"policyScope": ["drg"]},
    "alliance": {"lead": ["430200"]},
    "mutual_aid": {},
}
QUESTIONS = (
    "哪些地区基金可支付月数低于6个月？",
    "株洲2022年职工医保统筹基金累计结余是多少？",
    "株洲各区县居民医保累计结余排名",
    "Zhuzhou employee enrollment over the years",
    "哪些地区当期结余为负？",
    "Which budget execution rates are outside 95%-105%?",
    "青岛哪些区财政补助资金未足额到位？",
    "株洲统筹基金累计结余28.03亿元出自哪份报告？",
    "哪些地区实施了DRG付费？",
    "株洲牵头的集采联盟有哪些成员？",
    "各地门诊共济的起付线和报销比例",
    "株洲的医保报告里指出了哪些存在的问题？",
    "淮北2023年居民医保基金支出预算执行率是多少",
    "株州2022年基金可支付月数",  # a misspelt region, corrected by sound
    "Zhuzou fund balance 2022",  # … and by spelling
)
# Questions that end in a refusal or an explained empty answer: they must be as fast as answers.
REFUSALS = (
    "天气怎么样",
    "深圳市2022年医保基金累计结余",
    "What is Shenzen's cumulative balance?",
    "株洲2023年城乡居民医保基金支出是多少",
)


def time_queries(store_path: Path, runs: int) -> dict[str, dict]:
    import pyoxigraph as ox
    from yibao.qa.queries import bind, get_query, run

    db = ox.Store.read_only(str(store_path))
    out = {}
    for query_id, values in QUERY_CASES.items():
        bound = bind(get_query(query_id), values)
        rows = run(db, bound)  # warm-up
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            rows = run(db, bound)
            times.append(time.perf_counter() - began)
        out[query_id] = {"rows": len(rows), "median_ms": round(statistics.median(times) * 1000, 1)}
    del db
    return out


def _yibao() -> list[str]:
    exe = Path(sys.executable).parent / "yibao"
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "from yibao.cli.main import app; app()"]


def time_ask(store_path: Path, runs: int, cache: Path) -> dict[str, dict]:
    env = {**os.environ, "YIBAO_CACHE": str(cache)}
    out = {}
    for question in QUESTIONS + REFUSALS:
        command = [*_yibao(), "ask", question, "--store", str(store_path), "--format", "json"]
        times, rows, code = [], 0, 0
        for i in range(runs + 1):
            began = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
            elapsed = time.perf_counter() - began
            code = done.returncode
            if done.stdout.strip():
                rows = len(json.loads(done.stdout)["rows"])
            if i:  # the first run warms the OS file cache
                times.append(elapsed)
        out[question] = {"rows": rows, "exit": code, "median_ms": round(statistics.median(times) * 1000, 1)}
    return out


def cold_ask(store_path: Path, cache: Path) -> float:
    """One `yibao ask` with an empty lexicon cache (it builds the automaton and writes the cache)."""
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "YIBAO_CACHE": str(cache)}
    began = time.perf_counter()
    subprocess.run([*_yibao(), "ask", QUESTIONS[0], "--store", str(store_path), "-f", "json"],
                   capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    return round((time.perf_counter() - began) * 1000, 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factor", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per canned query")
    parser.add_argument("--ask-runs", type=int, default=5, help="timed `yibao ask` processes per question")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "queries.json")
    parser.add_argument("--keep", type=Path, help="build the stores in this folder and keep them")
    args = parser.parse_args(argv)

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="yibao-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    cache = work / "cache"
    results: dict = {"machine": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
                     "factor": args.factor, "stores": {}}
    try:
        sample_path, scaled_path = work / "sample", work / f"x{args.factor}"
        for path in (sample_path, scaled_path):
            shutil.rmtree(path, ignore_errors=True)
        began = time.perf_counter()
        db = build_sample(sample_path)
        sample_quads = len(db)
        del db
        sample_build = time.perf_counter() - began
        began = time.perf_counter()
        db = build_sample(scaled_path)
        scale(db, args.factor)
        scaled_quads = len(db)
        del db
        scaled_build = time.perf_counter() - began
        stores = {"sample": (sample_path, sample_quads, sample_build),
                  f"x{args.factor}": (scaled_path, scaled_quads, scaled_build)}
        for name, (path, quads, build_s) in stores.items():
            print(f"[{name}] {quads:,} quads, built in {build_s:.1f} s", flush=True)
            entry = {"quads": quads, "build_s": round(build_s, 1)}
            entry["queries"] = time_queries(path, args.runs)
            entry["ask_cold_cache_ms"] = cold_ask(path, cache)
            entry["ask"] = time_ask(path, args.ask_runs, cache)
            entry["ask_median_ms"] = round(statistics.median(
                v["median_ms"] for q, v in entry["ask"].items() if q not in REFUSALS), 1)
            entry["refusal_median_ms"] = round(statistics.median(
                v["median_ms"] for q, v in entry["ask"].items() if q in REFUSALS), 1)
            results["stores"][name] = entry
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    names = list(results["stores"])
    print(f"\ncanned queries (median of {args.runs} runs, in-process, ms; rows in brackets)")
    print(f"{'query':18s}" + "".join(f"{n:>22s}" for n in names))
    for query_id in QUERY_CASES:
        cells = [f"{results['stores'][n]['queries'][query_id]['median_ms']:>10.1f} ({results['stores'][n]['queries'][query_id]['rows']:>5d})"
                 for n in names]
        print(f"{query_id:18s}" + "".join(f"{c:>22s}" for c in cells))
    print(f"\nyibao ask end to end (median of {args.ask_runs} processes, --format json, ms; rows in brackets)")
    print(f"{'question':46s}" + "".join(f"{n:>22s}" for n in names))
    for question in QUESTIONS + REFUSALS:
        cells = [f"{results['stores'][n]['ask'][question]['median_ms']:>10.1f} ({results['stores'][n]['ask'][question]['rows']:>5d})"
                 for n in names]
        shown = question if len(question) <= 44 else question[:43] + "…"
        print(f"{shown:46s}" + "".join(f"{c:>22s}" for c in cells))
    print(f"{'median over the answered questions':46s}" + "".join(f"{results['stores'][n]['ask_median_ms']:>22.1f}" for n in names))
    print(f"{'median over refusals / empty answers':46s}" + "".join(f"{results['stores'][n]['refusal_median_ms']:>22.1f}" for n in names))
    print(f"{'first run, empty lexicon cache':46s}" + "".join(f"{results['stores'][n]['ask_cold_cache_ms']:>22.1f}"
                                                          for n in names))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nresults written to {args.output}")


if __name__ == "__main__":
    main()
