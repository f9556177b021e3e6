"""Scale benchmark: build N synthetic report files, re-build, add one, query, ask; pandas alongside.

    python benchmarks/bench_scale.py --n 100 1000 [--jobs 0] [--no-validate] [--keep DIR]
                                     [--output benchmarks/results/scale.json]

For each N: the files come from benchmarks/scale_corpus.py (the five samples under other cities, years
and wordings). `yibao build` runs as a subprocess; measured are its wall time, reports/s and
observations/s, CPU seconds of the whole process tree ÷ (wall × cores), the peak RSS of the largest
process and the peak sum over the process tree (sampled every 0.2 s; shared pages counted once per
process), the store's size on disk (and per observation), whether every report was read with its
intended region and year, a re-build with nothing changed, adding one report, and `yibao compact`
(its time and the store's size after). Then each canned query (in-process, median of runs; by SPARQL
and by the fact index where the query has a SQL twin) next to the same filter in pandas on
`yibao facts --format csv`, and
`yibao ask` end to end (a process per question, median). Results are merged by N into the JSON file
and a markdown table beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable without `pip install -e .`
    sys.path.insert(0, str(ROOT))

from benchmarks.scale_corpus import cities, generate, render, templates  # noqa: E402

YIBAO = [str(Path(sys.executable).parent / "yibao")]


def _tree_rss(pid: int) -> tuple[int, int]:
    """(largest RSS, sum of RSS) in bytes over ``pid`` and its descendants."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    sizes = []
    for p in procs:
        with contextlib.suppress(psutil.Error):
            sizes.append(p.memory_info().rss)
    return (max(sizes), sum(sizes)) if sizes else (0, 0)


