"""The matching parameters (:class:`Params`): every setting that changes which documents match.

One source for each parameter's name, type, default and one-line help: the engine takes them as
keywords, an index stores them, and the command line's options are generated from them
(``dedup.cli``), so a new parameter is written here once.
"""

from __future__ import annotations

import typing
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from .errors import ConfigError
from .minhash import MinHasher
from .shingle import Shingler

__all__ = ["INDEX_PARAMS", "Params", "Setting", "settings"]


def _setting(default: Any, help: str) -> Any:
    """A :class:`Params` field with its one-line help: what ``dedup --help`` says of its option. The help of a
    switch that is on by default says what turning it off (``--no-...``) does."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Params:
    """Every setting that changes which documents match. Validated on creation.

    The defaults are the best general setting measured on our benchmarks
    (see ``docs/accuracy.md``).

    Parameters
    ----------
    threshold : float
        Estimated Jaccard similarity at or above which two documents match.
    containment_threshold : float
        Estimated containment of the smaller document in the larger at or above
        which two documents match (catches abridged reprints). 1.0 disables it.
    shingle : ``"char"`` or ``"word"``
        Shingle kind; ``ngram`` is its length in characters or words.
    num_perm, seed : int
        MinHash signature length and permutation seed.
    lsh_threshold : float
        Jaccard similarity the LSH bands are tuned for; candidates below it are
        likely to be missed. Lower than ``threshold`` so that abridged copies
        become candidates.
    normalize : bool
        Run the default :class:`~dedup.normalize.Normalizer` before shingling.
    min_link_fraction : float
        0 groups the connected components of matching pairs. Above 0, two groups
        merge only when at least this fraction of the pairs between them match
        (average-linkage style), so one bridge cannot chain unrelated groups. Where
        LSH listed only a sample of the pairs (crowded buckets), a sample of the
        pairs between two groups is judged (see :func:`dedup.cluster.average_linkage`).
    number_agreement : float
        Two texts that each state at least four distinct numbers do not match when
        fewer than this fraction of the numbers of the one stating fewer appear in
        the other (and their estimated Jaccard is below 0.6): reports written from
        one template with other figures (see :mod:`dedup.numbers`). 0 turns it off.
    verify_text : bool
        Align the texts of every pair that passes the rule above, word by word, and
        reject the pairs whose differences are other figures or names filled into one
        template (see :mod:`dedup.align`). The engine keeps each prepared text for it.
    """

    threshold: float = _setting(0.4, "Jaccard similarity to match")
    containment_threshold: float = _setting(0.8, "containment of the shorter document to match; 1 disables")
    shingle: Literal["char", "word"] = _setting("char", "shingle kind")
    ngram: int = _setting(5, "shingle length")
    num_perm: int = _setting(256, "MinHash permutations")
    seed: int = _setting(1, "MinHash seed")
    lsh_threshold: float = _setting(0.35, "Jaccard the LSH bands are tuned for")
    normalize: bool = _setting(True, "shingle the raw text")
    min_link_fraction: float = _setting(0.5, "0: connected components; above 0: groups merge only if this fraction of pairs match")
    number_agreement: float = _setting(0.5, "texts stating 4+ numbers do not match if fewer than this fraction of the numbers agree; 0 disables")
    verify_text: bool = _setting(True, "do not align the texts of matching pairs to reject template fills (other figures or names in one wording)")

    def __post_init__(self) -> None:
        for name in ("threshold", "lsh_threshold"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 < v < 1.0:
                raise ConfigError(f"{name} must be a number strictly between 0 and 1, got {v!r}")
        c = self.containment_threshold
        if isinstance(c, bool) or not isinstance(c, (int, float)) or not 0.0 < c <= 1.0:
            raise ConfigError(f"containment_threshold must be a number in (0, 1], got {c!r}")
        for name in ("min_link_fraction", "number_agreement"):
            f = getattr(self, name)
            if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0.0 <= f <= 1.0:
                raise ConfigError(f"{name} must be a number in [0, 1], got {f!r}")
        for name in ("normalize", "verify_text"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be True or False, got {getattr(self, name)!r}")
        # The components validate their own parameters.
        Shingler(self.shingle, self.ngram)
        MinHasher(self.num_perm, self.seed)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


#: The :class:`Params` an index stores and checks on reopening (``min_link_fraction``
#: only affects clustering, which an index does not do).
INDEX_PARAMS: tuple[str, ...] = tuple(n for n in Params.names() if n != "min_link_fraction")


@dataclass(frozen=True)
class Setting:
    """One :class:`Params` field as a command line or a form presents it."""

    name: str
    type: type  # bool, int, float, or str for a choice of strings
    default: Any
    help: str
    choices: tuple[Any, ...] | None  # the values a Literal type allows


def settings() -> tuple[Setting, ...]:
    """Every :class:`Params` field, in order, with its type, default, help and choices."""
    hints = typing.get_type_hints(Params)
    out = []
    for f in fields(Params):
        hint = hints[f.name]
        choices = typing.get_args(hint) if typing.get_origin(hint) is Literal else None
        out.append(Setting(f.name, type(choices[0]) if choices else hint, f.default, f.metadata["help"], choices))
    return tuple(out)
