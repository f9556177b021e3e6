"""The one error of the remote layer (kept free of heavy imports: the CLI catches it everywhere)."""

from __future__ import annotations

ENDPOINT_ENV = "YIBAO_ENDPOINT"  # the environment variable naming the default SPARQL endpoint


class RemoteError(Exception):
    """A SPARQL server problem worth one line to the user: down, refusing, 401, timeout, bad URL,
    or a query or update the server answered with an error."""