def run_measured(command: list[str]) -> dict:
    """Run ``command``; wall time, CPU of the process tree, peak RSS (largest process, tree sum)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    peaks = [0, 0]

    def sample() -> None:
        while proc.poll() is None:
            largest, total = _tree_rss(proc.pid)
            peaks[0], peaks[1] = max(peaks[0], largest), max(peaks[1], total)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - began
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"exit": proc.returncode, "wall_s": round(wall, 2), "cpu_s": round(cpu, 1),
            "cpu_use": round(cpu / wall / (os.cpu_count() or 1), 2),
            "peak_rss_process_mb": round(max(peaks[0], after.ru_maxrss * 1024) / 1e6),
            "peak_rss_tree_mb": round(peaks[1] / 1e6), "stdout": out, "stderr": err}


def store_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def read_back(store: Path) -> dict[str, tuple[str, int]]:
    """Report id → (region code, year) as stored."""
    import pyoxigraph as ox
    from yibao.graph import namespaces as ns

    db = ox.Store.read_only(str(store))
    query = f"""SELECT ?r ?region ?year WHERE {{ GRAPH ?g {{ ?r a <{ns.YB}Report> ; <{ns.YB}region> ?region ;
                <{ns.YB}year> ?year }} }}"""
    out = {}
    for row in db.query(query):
        out[row["r"].value.rsplit("/", 1)[-1]] = (row["region"].value.rsplit("/", 1)[-1], int(row["year"].value))
    return out


def query_cases(region: str) -> dict[str, tuple[dict, object]]:
    """Canned query id → (parameters, the same filter on the fact table)."""
    def threshold(df):  # noqa: ANN001, ANN202
        return df[(df.indicator == "months_of_cover") & (df.value < 6)]

    def value(df):  # noqa: ANN001, ANN202
        return df[(df.indicator == "cumulative_balance") & (df.region_code == region)]

    def ranking(df):  # noqa: ANN001, ANN202
        sel = df[(df.indicator == "cumulative_balance") & df.fund.str.startswith("resident")]
        return sel.sort_values("value", ascending=False)

    def series(df):  # noqa: ANN001, ANN202
        sel = df[(df.indicator == "enrollment") & (df.region_code == region) & df.fund.str.startswith("employee")]
        return sel.sort_values("year")

    def deficits(df):  # noqa: ANN001, ANN202
        return df[(df.indicator == "current_balance") & (df.statistic == "level") & (df.value < 0)]

    def budget(df):  # noqa: ANN001, ANN202
        rate = df[df.indicator.str.endswith("execution_rate") & ~df.basis.isin(["budget", "adjusted_budget",
                                                                                 "target"])]
        return rate[(rate.value < 0.95) | (rate.value > 1.05)]

    def subsidy(df):  # noqa: ANN001, ANN202
        return df[(df.indicator == "fiscal_subsidy_arrival_rate") & (df.statistic == "level") & (df.value < 100)
                  & ~df.basis.isin(["budget", "adjusted_budget", "target"])].sort_values(["year", "region_code"])

    def provenance(df):  # noqa: ANN001, ANN202
        sel = df[(df.indicator == "cumulative_balance") & (df.statistic == "level")]
        return sel.sort_values(["report", "start", "end"])

    # the policy queries: the policy table (`yibao policies -f csv`, as df.attrs["policies"]) with its facts
    def adopters(df):  # noqa: ANN001, ANN202
        pol = df.attrs["policies"]
        return pol[pol.type == "drg"].sort_values(["regions", "report"])

    def mutual_aid(df):  # noqa: ANN001, ANN202
        pol = df.attrs["policies"]
        chosen = pol[(pol.type == "outpatient_mutual_aid") | (pol.kind == "OutpatientMutualAid")]
        return chosen.merge(df, how="left", on=["report", "policy"])

    def alliance(df):  # noqa: ANN001, ANN202
        pol = df.attrs["policies"]
        chosen = pol[pol.kind == "ProcurementAlliance"]
        return chosen.merge(df, how="left", on=["report", "policy"])

    return {
        "threshold": ({"indicator": "months_of_cover", "op": "<", "threshold": 6}, threshold),
        "value": ({"indicator": "cumulative_balance", "region": region}, value),
        "ranking": ({"indicator": "cumulative_balance", "fundScope": ["resident"]}, ranking),
        "series": ({"indicator": "enrollment", "region": region, "fundScope": ["employee"]}, series),
        "deficits": ({}, deficits),
        "budget_execution": ({}, budget),
        "subsidy_arrival": ({}, subsidy),
        "provenance": ({"indicator": "cumulative_balance"}, provenance),
        "policy_adopters": ({"policyScope": ["drg"]}, adopters),
        "mutual_aid": ({}, mutual_aid),
        "alliance": ({}, alliance),
        "findings": ({}, None),
    }


def time_queries(store: Path, facts_csv: Path, region: str, runs: int) -> dict[str, dict]:
    """Each canned query by SPARQL, by the fact index where it has a twin, and the same filter in pandas."""
    import pandas as pd
    import pyoxigraph as ox
    from yibao.index.fresh import open_current
    from yibao.qa.queries import bind, get_query, run

    def median_ms(call) -> tuple[object, float]:  # noqa: ANN001
        result = call()
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            result = call()
            times.append(time.perf_counter() - began)
        return result, statistics.median(times) * 1000

    df = pd.read_csv(facts_csv, dtype={"region_code": str})
    policies_csv = facts_csv.with_name("policies.csv")
    if policies_csv.is_file():
        df.attrs["policies"] = pd.read_csv(policies_csv, dtype=str)  # policies and facts name a policy by its label
    db = ox.Store.read_only(str(store))
    index = open_current(store)
    out = {}
    for query_id, (values, frame) in query_cases(region).items():
        bound = bind(get_query(query_id), values)
        rows, ms = median_ms(lambda bound=bound, db=db: run(db, bound))
        entry = {"rows": len(rows), "median_ms": round(ms, 1)}
        if index is not None and index.answer(bound) is not None:
            indexed, ims = median_ms(lambda bound=bound, db=db: run(db, bound, index))
            entry |= {"index_ms": round(ims, 2), "index_same_rows": indexed == rows}
        if frame is not None:
            result, pms = median_ms(lambda frame=frame: frame(df))
            entry |= {"pandas_rows": len(result), "pandas_ms": round(pms, 2)}
            entry["ratio"] = round(entry["median_ms"] / max(entry["pandas_ms"], 0.01), 1)
            if "index_ms" in entry:
                entry["index_ratio"] = round(entry["index_ms"] / max(entry["pandas_ms"], 0.01), 2)
        out[query_id] = entry
    if index is not None:
        index.close()
    del db
    return out


def questions(names: dict[str, str]) -> list[str]:
    z, q, h = names["zhuzhou"], names["qingdao"], names["huaibei"]
    return [
        "哪些地区基金可支付月数低于6个月？",
        f"{z}2022年职工医保统筹基金累计结余是多少？",
        f"{z}各区县居民医保累计结余排名",
        "哪些地区当期结余为负？",
        "Which budget execution rates are outside 95%-105%?",
        f"{q}哪些区财政补助资金未足额到位？",
        "哪些地区实施了DRG付费？",
        f"{h}2023年居民医保基金支出预算执行率是多少",
    ]


def time_ask(store: Path, asked: list[str], runs: int, cache: Path) -> dict[str, dict]:
    env = {**os.environ, "YIBAO_CACHE": str(cache)}
    env.pop("YIBAO_STORE", None)
    out = {}
    for question in asked:
        times, rows, code = [], 0, 0
        for i in range(runs + 1):
            began = time.perf_counter()
            done = subprocess.run([*YIBAO, "ask", question, "--store", str(store), "-f", "json"],
                                  capture_output=True, text=True, cwd=ROOT, env=env)
            elapsed = time.perf_counter() - began
            code = done.returncode
            if done.stdout.strip():
                rows = len(json.loads(done.stdout).get("rows", []))
            if i:
                times.append(elapsed)
        out[question] = {"rows": rows, "exit": code, "median_ms": round(statistics.median(times) * 1000, 1)}
    return out


def bench(n: int, work: Path, jobs: int, validate: bool, runs: int, with_queries: bool = True,
          compact: bool = True) -> dict:
    reports, store = work / "reports", work / "store"
    shutil.rmtree(work, ignore_errors=True)
    expected = generate(reports, n)
    flags = ["--jobs", str(jobs)] + ([] if validate else ["--no-validate"])
    command = [*YIBAO, "build", str(reports), "--store", str(store), *flags]
    print(f"[{n}] building …", flush=True)
    first = run_measured(command)
    if first["exit"] != 0:
        print(first["stdout"][-3000:], first["stderr"][-3000:])
    stored = read_back(store)
    wrong = sum(1 for stem, want in expected.items() if stored.get(stem) != (want["region"], want["year"]))
    from yibao.graph.store import count_observations, count_triples, open_store_read_only

    db = open_store_read_only(store)
    observations, triples = count_observations(db), count_triples(db)
    del db
    size = store_bytes(store)
    print(f"[{n}] re-building with nothing changed …", flush=True)
    again = run_measured(command)
    bases, places = templates(), cities({t.region for t in templates()})
    extra = reports / f"r{n:05d}-extra.txt"
    extra.write_text(render(bases[n % 5], places[-1], 0, "plain"), encoding="utf-8")
    print(f"[{n}] adding one report …", flush=True)
    added = run_measured(command)
    compacted, compact_size = {"wall_s": None, "exit": None}, size
    if compact:
        print(f"[{n}] compacting …", flush=True)
        compacted = run_measured([*YIBAO, "compact", "--store", str(store)])
        compact_size = store_bytes(store)
    entry = {
        "n": n, "jobs": jobs or os.cpu_count(), "validate": validate, "build_exit": first["exit"],
        "build_wall_s": first["wall_s"], "reports_per_s": round(n / first["wall_s"], 1), "observations": observations,
        "observations_per_s": round(observations / first["wall_s"]), "cpu_use": first["cpu_use"],
        "cpu_s": first["cpu_s"], "peak_rss_process_mb": first["peak_rss_process_mb"],
        "peak_rss_tree_mb": first["peak_rss_tree_mb"], "triples": triples, "store_mb": round(size / 1e6, 1),
        "store_bytes_per_observation": round(size / max(observations, 1)), "misread_reports": wrong,
        "rebuild_unchanged_s": again["wall_s"], "rebuild_exit": again["exit"],
        "add_one_s": added["wall_s"], "add_one_exit": added["exit"], "compact_s": compacted["wall_s"],
        "compact_exit": compacted["exit"], "compacted_store_mb": round(compact_size / 1e6, 1),
        "compacted_bytes_per_observation": round(compact_size / max(observations, 1)), "queries": {}, "ask": {},
    }
    if not with_queries:
        return entry
    facts_csv = work / "facts.csv"
    began = time.perf_counter()
    with open(facts_csv, "w", encoding="utf-8") as f:
        subprocess.run([*YIBAO, "facts", "--store", str(store), "-f", "csv"], stdout=f, check=True, cwd=ROOT)
    with open(facts_csv.with_name("policies.csv"), "w", encoding="utf-8") as f:
        subprocess.run([*YIBAO, "policies", "--store", str(store), "-f", "csv"], stdout=f, check=True, cwd=ROOT)
    facts_s = time.perf_counter() - began
    names = {}
    for stem in sorted(expected)[:5]:
        template = expected[stem]["template"].split("-")[0]
        city = next(c for c in places if c.code == expected[stem]["region"])
        names.setdefault(template, city.short)
    zhuzhou = next(e["region"] for s, e in sorted(expected.items()) if e["template"].startswith("zhuzhou-2022"))
    print(f"[{n}] queries and ask …", flush=True)
    queries = time_queries(store, facts_csv, zhuzhou, runs)
    ask = time_ask(store, questions(names), max(1, runs // 2), work / "cache")
    from yibao.index import index_path

    aside = index_path(store).with_name("index-aside.duckdb")  # the same questions without the index: SPARQL
    index_path(store).rename(aside)
    try:
        ask_sparql = time_ask(store, questions(names), max(1, runs // 2), work / "cache")
    finally:
        aside.rename(index_path(store))
    return entry | {
        "facts_export_s": round(facts_s, 2), "queries": queries, "ask": ask, "ask_sparql": ask_sparql,
        "ask_median_ms": round(statistics.median(v["median_ms"] for v in ask.values()), 1),
        "ask_max_ms": max(v["median_ms"] for v in ask.values()),
        "ask_sparql_median_ms": round(statistics.median(v["median_ms"] for v in ask_sparql.values()), 1),
        "ask_sparql_max_ms": max(v["median_ms"] for v in ask_sparql.values()),
    }


def markdown(results: dict) -> str:
    sizes = sorted(results["sizes"], key=int)
    rows = [("build wall (s)", "build_wall_s"), ("reports/s", "reports_per_s"), ("observations", "observations"),
            ("observations/s", "observations_per_s"), ("CPU use (of all cores)", "cpu_use"),
            ("peak RSS, largest process (MB)", "peak_rss_process_mb"), ("peak RSS, process tree (MB)", "peak_rss_tree_mb"),
            ("store (MB)", "store_mb"), ("store bytes / observation", "store_bytes_per_observation"),
            ("reports misread (region/year)", "misread_reports"), ("re-build, nothing changed (s)", "rebuild_unchanged_s"),
            ("add one report (s)", "add_one_s"), ("`yibao compact` (s)", "compact_s"),
            ("store after compact (MB)", "compacted_store_mb"),
            ("bytes / observation after compact", "compacted_bytes_per_observation"),
            ("`yibao facts -f csv` (s)", "facts_export_s"),
            ("`yibao ask` median (ms)", "ask_median_ms"), ("`yibao ask` slowest (ms)", "ask_max_ms"),
            ("`yibao ask` median, no fact index (ms)", "ask_sparql_median_ms"),
            ("`yibao ask` slowest, no fact index (ms)", "ask_sparql_max_ms")]
    lines = [f"# Scale benchmark ({results['machine']}, {results['cpus']} cores)", "",
             "| | " + " | ".join(f"N = {n}" for n in sizes) + " |", "|---|" + "---|" * len(sizes)]
    for label, key in rows:
        lines.append(f"| {label} | " + " | ".join(str(results["sizes"][n].get(key, "")) for n in sizes) + " |")
    lines += ["", "Canned queries, in-process median ms: SPARQL [fact index] (pandas on the exported facts, ms; "
              "SPARQL ratio; index ratio)", "",
              "| query | " + " | ".join(f"N = {n}" for n in sizes) + " |", "|---|" + "---|" * len(sizes)]
    query_ids = dict.fromkeys(q for n in sizes for q in results["sizes"][n]["queries"])  # every size's, in order
    for query_id in query_ids:
        cells = []
        for n in sizes:
            q = results["sizes"][n]["queries"].get(query_id, {})
            pandas = f" ({q['pandas_ms']}; {q['ratio']}×" if "pandas_ms" in q else " (n/a"
            pandas += f"; {q['index_ratio']}×)" if "index_ratio" in q else ")"
            index = f" [{q['index_ms']}]" if "index_ms" in q else ""
            cells.append(f"{q.get('median_ms', '')}{index}{pandas}")
        lines.append(f"| {query_id} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--jobs", type=int, default=0, help="--jobs of the build (0: all cores)")
    parser.add_argument("--no-validate", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--build-only", action="store_true", help="no facts export, canned queries or ask")
    parser.add_argument("--no-compact", action="store_true", help="do not measure `yibao compact`")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "scale.json")
    args = parser.parse_args(argv)
    results = {"machine": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
               "sizes": {}}
    if args.output.exists():
        results["sizes"] = json.loads(args.output.read_text(encoding="utf-8")).get("sizes", {})
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="yibao-scale-"))
    try:
        for n in args.n:
            entry = bench(n, base / f"n{n}", args.jobs, not args.no_validate, args.runs, not args.build_only,
                          not args.no_compact)
            results["sizes"][str(n)] = entry
            print(json.dumps({k: v for k, v in entry.items() if k not in ("queries", "ask")}, indent=1), flush=True)
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
            args.output.with_suffix(".md").write_text(markdown(results), encoding="utf-8")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print(markdown(results))


if __name__ == "__main__":
    main()
