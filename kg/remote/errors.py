"""The one error of the remote layer (kept free of heavy imports: the CLI catches it everywhere)."""

from __future__ import annotations


class RemoteError(Exception):
    """A SPARQL server problem worth one line to the user: down, refusing, 401, timeout, bad URL,
    or a query or update the server answered with an error."""
