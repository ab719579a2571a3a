"""dedup: find near-duplicate documents and group news reprints.

text -> normalize -> shingle -> MinHash signature -> LSH candidates -> verify -> clusters

>>> import dedup
>>> dedup.cluster(["Breaking: markets rally on rate cut.", "BREAKING - Markets rally on rate cut!", "Weather: rain."])
array([0, 0, 2])
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cluster import Clustering
    from .deduplicator import Deduplicator, Params, cluster, deduplicate
    from .errors import ConfigError, DedupError, InputError
    from .explanation import Explanation, explain
    from .index import Index, Match
    from .lsh import LSH, optimal_bands
    from .minhash import MinHasher, jaccard
    from .normalize import Normalizer, normalize
    from .report import ReportSummary, write_report
    from .shingle import Shingler

__version__ = "0.1.0"

# Every public name is imported from its module when first used (PEP 562), so `import dedup` costs a few
# milliseconds: numpy and the compiled core load with the first name that needs them, the persistent
# index (SQLite), the review report and the Spark engine only when used. `dedup.spark` and `dedup.frames`
# work after a plain `import dedup`.
_LAZY = {
    "Clustering": "cluster",
    "Deduplicator": "deduplicator", "Params": "deduplicator", "cluster": "deduplicator", "deduplicate": "deduplicator",
    "ConfigError": "errors", "DedupError": "errors", "InputError": "errors",
    "Explanation": "explanation", "explain": "explanation",
    "Index": "index", "Match": "index",
    "LSH": "lsh", "optimal_bands": "lsh",
    "MinHasher": "minhash", "jaccard": "minhash",
    "Normalizer": "normalize", "normalize": "normalize",
    "ReportSummary": "report", "write_report": "report",
    "Shingler": "shingle",
}
_SUBMODULES = ("frames", "spark")


def __getattr__(name: str) -> Any:
    import importlib

    if name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
        globals()[name] = value
        return value
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dedup' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    if name not in _NAMED_LIKE_MODULES:
        globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))


_NAMED_LIKE_MODULES = frozenset({"cluster", "normalize"})
"""Public functions that share their name with a submodule (``dedup.cluster``, ``dedup.normalize``)."""


class _Package(types.ModuleType):
    """The ``dedup`` package: importing a submodule binds its name on the package, which would hide the
    function of that name until it was first used; these two names always give the function."""

    def __getattribute__(self, name: str) -> Any:
        if name in _NAMED_LIKE_MODULES:
            return __getattr__(name)
        return super().__getattribute__(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _NAMED_LIKE_MODULES and isinstance(value, types.ModuleType):
            return  # the import system binding the submodule: it stays in sys.modules
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = [
    "Clustering",
    "ConfigError",
    "DedupError",
    "Deduplicator",
    "Explanation",
    "Index",
    "InputError",
    "LSH",
    "Match",
    "MinHasher",
    "Normalizer",
    "Params",
    "ReportSummary",
    "Shingler",
    "cluster",
    "deduplicate",
    "explain",
    "jaccard",
    "normalize",
    "optimal_bands",
    "write_report",
]
