"""Regular expressions of the ``regex`` module, compiled on first use.

``regex`` (Unicode properties such as ``\\p{Lu}``) takes a noticeable share of
``import dedup``, yet its patterns serve only the Python fallbacks of steps the compiled
core runs. :class:`LazyPattern` stands where a compiled pattern would and compiles it,
importing ``regex``, the first time it is used.
"""

from __future__ import annotations

from typing import Any


class LazyPattern:
    """A ``regex`` pattern compiled on first attribute access (``match``, ``sub``, ``pattern``, ``flags``...).

    ``flags`` are names of ``regex`` flags (``"VERBOSE"``, ``"IGNORECASE"``), combined with ``|``.
    """

    __slots__ = ("_source", "_flags", "_compiled")

    def __init__(self, source: str, *flags: str) -> None:
        self._source = source
        self._flags = flags
        self._compiled: Any = None

    def compiled(self) -> Any:
        """The compiled ``regex`` pattern."""
        if self._compiled is None:
            import regex

            value = 0
            for name in self._flags:
                value |= getattr(regex, name)
            self._compiled = regex.compile(self._source, value)
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled(), name)

    def __repr__(self) -> str:
        return f"LazyPattern({self._source!r}{''.join(', ' + repr(f) for f in self._flags)})"
