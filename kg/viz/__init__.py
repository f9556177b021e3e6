"""`yibao.viz`: the knowledge graph in a browser (pyvis over vis-network, one self-contained page).

``graph.read_graph`` reads the store into a networkx graph (regions in their gazetteer hierarchy,
funds, policies, alliances, reports, measures; figures summarised on the nodes), ``select.select``
narrows it to a filter's neighbourhood and enforces the node cap, ``render`` draws it with pyvis
into an HTML page that loads nothing from the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from yibao.viz.select import DEFAULT_MAX_NODES, Filters, VizError

if TYPE_CHECKING:
    import networkx as nx
    import pyoxigraph as ox

__all__ = ["DEFAULT_MAX_NODES", "Filters", "VizError", "VizOutcome", "draw", "subgraph"]


@dataclass
class VizOutcome:
    """What `draw` wrote."""

    path: Path
    nodes: int
    edges: int
    counts: dict[str, int]
    heading: str


def subgraph(store: ox.Store, filters: Filters, max_nodes: int = DEFAULT_MAX_NODES) -> nx.MultiDiGraph:
    """The networkx graph a page would draw (nodes ``kind:key`` with ``kind``, ``label``, ``label_en``,
    ``shown`` figures; edges keyed by relation)."""
    from yibao import resources
    from yibao.graph.vocab import load_vocabulary
    from yibao.viz.graph import read_graph
    from yibao.viz.select import select

    vocab = load_vocabulary(resources.ontology_dir())
    return select(read_graph(store, vocab), filters, max_nodes)


def draw(store: ox.Store, filters: Filters, output: str | Path, max_nodes: int = DEFAULT_MAX_NODES) -> VizOutcome:
    """Write the page for ``filters`` to ``output``; raises VizError (and writes nothing) if there is
    nothing to draw or too much."""
    from yibao import resources
    from yibao.graph.vocab import load_vocabulary
    from yibao.viz.render import render_html, write_page

    vocab = load_vocabulary(resources.ontology_dir())
    h = subgraph(store, filters, max_nodes)
    what = filters.describe()
    if filters.question:
        heading = f"医保知识图谱 · 问题 {filters.question}"
    elif what:
        heading = f"医保知识图谱 · {what}"
    else:
        heading = "医保知识图谱 · 总览 Yibao knowledge graph overview"
    subtitle = "地区层级、基金、政策、采购联盟与报告 regions, funds, policies, alliances and reports"
    html = render_html(h, vocab, heading, subtitle)
    path = write_page(html, Path(output))
    counts: dict[str, int] = {}
    for _, data in h.nodes(data=True):
        counts[data["kind"]] = counts.get(data["kind"], 0) + 1
    return VizOutcome(path, h.number_of_nodes(), h.number_of_edges(), counts, heading)
