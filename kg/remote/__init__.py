"""A shared SPARQL server instead of the embedded store (issue 13).

- `endpoint`: `Endpoint` (URLs, credentials, timeout, from options or the environment) and
  `RemoteStore`, a SPARQL 1.1 endpoint reached through SPARQLWrapper that answers
  ``query(sparql, substitutions=…)`` like a pyoxigraph ``Store``: the same canned queries, fact and
  policy tables, questions and viz run unchanged on either (the `Backend` protocol).
- `sparql`: substitutions turned into a ``VALUES`` block of RDF terms (never pasted user text).
- `push`: copy the ontology graph and every report graph to a server (Graph Store Protocol or
  SPARQL Update in batches), idempotent, saying which reports did not arrive.
- `serve`: ``oxigraph serve-read-only`` over the embedded store, bound to 127.0.0.1.
- `servers`: start and stop throwaway Oxigraph and Virtuoso servers (tests, benchmarks).

Nothing here is imported by the embedded code paths; `RemoteError` is the one-line error every
user-caused problem (server down, 401, timeout, bad URL, server error) becomes.
"""

from __future__ import annotations

from yibao.remote.errors import RemoteError

__all__ = ["RemoteError"]
