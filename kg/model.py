"""Plain data objects passed between the pipeline stages (no RDF here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

# Column order of the tidy fact table (CSV/JSON export); a public contract.
FACT_COLUMNS: tuple[str, ...] = (
    "report",
    "region_code",
    "region",
    "year",
    "period",
    "fund",
    "indicator",
    "basis",
    "statistic",
    "value",
    "unit",
    "surface",
    "quote",
    "start",
    "end",
    "policy",
    "qualifier",
    "approximation",
)


@dataclass(frozen=True, order=True)
class Observation:
    """One quantitative fact stated in a report, with its exact source.

    ``quote`` is ``text[start:end]`` of the report's decoded (original, not normalised)
    text and contains ``surface``; ``value`` is normalised to ``unit`` (the indicator's
    base unit, e.g. yuan for 亿元).
    """

    report: str
    region: str
    year: int
    period: str
    fund: str
    indicator: str
    basis: str
    statistic: str
    value: Decimal
    unit: str
    surface: str
    quote: str
    start: int
    end: int
    policy: str | None = None  # local id of the report's Policy (or Measure) the figure belongs to
    qualifier: str | None = None  # hospital level / person category of a policy parameter
    approximation: str = "exact"  # exact | approximate (约, 左右, 多) | at_least (超, 以上) | at_most (不足, 以下)

    @property
    def key(self) -> tuple:
        """The Data Cube dimensions plus the quote: unique within a report (IC-12)."""
        base = (self.region, self.period, self.fund, self.indicator, self.basis, self.statistic,
                self.quote, self.start)
        return base + (self.policy, self.qualifier) if self.policy or self.qualifier else base


@dataclass(frozen=True, order=True)
class UnmappedFigure:
    """A number in a report that became no observation, and why (so nothing is dropped silently).

    ``reason`` is one of: unknown_label (no indicator next to it), no_fund, no_region, no_year,
    ambiguous, damaged (digits destroyed by mojibake), unsupported (a range, a formula operand …).
    """

    start: int
    end: int
    surface: str
    quote: str
    quote_start: int
    quote_end: int
    labels: str  # the label words next to it, as written
    reason: str


@dataclass
class Policy:
    """A reform or programme a report says regions run, with its source quote."""

    id: str  # local id within the report, e.g. "drg" or "volume_based_procurement-2"
    type: str  # policy code-list id
    kind: str  # ProcurementAlliance | PaymentMethodReform | OutpatientMutualAid | Programme
    label: str
    adopters: list[str]
    quote: str
    start: int
    end: int
    lead: str | None = None
    members: list[str] = field(default_factory=list)
    status: str | None = None  # Pilot | SimulatedPayment | FullRollout | Planned
    start_year: int | None = None
    start_month: str | None = None  # "2023-01"
    scope: str | None = None
    renamed_to: str | None = None  # id of the policy it became


@dataclass
class Finding:
    """A problem, recommendation or measure a report states."""

    id: str
    kind: str  # Problem | Recommendation | Measure
    category: str | None
    region: str
    year: int
    label: str
    quote: str
    start: int
    end: int


@dataclass
class DecodedText:
    """A file's text as decoded, plus the normalised twin used for matching.

    ``normalised`` has exactly the same length as ``original`` so that every offset
    found in it is also an offset into ``original``.

    ``damaged`` lists the ``(start, end)`` spans of figures whose digits were destroyed by
    mojibake (``?0128.90億元``: a ``?`` or U+FFFD glued to the digits). In ``normalised``
    their digits are masked (``#``), so no extractor reads them as whole numbers; an
    extractor that wants to say so records them as ``UnmappedFigure(reason="damaged")``.
    """

    original: str
    normalised: str
    encoding: str
    damaged: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Report:
    """A report file, its metadata and the facts extracted from it."""

    id: str  # the file name without extension; also the report's IRI local name
    path: Path
    sha256: str
    encoding: str
    text: str  # decoded original text: the reference for every quote offset
    title: str = ""
    region: str = ""  # region code id (GB/T 2260 or a pooling-area id); "" when the report never names it
    year: int | None = None
    report_type: str = "other"
    issuer: str | None = None
    date: str | None = None  # ISO 8601 date
    observations: list[Observation] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    unmapped: list[UnmappedFigure] = field(default_factory=list)
    non_facts: int = 0  # numbers recognised as dates, clause numbers, document numbers, phone numbers …
    warnings: list[str] = field(default_factory=list)
