"""Extraction time against text length (issue 10: cost must grow linearly with size).

    python benchmarks/bench_hostile.py [--sizes 0.1,1,3,10] [--shapes paragraphs,line] [--budget 600]
                                       [--repeat 2] [--out benchmarks/results/hostile.md]

Builds synthetic reports of the given sizes (MB) from a sample report — ``paragraphs`` repeats the
report (many ordinary paragraphs, tables and charts), ``line`` repeats its prose as one paragraph on one
line — and extracts each as a build does: in a forked worker with the per-file time budget, the report
sent back to the parent. Prints seconds, seconds per MB and the ratio of each size's per-MB time to the
smallest size's (≈1 when the cost is linear), and writes the table to ``--out`` when given.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

from yibao import resources
from yibao.ingest.worker import ExtractJob, run_with_budget, warm_up


def synthetic(size_mb: float, shape: str) -> str:
    """A report of about ``size_mb`` MB: the sample report repeated (``paragraphs``), or its title lines
    and then its prose (tables and chart data left out) repeated as one line without breaks (``line``)."""
    base = (resources.sample_reports_dir() / "zhuzhou-2022-fund-operation-analysis.txt").read_text(encoding="utf-8")
    target = int(size_mb * 1_000_000)
    if shape == "line":  # the title and opening lines, then the prose as one paragraph of one line
        lines = base.replace("\r", "").split("\n")
        head = "\n".join(lines[:3]) + "\n"
        body = "；".join(line for line in lines[3:] if line.strip() and "\t" not in line) + "；"
        return head + body * max(1, -(-target // len(body.encode("utf-8"))))
    return base * max(1, -(-target // len(base.encode("utf-8"))))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="0.1,1,3,10")
    parser.add_argument("--shapes", default="paragraphs,line")
    parser.add_argument("--budget", type=float, default=600.0)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the fastest counts (less noise)")
    args = parser.parse_args()
    warm_up()
    rows = [f"{'shape':<10} {'MB':>6} {'seconds':>9} {'s/MB':>6} {'ratio':>6}  result"]
    print(rows[0], flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for shape in args.shapes.split(","):
            first = None
            for size in (float(s) for s in args.sizes.split(",")):
                path = Path(tmp) / f"synthetic-{shape}-{size:g}.txt"
                path.write_text(synthetic(size, shape), encoding="utf-8")
                mb = path.stat().st_size / 1e6
                seconds = float("inf")
                for _ in range(max(1, args.repeat)):
                    began = time.perf_counter()
                    result = run_with_budget(ExtractJob(path), args.budget)
                    seconds = min(seconds, time.perf_counter() - began)
                path.unlink()
                per_mb = seconds / mb
                first = first or per_mb
                what = (f"{len(result.report.observations)} observations" if result.report
                        else f"skipped: {result.reason}")
                rows.append(f"{shape:<10} {mb:6.2f} {seconds:9.2f} {per_mb:6.2f} {per_mb / first:6.2f}  {what}")
                print(rows[-1], flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        note = (f"# Extraction time against size\n\n`python benchmarks/bench_hostile.py --sizes {args.sizes} "
                f"--shapes {args.shapes} --repeat {args.repeat}` on {platform.machine()} {platform.system()}, Python "
                f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}. ratio = s/MB over the smallest "
                "size's s/MB of the same shape (≈1: linear).\n\n")
        args.out.write_text(note + "```\n" + "\n".join(rows) + "\n```\n", encoding="utf-8")


if __name__ == "__main__":
    main()
