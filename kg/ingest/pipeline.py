"""One report file in, one :class:`~yibao.model.Report` with its sourced observations out.

read & normalise → segment → metadata → extract (text, tables, charts) → observations.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from yibao.ingest.context import Extractor, ReportContext
from yibao.ingest.figures import account
from yibao.ingest.lexicon import Lexicon, default_lexicon
from yibao.ingest.metadata import Overrides, apply_overrides, read_metadata
from yibao.ingest.reading import normalise, read_text
from yibao.ingest.resolve import Resolver
from yibao.ingest.segment import segment
from yibao.model import DecodedText, Finding, Observation, Policy, Report

# Part of the extractor version an incremental build compares (with the ingest sources and the
# vocabulary): bump it when extraction changes in a way those do not show.
EXTRACTOR_VERSION = "1"


def process_file(path: Path, lexicon: Lexicon | None = None, overrides: Overrides | None = None,
                 lenient: bool = False) -> Report:
    """Read, segment and extract one report. Raises ``ReadError`` for bad files.

    ``overrides`` (region, year, period the user states) replace what the text says; ``lenient``
    replaces a few undecodable bytes (a warning counts them) instead of rejecting the file.
    """
    path = Path(path)
    decoded = read_text(path, lenient)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    report = extract_report(path.stem, path, decoded, digest, lexicon or default_lexicon(), overrides=overrides)
    replaced = decoded.original.count("\ufffd") if lenient else 0
    if replaced:
        report.warnings.append(f"{report.id}: {replaced} undecodable byte sequence(s) replaced by U+FFFD (--lenient)")
    return report


def extract_report(report_id: str, path: Path, decoded: DecodedText, sha256: str, lexicon: Lexicon,
                   extractors: list[Extractor] | None = None, overrides: Overrides | None = None) -> Report:
    """Metadata (with ``overrides`` applied), then every extractor of ``extractors`` (default:
    ``EXTRACTORS``), merged."""
    norm, original = decoded.normalised, decoded.original
    doc = segment(norm)
    meta = read_metadata(lexicon, doc, norm, original)
    override_warnings = apply_overrides(meta, overrides, report_id)
    report = Report(id=report_id, path=path, sha256=sha256, encoding=decoded.encoding, text=original,
                    title=meta.title, region=meta.region or "", year=meta.year,
                    report_type=meta.report_type, issuer=meta.issuer, date=meta.date)
    report.warnings += override_warnings
    if meta.region is None:
        report.warnings.append(f"{report_id}: no region named anywhere in the text; its facts have no region "
                               "(set one with --region or a --manifest)")
    if meta.year is None:
        report.warnings.append(f"{report_id}: no reference year recognised (set one with --year or a --manifest)")
        return report
    if extractors is None:
        from yibao.ingest.extractors import EXTRACTORS

        extractors = EXTRACTORS
    ctx = ReportContext(report_id, original, norm, doc, meta, lexicon, Resolver(lexicon, meta.region or "", meta.year),
                        main_fund(lexicon, norm), list(decoded.damaged))
    observations: dict[tuple, Observation] = {}
    for extractor in extractors:
        for item in extractor.extract(ctx):
            if isinstance(item, Observation):
                observations.setdefault(item.key, item)
            elif isinstance(item, Policy):
                report.policies.append(item)
            elif isinstance(item, Finding):
                report.findings.append(item)
            else:
                raise TypeError(f"extractor {extractor.name!r} yielded {type(item).__name__}")
    kept = drop_predecessor_figures(drop_rounded_restatements(list(observations.values())), norm, lexicon)
    kept = one_scheme_report(kept, norm, lexicon)
    report.observations = sorted(kept, key=lambda o: (o.start, o.end, o.key))
    report.unmapped, report.non_facts = account(norm, original, report.observations, lexicon, decoded.damaged)
    return report


def main_fund(lexicon: Lexicon, norm: str) -> str | None:
    """The insurance fund the report names most often (its top-level fund)."""
    counts: dict[str, int] = {}
    for m in lexicon.find(norm, "fund"):
        top = lexicon.vocab.top_fund(m.id)
        if not lexicon.vocab.funds[top].scope:
            counts[top] = counts.get(top, 0) + 1
    return max(sorted(counts), key=lambda f: counts[f]) if counts else None


def drop_predecessor_figures(observations: list[Observation], norm: str, lexicon: Lexicon) -> list[Observation]:
    """Drop the figures of a fund's predecessor reported beside the fund itself.

    新农合 alone names the resident fund (it is its predecessor); a report that names both
    ("城乡居民基本医疗保险基金收入6973.94亿元 … 新型农村合作医疗保险基金收入856.89亿元") gives
    the predecessor's own figures, which are not the fund's. A figure belongs to the scheme named
    last before it.
    """
    vocab = lexicon.vocab
    former = {normalise(label): c.id for c in vocab.funds.values() for label in c.former_zh}
    if not former:
        return observations
    mentions = [m for m in lexicon.funds(norm) if vocab.top_fund(m.id) in former.values()]
    drop: set[int] = set()
    for fund in sorted(set(former.values())):
        named = [m for m in mentions if vocab.top_fund(m.id) == fund]
        if not any(m.surface in former for m in named) or all(m.surface in former for m in named):
            continue  # only the predecessor's name (it stands for the fund) or only the fund's
        starts = [m.start for m in named]
        for obs in observations:
            if vocab.top_fund(obs.fund) != fund:
                continue
            i = bisect_right(starts, obs.end - len(obs.surface)) - 1  # the figure ends its quote
            if i >= 0 and named[i].surface in former:
                drop.add(id(obs))
    return [o for o in observations if id(o) not in drop]


BOTH_SCHEMES_RE = re.compile(r"职工|两项|二项|全口径|合计")


def one_scheme_report(observations: list[Observation], norm: str, lexicon: Lexicon) -> list[Observation]:
    """In a report about one scheme only, a bare 基本医疗保险 is that scheme.

    A resident-fund project ("城乡居民基本医疗保险财政补助资金项目 … 基本医疗保险参保人数43230人") never
    names the employee fund: its 基本医疗保险 figures are the resident fund's, not both schemes'
    together. A report that names both schemes, or both together in words (两项基金, 职工和居民医保),
    keeps them.
    """
    vocab = lexicon.vocab
    if not any(o.fund == "all_basic" for o in observations):
        return observations
    named: dict[str, int] = {}
    for m in lexicon.funds(norm):
        top = vocab.top_fund(m.id)
        if top == "all_basic" and BOTH_SCHEMES_RE.search(m.surface):
            return observations
        if top in ("employee", "resident", "all_basic"):
            named[top] = named.get(top, 0) + 1
    schemes = [f for f in ("employee", "resident") if f in named]
    # the one scheme must be what the report is about: named more often than 基本医疗保险 itself
    if len(schemes) != 1 or named[schemes[0]] <= named.get("all_basic", 0):
        return observations
    return [replace(o, fund=schemes[0]) if o.fund == "all_basic" else o for o in observations]


def _decimals(surface_number: Decimal) -> int:
    exponent = surface_number.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def drop_rounded_restatements(observations: list[Observation]) -> list[Observation]:
    """Drop a figure that only restates, rounded, a more precise figure of the same key.

    "历年累计结余0.27亿元" next to a table cell "2735.59" (万元) is the same fact, rounded:
    keeping both would give one key two values.
    """
    groups: dict[tuple, list[Observation]] = {}
    for obs in observations:
        key = (obs.region, obs.period, obs.fund, obs.indicator, obs.basis, obs.statistic)
        groups.setdefault(key, []).append(obs)
    from bisect import bisect_left, bisect_right

    drop: set[int] = set()
    for group in groups.values():
        # each figure's precision and unit once; the values of each (precision, unit) sorted, so that
        # "a more precise figure within half a step" is a bisection, not a pass over the group
        written = [(obs, step, _unit_factor(obs)) for obs in group if (step := _rounding_step(obs)) is not None]
        values: dict[tuple[Decimal, Decimal], list[Decimal]] = {}
        for obs, step, factor in written:
            values.setdefault((step, factor), []).append(obs.value)
        for found in values.values():
            found.sort()
        for a, step, factor in written:
            for (other, other_factor), found in values.items():
                if step > other and factor > other_factor:
                    near = bisect_right(found, a.value + step / 2) - bisect_left(found, a.value - step / 2)
                    same = bisect_right(found, a.value) - bisect_left(found, a.value)
                    if near > same:
                        drop.add(id(a))
                        break
    return [o for o in observations if id(o) not in drop]


def _unit_factor(obs: Observation) -> Decimal:
    """How many base units one written unit is (亿元 → 1e8; a bare table cell → its column's)."""
    step = _rounding_step(obs) or Decimal(1)
    return step / Decimal(1).scaleb(-_surface_decimals(obs.surface))


def _surface_decimals(surface: str) -> int:
    m = re.search(r"\.(\d+)", surface)
    return len(m.group(1)) if m else 0


def _rounding_step(obs: Observation) -> Decimal | None:
    """The precision of the number as written, in base units (0.27亿元 → 1e6 yuan)."""
    m = re.search(r"-?\d[\d,]*(?:\.\d+)?", obs.surface)
    if not m:
        return None
    written = Decimal(m.group().replace(",", "").lstrip("-") or "0")
    if written == 0:
        return None
    factor = abs(obs.value) / written if obs.value else Decimal(1)
    return Decimal(1).scaleb(-_decimals(written)) * factor
