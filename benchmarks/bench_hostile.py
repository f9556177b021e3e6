"""Extraction time against text length (issue 10: cost must grow linearly with size).

    python benchmarks/bench_hostile.py [--sizes 0.1,0.3,1,3,10] [--budget 300] [--shape paragraphs|line]

Builds synthetic reports of the given sizes (MB) from a sample report's paragraphs — ``paragraphs``
repeats the report's text, ``line`` joins it into one line without breaks — and extracts each in a
worker process with the per-file time budget. Prints seconds, seconds per MB and the ratio to the
smallest size's per-MB time (≈1 when the cost is linear).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from yibao import resources
from yibao.ingest.worker import ExtractJob, run_with_budget, warm_up


def synthetic(size_mb: float, shape: str) -> str:
    base = (resources.sample_reports_dir() / "zhuzhou-2022-fund-operation-analysis.txt").read_text(encoding="utf-8")
    target = int(size_mb * 1_000_000)
    if shape == "line":  # the title and opening lines, then the body as one line
        lines = base.replace("\r", "").split("\n")
        head, body = "\n".join(lines[:3]) + "\n", "；".join(lines[3:])
        return head + body * max(1, target // len(body.encode("utf-8")))
    return base * max(1, target // len(base.encode("utf-8")))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="0.1,0.3,1,3,10")
    parser.add_argument("--budget", type=float, default=300.0)
    parser.add_argument("--shape", choices=("paragraphs", "line"), default="paragraphs")
    args = parser.parse_args()
    warm_up()
    first = None
    print(f"{'MB':>6} {'seconds':>9} {'s/MB':>8} {'ratio':>6}  result")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (float(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"synthetic-{size:g}.txt"
            path.write_text(synthetic(size, args.shape), encoding="utf-8")
            mb = path.stat().st_size / 1e6
            began = time.perf_counter()
            result = run_with_budget(ExtractJob(path), args.budget)
            seconds = time.perf_counter() - began
            per_mb = seconds / mb
            first = first or per_mb
            what = (f"{len(result.report.observations)} observations" if result.report
                    else f"skipped: {result.reason}")
            print(f"{mb:6.2f} {seconds:9.2f} {per_mb:8.2f} {per_mb / first:6.2f}  {what}", flush=True)


if __name__ == "__main__":
    main()
