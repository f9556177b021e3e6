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
        measures, observations = self._measures(doc, norm, original)
        return findings + measures, observations

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


class FindingFacts:
    """Extractor: problems, recommendations and supervision measures, with their outcome figures."""

    name = "findings"

    def extract(self, ctx: ReportContext) -> Iterator[Finding | Observation]:
        findings, observations = FindingExtractor(ctx.resolver, ctx.report_id, ctx.fund or "all_basic").extract(
            ctx.doc, ctx.norm, ctx.original)
        yield from findings
        yield from observations
