"""Synthetic report FILES for the scale benchmark: the five sample reports under other regions and years.

    python benchmarks/scale_corpus.py OUT_DIR --n 1000 [--check 15]

File k takes sample ``k % 5`` as its template, a prefecture-level city of ``ontology/regions.ttl``
(its labels replace every label of the template's region: 株洲市 → 邯郸市, 株洲 → 邯郸), a year shift
(every year 2010-2025 of the text moves by the same amount) and a wording variant that the extractor
reads the same (full-width digits, CRLF line ends with a blank line after the title, a 各位 preamble).
``expected.json`` records each file's intended region and year; ``--check K`` extracts the first K
files and fails if one is not read with them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable without `pip install -e .`
    sys.path.insert(0, str(ROOT))

YEAR = re.compile(r"(?<![\d.])(20[12]\d)(?![\d.])")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SHIFTS = (0, -1, -2, -3, 1)
VARIANTS = ("plain", "full-width digits", "crlf", "preamble")


@dataclass
class Template:
    name: str
    text: str
    region: str
    year: int
    labels: list[str]  # the region's labels, longest first


@dataclass
class City:
    code: str
    name: str  # preferred label (…市)
    short: str  # the shortest alternative label


def templates() -> list[Template]:
    """The sample reports with the region and year the pipeline reads in each."""
    from yibao.graph.vocab import load_vocabulary
    from yibao.ingest import pipeline
    from yibao.resources import sample_reports_dir

    regions = load_vocabulary().regions
    out = []
    for path in sorted(sample_reports_dir().glob("*.txt")):
        report = pipeline.process_file(path)
        names, code = set(), report.region
        while code and regions[code].level in ("pooling_area", "prefecture", "county"):  # 株洲市本级 → 株洲市
            names |= set(regions[code].labels_zh)
            code = regions[code].broader
        labels = sorted(names, key=len, reverse=True)
        out.append(Template(path.stem, path.read_text(encoding="utf-8"), report.region, report.year or 0, labels))
    return out


def cities(exclude: set[str]) -> list[City]:
    """Prefecture-level cities named 某某市 with a short name no other region uses, by code."""
    from yibao.graph.vocab import load_vocabulary

    regions = load_vocabulary().regions
    uses: dict[str, int] = {}
    for concept in regions.values():
        for label in concept.labels_zh:
            uses[label] = uses.get(label, 0) + 1
    out = []
    for code, concept in sorted(regions.items()):
        name = concept.labels_zh[0] if concept.labels_zh else ""
        if concept.level != "prefecture" or not name.endswith("市") or code in exclude:
            continue
        short = min((x for x in concept.labels_zh[1:] if len(x) >= 2), key=len, default=None)
        if short and short == name[:-1] and uses.get(short) == 1 and uses.get(name) == 1:
            out.append(City(code, name, short))
    return out


def render(template: Template, city: City, shift: int, variant: str) -> str:
    text = template.text
    for label in template.labels:  # longest first: 株洲市 before 株洲
        text = text.replace(label, city.name if len(label) > 2 and label[-1] in "市州盟区县级" else city.short)
    text = YEAR.sub(lambda m: str(int(m.group(1)) + shift) if 2010 <= int(m.group(1)) <= 2025 else m.group(1), text)
    if variant == "full-width digits":
        head, _, body = text.partition("\n")
        text = head + "\n" + body.translate(FULL_WIDTH)
    elif variant == "crlf":
        head, _, body = text.partition("\n")
        text = (head + "\n\n" + body).replace("\n", "\r\n")
    elif variant == "preamble":
        head, _, body = text.partition("\n")
        text = head + "\n各位领导：现将有关情况报告如下。\n" + body
    return text


def generate(out: Path, n: int) -> dict[str, dict]:
    """Write n files into ``out`` (and expected.json); returns {file stem: {region, year}}."""
    out.mkdir(parents=True, exist_ok=True)
    bases = templates()
    places = cities({t.region for t in bases})
    expected: dict[str, dict] = {}
    seen: set[str] = set()
    for k in range(n):
        template = bases[k % len(bases)]
        city = places[(k // len(bases)) % len(places)]
        shift = SHIFTS[(k // (len(bases) * len(places))) % len(SHIFTS)] if n > len(bases) * len(places) \
            else SHIFTS[(k // len(bases)) % len(SHIFTS)]
        variant = VARIANTS[(k // 7) % len(VARIANTS)]
        stem = f"r{k:05d}-{city.code}-{template.year + shift}"
        text = render(template, city, shift, variant)
        if text in seen:  # the same combination again (large N): a document number makes it another file
            text = text.rstrip("\r\n") + f"\n\n文件编号：YB-{k:05d}\n"
        seen.add(text)
        (out / f"{stem}.txt").write_text(text, encoding="utf-8", newline="")
        expected[stem] = {"region": city.code, "year": template.year + shift, "template": template.name,
                          "variant": variant}
    (out / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=0), encoding="utf-8")
    return expected


def check(out: Path, expected: dict[str, dict], count: int) -> list[str]:
    """Files among the first ``count`` not read with their intended region and year."""
    from yibao.ingest import pipeline

    wrong = []
    for stem in sorted(expected)[:count]:
        report = pipeline.process_file(out / f"{stem}.txt")
        want = expected[stem]
        if (report.region, report.year) != (want["region"], want["year"]) or not report.observations:
            wrong.append(f"{stem}: read as {report.region} {report.year} ({len(report.observations)} observations), "
                         f"meant {want['region']} {want['year']} ({want['variant']})")
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--check", type=int, default=0, help="extract the first K files and compare")
    args = parser.parse_args()
    expected = generate(args.out, args.n)
    wrong = check(args.out, expected, args.check)
    print(f"{len(expected)} files in {args.out}; {args.check} checked, {len(wrong)} wrong")
    for line in wrong:
        print(" ", line)
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
