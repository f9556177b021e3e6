"""Sorted spans with position look-ups in logarithmic time, so that extractors ask "which label or
number covers this offset" without scanning every span of a paragraph (cost linear in the text)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence


class Spans:
    """Half-open spans ``(start, end)``, sorted by start."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]
        self.longest = max((e - s for s, e in self.spans), default=0)
        self._reach: list[int] = []  # the furthest end among spans[:i + 1]
        for _, e in self.spans:
            self._reach.append(max(e, self._reach[-1]) if self._reach else e)

    def covers(self, pos: int) -> bool:
        """Some span has ``start <= pos < end``."""
        i = bisect_right(self.starts, pos)
        return i > 0 and self._reach[i - 1] > pos

    def around(self, pos: int) -> list[tuple[int, int]]:
        """Every span with ``start <= pos < end`` (cost bounded by the longest span's length)."""
        lo = bisect_left(self.starts, pos - self.longest)
        hi = bisect_right(self.starts, pos)
        return [(s, e) for s, e in self.spans[lo:hi] if pos < e]


def between(starts: Sequence[int], lo: int, hi: int) -> slice:
    """The slice of items (sorted by ``starts``) whose start lies in ``[lo, hi)``."""
    return slice(bisect_left(starts, lo), bisect_left(starts, hi))
