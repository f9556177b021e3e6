"""The extractors the pipeline runs, in order. Adding one is a module and a line here.

Each takes a :class:`~yibao.ingest.context.ReportContext` and yields observations, policies or
findings (see :class:`~yibao.ingest.context.Extractor`); the pipeline merges what they yield,
keeping the first observation of each key.
"""

from __future__ import annotations

from yibao.ingest.context import Extractor
from yibao.ingest.extractors.charts import ChartFacts
from yibao.ingest.extractors.findings import FindingFacts
from yibao.ingest.extractors.flat_tables import FlatTableFacts
from yibao.ingest.extractors.policies import PolicyFacts
from yibao.ingest.extractors.tables import TableFacts
from yibao.ingest.extractors.text import TextFacts

EXTRACTORS: list[Extractor] = [TextFacts(), TableFacts(), FlatTableFacts(), ChartFacts(), PolicyFacts(),
                               FindingFacts()]
