"""What every extractor is given (one report's context) and what it gives back.

An extractor is any object with a ``name`` and ``extract(ctx) -> Iterable[Extracted]``; the
pipeline runs the list in :data:`yibao.ingest.extractors.EXTRACTORS` and merges what they yield.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, Union

from yibao.graph.vocab import Vocabulary
from yibao.ingest.lexicon import Lexicon
from yibao.ingest.metadata import Metadata
from yibao.ingest.resolve import Frame, Resolver
from yibao.ingest.segment import Document
from yibao.model import Finding, Observation, Policy

Extracted = Union[Observation, Policy, Finding]  # noqa: UP007 — a runtime alias


@dataclass
class ReportContext:
    """One report as the extractors see it.

    ``original`` is the decoded text every offset refers to; ``norm`` is its normalised twin of
    the same length (simplified, half-width), which is what the extractors match against.
    """

    report_id: str
    original: str
    norm: str
    doc: Document
    meta: Metadata
    lexicon: Lexicon
    resolver: Resolver
    main_fund: str | None  # the top-level fund the report names most often
    # (start, end) of figures whose digits mojibake destroyed (DecodedText.damaged): masked with "#"
    # in ``norm``, to be recorded as UnmappedFigure(reason="damaged"), never read as numbers
    damaged: list[tuple[int, int]] = field(default_factory=list)

    @property
    def vocab(self) -> Vocabulary:
        return self.lexicon.vocab

    @property
    def base(self) -> Frame:
        """The report-wide frame: its region and year."""
        return Frame(region=self.meta.region, year=self.meta.year)

    @property
    def fund(self) -> str | None:
        """The report's fund: the one its title or opening names, else the one it names most."""
        return self.meta.default_fund or self.main_fund

    def unit_of(self, indicator: str, statistic: str = "level") -> str:
        """The unit a value of ``indicator`` is normalised to (percent for rates and shares)."""
        return "percent" if statistic in ("growth_rate", "share") else self.vocab.indicators[indicator].unit

    def observation(self, *, region: str, year: int, fund: str, indicator: str, basis: str, statistic: str,
                    value: Decimal, unit: str, start: int, end: int, quote_start: int, quote_end: int,
                    policy: str | None = None, qualifier: str | None = None,
                    approximation: str = "exact") -> Observation:
        """An observation whose surface is ``original[start:end]`` and quote ``original[quote_start:quote_end]``."""
        meta = self.meta
        period = meta.period if meta.period and year == meta.year else str(year)
        return Observation(self.report_id, region, year, period, fund, indicator, basis, statistic, value, unit,
                           self.original[start:end], self.original[quote_start:quote_end], quote_start,
                           quote_end, policy, qualifier, approximation)


class Extractor(Protocol):
    """Reads one kind of writing (text, tables, charts, policies, findings …) of a report."""

    name: str

    def extract(self, ctx: ReportContext) -> Iterable[Extracted]: ...
