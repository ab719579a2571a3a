"""What an index stores and returns per document: ids and metadata as JSON, records taken apart, :class:`Match`;
and the checks of the arguments the ``Index`` methods share."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np

from ..errors import ConfigError, InputError

#: Integer ids are stored as JSON numbers; this many bits (1,000 decimal digits) at most.
MAX_ID_BITS = 3321


@dataclass(frozen=True)
class Match:
    """A stored document that a checked text near-duplicates.

    ``id`` and ``meta`` are the stored document's; ``similarity`` is ``max(jaccard,
    containment)`` (as in ``dedup cluster``), both estimated from the signatures.
    ``near_duplicate`` is False only for a record refused because its id is taken
    (``on_duplicate_id="skip"``) whose text does not match the stored one.
    """

    id: str | int
    similarity: float
    jaccard: float
    containment: float
    meta: Any = None
    near_duplicate: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "similarity": round(self.similarity, 4),
            "jaccard": round(self.jaccard, 4),
            "containment": round(self.containment, 4),
            "meta": self.meta,
            "near_duplicate": self.near_duplicate,
        }


def encode_id(doc_id: Any) -> str:
    if isinstance(doc_id, np.integer):
        doc_id = int(doc_id)
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
        raise InputError(f"id must be a string or an integer, got {type(doc_id).__name__}", doc_id=doc_id)
    if isinstance(doc_id, int) and doc_id.bit_length() > MAX_ID_BITS:
        # json.dumps (and repr) refuse integers of more than sys.get_int_max_str_digits() digits
        raise InputError(f"integer id too large ({doc_id.bit_length()} bits, at most {MAX_ID_BITS}); use a string id", doc_id=id_repr(doc_id))
    return utf8_json(json.dumps(doc_id, ensure_ascii=False), doc_id)


def utf8_json(text: str, value: Any) -> str:
    """JSON ``text`` as stored (UTF-8): a lone surrogate, which UTF-8 cannot hold, is written as its
    ``\\u`` escape (``json.loads`` gives it back); every other text stays as it is."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, allow_nan=False)
    return text


def id_repr(doc_id: Any) -> Any:
    """``doc_id`` as an error may name it (an integer id too long to print is named by its size)."""
    if isinstance(doc_id, int) and doc_id.bit_length() > MAX_ID_BITS:
        return f"<integer of {doc_id.bit_length()} bits>"
    return doc_id


def encode_meta(meta: Any, doc_id: Any) -> str | None:
    if meta is None:
        return None
    try:
        return utf8_json(json.dumps(meta, ensure_ascii=False, allow_nan=False), meta)
    except (TypeError, ValueError) as exc:
        raise InputError(f"meta must be JSON-serializable: {exc}", doc_id=id_repr(doc_id)) from None
    except RecursionError:
        raise InputError("meta is nested too deeply to store as JSON", doc_id=id_repr(doc_id)) from None


def decode_meta(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def split_record(rec: Any, position: int) -> tuple[Any, str, Any]:
    if isinstance(rec, Mapping):
        if "id" not in rec or "text" not in rec:
            raise InputError(f"record #{position} needs 'id' and 'text' keys, has {sorted(map(str, rec))}")
        return rec["id"], rec["text"], rec.get("meta")
    if isinstance(rec, (tuple, list)) and len(rec) in (2, 3):
        return (rec[0], rec[1], rec[2] if len(rec) == 3 else None)
    raise InputError(f"record #{position} must be (id, text), (id, text, meta) or a mapping, got {type(rec).__name__}")


def seconds(older_than: float | timedelta) -> float:
    if isinstance(older_than, timedelta):
        older_than = older_than.total_seconds()
    if isinstance(older_than, bool) or not isinstance(older_than, (int, float)) or not math.isfinite(older_than) or older_than < 0:
        raise ConfigError(f"older_than must be a non-negative number of seconds or a timedelta, got {older_than!r}")
    return float(older_than)


def positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    return value
