"""Yibao KG: a knowledge graph of Chinese medical-insurance (医保) fund reports.

Data flows one way: ``yibao.ingest`` (read, segment, extract) → ``yibao.graph`` (RDF, store,
validation, fact table) ← ``yibao.qa`` (question understanding, canned queries, answers).

>>> import yibao
>>> kg = yibao.open(".yibao/store")
>>> kg.build("data/reports")
>>> kg.facts(region="株洲", indicator="months_of_cover")
>>> kg.ask("Which regions have less than six months of cover?")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["KnowledgeGraph", "open"]

if TYPE_CHECKING:
    from yibao.api import KnowledgeGraph, open  # noqa: A004


def __getattr__(name: str) -> Any:
    """Import the API on first use, so that ``import yibao.cli`` stays light."""
    if name in __all__:
        from yibao import api

        return getattr(api, name)
    raise AttributeError(f"module 'yibao' has no attribute {name!r}")
