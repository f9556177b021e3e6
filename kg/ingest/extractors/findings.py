"""Problems (存在的问题), recommendations (建议 / 下一步) and measures (措施) a report states.

A section whose heading names problems or recommendations contributes one item per
sub-heading (or per paragraph when it has none); each item gets the category of the
finding-category code list whose label occurs in it (heading first, then its text).
Measures are supervision actions with counted outcomes (检查定点医药机构1005家, 追回…1709.62万元),
whose figures become observations linked to the measure.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from decimal import Decimal

from yibao.ingest.context import ReportContext
from yibao.ingest.quantities import find_quantities
from yibao.ingest.resolve import Resolver
from yibao.ingest.segment import Document, Heading, Paragraph
from yibao.model import Finding, Observation

PROBLEM_RE = re.compile(r"存在的问题|存在问题|问题和不足|问题与不足|不足之处|主要问题")
RECOMMENDATION_RE = re.compile(r"建议|下一步|意见及|改进措施|工作措施|工作计划|工作打算")
# a problem list written inline, not under a heading: "还存在以下四个方面的问题，一是…二是…",
# "自评发现的主要问题及原因：一是…"; "不存在…问题" says there is none
INLINE_PROBLEM_RE = re.compile(
    r"(?<![不没未无])(?:存在|发现|暴露出?)(?:的)?(?:以下|如下)?(?:[一二三四五六七八九十两\d]+个?方面)?(?:的)?(?:主要)?"
    r"(?:问题|不足|短板)(?:及原因|和不足|与不足|和困难)?(?:主要)?(?:有|是|为|表现在|体现在)?\s*[：:，,]?\s*"
    r"|主要问题(?:及原因)?(?:有|是|为|表现在|体现在)?\s*[：:，,]?\s*")
# recommendations written inline: a paragraph opening with 下一步 / 建议 / 改进措施 and listing items
INLINE_RECOMMENDATION_RE = re.compile(r"^\s*(?:下一步|建议|改进措施|整改措施|意见建议)(?:工作)?[^，,：:。]{0,12}?[：:，,]\s*")
_ORDINALS = "一二三四五六七八九十"
INSPECTED_RE = re.compile(r"(?:检查|核查|稽核)[^，,。；;\d]{0,10}?(?:定点)?(?:医药机构|医疗机构|药店|机构)[共计]{0,2}(\d+)\s*家")
RECOVERED_RE = re.compile(r"追回|拒付|扣除|挽回")


class FindingExtractor:
    def __init__(self, resolver: Resolver, report_id: str, fund: str) -> None:
        self.r = resolver
        self.report_id = report_id
        self.fund = fund
        self.region = resolver.ancestor_at(resolver.home, "prefecture") or resolver.home
        self.lexicon = resolver.lexicon

    def extract(self, doc: Document, norm: str, original: str) -> tuple[list[Finding], list[Observation]]:
        findings: list[Finding] = []
        self._under: dict[int, list[Paragraph]] | None = None
        self._last: dict[int, list[Paragraph]] | None = None
        for i, heading in enumerate(doc.headings):
            text = norm[heading.start:heading.end]
            kind = "Problem" if PROBLEM_RE.search(text) else "Recommendation" if RECOMMENDATION_RE.search(text) \
                else None
            if kind is None:
                continue
            findings += self._items(doc, norm, original, i, kind)
        findings += self._inline(doc, norm, original, findings)
        measures, observations = self._measures(doc, norm, original)
        return findings + measures, observations

    def _inline(self, doc: Document, norm: str, original: str, found: list[Finding]) -> list[Finding]:
        """Problems and recommendations listed inside a paragraph ("存在以下四个方面的问题，一是…二是…";
        "下一步，…一是…"), in paragraphs not already under a problem or recommendation heading."""
        covered = [(f.start, f.end) for f in found]
        counts = {"Problem": sum(f.kind == "Problem" for f in found),
                  "Recommendation": sum(f.kind == "Recommendation" for f in found)}
        out: list[Finding] = []
        seen: set[tuple[str, str]] = set()  # a list a report repeats (one section per fund) is listed once
        for para in doc.paragraphs:
            if any(s < para.end and para.start < e for s, e in covered):
                continue
            text = norm[para.start:para.end]
            for kind, intro in self._intros(text):
                items = _enumerated(text, intro)
                if not items and kind == "Recommendation":  # "下一步，我局将…。": the first sentence is one
                    first = re.match(r"[^。]*。?", text[intro:])
                    items = [(intro, intro + first.end())] if first and first.end() > 8 else []
                for start, end in items:
                    body = norm[para.start + start:para.start + end]
                    if (kind, body) in seen:
                        continue
                    seen.add((kind, body))
                    counts[kind] += 1
                    label = _label(original[para.start + start:para.start + end])
                    out.append(self._finding(kind, counts[kind], body, body, label, original,
                                             para.start + start, para.start + end))
                if items:
                    break
        return out

    @staticmethod
    def _intros(text: str) -> list[tuple[str, int]]:
        """(kind, where its items start) for each inline list opener in a paragraph, problems first."""
        out = []
        problem = INLINE_PROBLEM_RE.search(text)
        if problem:
            out.append(("Problem", problem.end()))
        recommendation = INLINE_RECOMMENDATION_RE.match(text)
        if recommendation:
            out.append(("Recommendation", recommendation.end()))
        return out

    def _items(self, doc: Document, norm: str, original: str, index: int, kind: str) -> list[Finding]:
        section = doc.headings[index]
        children: list[Heading] = []
        for heading in itertools.islice(doc.headings, index + 1, None):
            if heading.level <= section.level:
                break
            children.append(heading)
        under, last = self._paragraphs(doc)
        level = min((h.level for h in children), default=None)
        items = [h for h in children if h.level == level]
        out: list[Finding] = []
        if items:
            for n, item in enumerate(items, 1):
                body = " ".join(norm[p.start:p.end] for p in under.get(id(item), ()))
                label = original[item.start:item.end].strip()
                out.append(self._finding(kind, n, norm[item.start:item.end], body, label, original,
                                         item.start, item.end))
            return out
        paragraphs = last.get(id(section), [])
        for n, para in enumerate(paragraphs, 1):
            first = re.match(r"[^。]*。?", norm[para.start:para.end])
            end = para.start + (first.end() if first else para.end - para.start)
            label = original[para.start:end].strip()
            out.append(self._finding(kind, n, norm[para.start:end], norm[para.start:para.end], label,
                                     original, para.start, end))
        return out

    def _paragraphs(self, doc: Document) -> tuple[dict[int, list[Paragraph]], dict[int, list[Paragraph]]]:
        """The paragraphs under each heading, and those whose innermost heading it is (by heading
        identity), indexed once per document rather than scanned once per finding."""
        if self._under is None or self._last is None:
            self._under, self._last = {}, {}
            for para in doc.paragraphs:
                for heading in dict.fromkeys(map(id, para.headings)):
                    self._under.setdefault(heading, []).append(para)
                if para.headings:
                    self._last.setdefault(id(para.headings[-1]), []).append(para)
        return self._under, self._last

    def _finding(self, kind: str, n: int, head: str, body: str, label: str, original: str,
                 start: int, end: int) -> Finding:
        category = self._category(head) or self._category(body)
        prefix = "problem" if kind == "Problem" else "recommendation"
        return Finding(f"{prefix}-{n}" if kind != "Problem" else f"problem-{n}", kind, category, self.region,
                       self.r.year or 0, label, original[start:end], start, end)

    def _category(self, text: str) -> str | None:
        """The category named most often in the text (earliest on ties)."""
        hits = self.lexicon.find(text, "finding-category")
        if not hits:
            return None
        counts: dict[str, list[int]] = {}
        for m in hits:
            counts.setdefault(m.id, []).append(m.start)
        return min(counts, key=lambda c: (-len(counts[c]), counts[c][0]))

    def _measures(self, doc: Document, norm: str, original: str) -> tuple[list[Finding], list[Observation]]:
        """Supervision campaigns with counted outcomes: institutions inspected, money recovered."""
        measures: list[Finding] = []
        observations: list[Observation] = []
        for para in doc.paragraphs:
            for m in re.finditer(r"[^。]+。?", norm[para.start:para.end]):
                start, end = para.start + m.start(), para.start + m.end()
                sentence = norm[start:end]
                inspected = list(INSPECTED_RE.finditer(sentence))
                # an outcome stated as "9000多万元" is a headline, not an audited figure
                recovered = [q for q in find_quantities(sentence) if q.unit == "yuan" and q.approximation == "exact"
                             and RECOVERED_RE.search(sentence[max(0, q.start - 16):q.start])]
                if not inspected and not recovered:
                    continue
                ident = f"measure-{len(measures) + 1}"
                measures.append(Finding(ident, "Measure", "supervision_gaps", self.region, self.r.year or 0,
                                        original[start:end].strip()[:60], original[start:end], start, end))
                for hit in inspected:
                    self._obs(observations, ident, "institutions_inspected", Decimal(hit.group(1)), "institution",
                              original, start, start + hit.start(1), start + hit.end())
                for q in recovered:
                    self._obs(observations, ident, "amount_recovered", q.value, "yuan", original, start,
                              start + q.start, start + q.end)
        return measures, observations

    def _obs(self, out: list[Observation], measure: str, indicator: str, value: Decimal, unit: str,
             original: str, sentence_start: int, start: int, end: int) -> None:
        year = self.r.year or 0
        out.append(Observation(self.report_id, self.region, year, str(year), self.fund, indicator, "actual",
                               "level", value, unit, original[start:end], original[sentence_start:end],
                               sentence_start, end, measure))


def _enumerated(text: str, start: int) -> list[tuple[int, int]]:
    """The items "一是…二是…", "（一）…（二）…" or "1.…2.…" listed from ``start`` on (two at least, the first
    right at ``start``): (start, end) of each; the last ends with its sentence."""
    head = text[start:start + 4]
    for style in (lambda k: f"{_ORDINALS[k]}是", lambda k: f"（{_ORDINALS[k]}）", lambda k: f"({_ORDINALS[k]})",
                  lambda k: f"{k + 1}．", lambda k: f"{k + 1}.", lambda k: f"{k + 1}、"):
        if not head.startswith(style(0)):
            continue
        starts = [start]
        while len(starts) < len(_ORDINALS):
            at = text.find(style(len(starts)), starts[-1] + 2)
            if at < 0:
                break
            starts.append(at)
        if len(starts) < 2:
            return []
        last = re.match(r"[^。]*。?", text[starts[-1]:])
        ends = starts[1:] + [starts[-1] + (last.end() if last else len(text) - starts[-1])]
        return [(s, e) for s, e in zip(starts, ends) if e - s > 4]
    return []


def _label(item: str) -> str:
    """An item's first sentence (or clause list) without its ordinal, at most 60 characters."""
    item = re.sub(r"^\s*(?:[一二三四五六七八九十]是|[（(][一二三四五六七八九十][)）]|\d+[.．、])\s*", "", item)
    first = re.match(r"[^。；;]*", item)
    return (first.group(0) if first else item).strip(" ，,：:")[:60]


class FindingFacts:
    """Extractor: problems, recommendations and supervision measures, with their outcome figures."""

    name = "findings"

    def extract(self, ctx: ReportContext) -> Iterator[Finding | Observation]:
        findings, observations = FindingExtractor(ctx.resolver, ctx.report_id, ctx.fund or "all_basic").extract(
            ctx.doc, ctx.norm, ctx.original)
        yield from findings
        yield from observations
