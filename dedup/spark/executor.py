"""What the Spark executors run (``mapInPandas`` over Arrow batches): the library's own signing, matching rule and
clustering, so that the Spark engine and the local one cannot drift apart (see :mod:`dedup.spark`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .. import lsh
from ..cluster import EXACT_MARGIN, Clustering, PairScreen, build_clusters, containment_parts, duplicate_groups, pair_similarity
from ..deduplicator import Deduplicator
from ..errors import InputError
from ..numbers import SKETCH_SIZE
from ..params import Params
from ..verify import Verifier, pair_texts, similarity_between

__all__ = ["ID", "JUDGED", "POS", "TEXT", "cluster_batches", "confirm_batches", "engine", "screen_batches", "sign_batches",
           "signed_schema", "unpack", "verifier"]

# Internal column names (prefixed so they cannot clash with the caller's columns).
POS, ID, TEXT = "_dd_pos", "_dd_id", "_dd_text"

_ENGINES: dict[tuple, Deduplicator] = {}


def engine(params: Mapping[str, Any]) -> Deduplicator:
    """One :class:`Deduplicator` per Python worker and parameter set (threads = task CPUs)."""
    from pyspark import TaskContext

    ctx = TaskContext.get()
    try:
        cpus = int(ctx.cpus()) if ctx is not None else 1
    except Exception:  # pragma: no cover - older Spark
        cpus = 1
    key = (tuple(sorted(params.items())), cpus)
    eng = _ENGINES.get(key)
    if eng is None:
        eng = _ENGINES[key] = Deduplicator(n_jobs=max(1, cpus), **params)
    return eng


def sign_batches(batches: Iterator[Any], params: dict[str, Any]) -> Iterator[Any]:
    import pandas as pd

    eng = engine(params)
    for pdf in batches:
        texts = pdf[TEXT].tolist()
        for t, i in zip(texts, pdf[ID].tolist()):
            if not isinstance(t, str):
                raise InputError(f"text must be str, got {type(t).__name__}", doc_id=i)
        prepared = eng.prepare_many(texts)
        sigs, sizes, nums = eng.sign_prepared(prepared)
        # the Jaccard bands, then the length-ratio levels' columns (containment candidates, dedup.lsh)
        levels = lsh.containment_levels(eng.params.containment_threshold, eng.params.num_perm)
        keys = np.concatenate((eng.lsh.keys(sigs), lsh.level_keys(sigs, levels)), axis=1).view(np.int64)
        sigs = np.ascontiguousarray(sigs, dtype="<u4")
        nums = np.ascontiguousarray(nums, dtype="<u4")
        out = {
            POS: pdf[POS].to_numpy(dtype=np.int64),
            ID: pdf[ID],
            "sig": [row.tobytes() for row in sigs],
            "size": sizes.astype(np.int64),
            "nums": [row.tobytes() for row in nums],
            "keys": list(keys),
            # Documents without shingles are grouped by their prepared text (duplicate_groups).
            "wordless": [t if z == 0 else None for t, z in zip(prepared, sizes.tolist())],
        }
        if eng.params.verify_text:
            out["text"] = prepared
        yield pd.DataFrame(out)


def signed_schema(id_type: Any, verify_text: bool) -> Any:
    """Schema of the signing step's output (``text``: the prepared text, for stage 2 only)."""
    from pyspark.sql import types as T

    fields = [
        T.StructField(POS, T.LongType(), False),
        T.StructField(ID, id_type, True),
        T.StructField("sig", T.BinaryType(), False),
        T.StructField("size", T.LongType(), False),
        T.StructField("nums", T.BinaryType(), False),
        T.StructField("keys", T.ArrayType(T.LongType(), False), False),
        T.StructField("wordless", T.StringType(), True),
    ]
    if verify_text:
        fields.append(T.StructField("text", T.StringType(), False))
    return T.StructType(fields)


def unpack(sig_bytes: Sequence[bytes], width: int) -> np.ndarray:
    """Rows of ``width`` little-endian uint32 (signatures, number sketches) as one array."""
    if len(sig_bytes) == 0:
        return np.zeros((0, width), dtype=np.uint32)
    return np.frombuffer(b"".join(sig_bytes), dtype="<u4").reshape(-1, width).astype(np.uint32)


_VERIFIERS: dict[tuple, Verifier] = {}


def verifier(params: Mapping[str, Any]) -> Verifier:
    """The matching rule of a parameter set, one per Python worker."""
    key = tuple(sorted(params.items()))
    v = _VERIFIERS.get(key)
    if v is None:
        v = _VERIFIERS[key] = Verifier.from_params(Params(**params))
    return v


JUDGED = "i long, j long, sim double, ok boolean, stage int"
"""Schema of a judged pair: positions ``i < j``, similarity ``max(J, C)``, whether it matches, and the stage that
decided (0: a match; 1: vetoed by the number rule; 2: vetoed by the alignment of the texts)."""

SCREENED = "i long, j long, sim double, ok boolean, stage int, near boolean, jac double, disputed boolean"
"""Stage 1's output: a judged pair, whether its containment is to be measured exactly in stage 2 (``near``, see
:func:`dedup.cluster.exact_containment`), its estimated Jaccard, and whether only its figures vetoed it with the texts
to be verified (``disputed``: the alignment judges it in stage 2 when it can, as :meth:`Verifier.screen` has it)."""


def screen_batches(batches: Iterator[Any], params: dict[str, Any]) -> Iterator[Any]:
    """Stage 1 on candidate pairs: the pairs that meet a threshold, with ``ok`` = not vetoed by the number rule."""
    import pandas as pd

    v = verifier(params)
    k = int(params["num_perm"])
    w = 1 + SKETCH_SIZE
    for pdf in batches:
        m = len(pdf)
        rows = np.arange(m, dtype=np.int64)
        jac, cont = similarity_between(
            unpack(pdf["sig_i"].tolist(), k),
            pdf["size_i"].to_numpy(np.int64),
            unpack(pdf["sig_j"].tolist(), k),
            pdf["size_j"].to_numpy(np.int64),
            np.stack((rows, rows), axis=1),
        )
        # With the texts, a pair that could match on containment alone is measured exactly in stage 2.
        # (a pair of the Jaccard bands alone got there by the plain thresholds, as in Deduplicator.clusters)
        near = v.verify_text & (jac < v.threshold) & (cont >= v.containment_threshold - EXACT_MARGIN)
        keep = np.flatnonzero(v.passes_thresholds(jac, cont) | (near & pdf["level"].to_numpy(bool)))
        nums_i: np.ndarray | None
        nums_j: np.ndarray | None
        if v.number_agreement > 0:
            nums_i = unpack(pdf["nums_i"].take(keep).tolist(), w)
            nums_j = unpack(pdf["nums_j"].take(keep).tolist(), w)
        else:  # the rule is off: no sketches were joined
            nums_i = nums_j = None
        sub = np.arange(len(keep), dtype=np.int64)
        # near pairs: the number rule's verdict alone (the threshold is decided on the exact containment)
        rule_cont = np.where(near[keep], 1.0, cont[keep])
        ok = v.screen(jac[keep], rule_cont, nums_i, nums_j, np.stack((sub, sub), axis=1))
        disputed = v.verify_text & ~ok & v.passes_thresholds(jac[keep], rule_cont)  # only the figures vetoed it
        yield pd.DataFrame(
            {
                "i": pdf["i"].to_numpy(np.int64)[keep],
                "j": pdf["j"].to_numpy(np.int64)[keep],
                "sim": np.maximum(jac, cont)[keep],
                "ok": ok,
                "stage": np.where(ok, 0, 1).astype(np.int32),
                "near": near[keep],
                "jac": jac[keep],
                "disputed": disputed,
            }
        )


def confirm_batches(batches: Iterator[Any], params: dict[str, Any]) -> Iterator[Any]:
    """Stage 2 on the pairs that passed stage 1 (or are near: their exact containment decides first), with their
    two prepared texts."""
    import pandas as pd

    v = verifier(params)
    shingler = engine(params).shingler
    fold = bool(params["normalize"])
    for pdf in batches:
        ti, tj = pdf["text_i"].tolist(), pdf["text_j"].tolist()
        # sim and ok are updated below: copies (pandas 3 hands out read-only views of its columns)
        sim, ok = pdf["sim"].to_numpy(np.float64, copy=True), pdf["ok"].to_numpy(bool, copy=True)
        near, jac = pdf["near"].to_numpy(bool), pdf["jac"].to_numpy(np.float64)
        # A pair only its figures vetoed passes when the alignment clears its figures (Verifier.screen).
        disputed = pdf["disputed"].to_numpy(bool)
        judged = np.zeros(len(pdf), dtype=bool)
        at = np.flatnonzero(disputed)
        if at.size:
            rows = np.arange(len(pdf), dtype=np.int64)
            judged[at] = v.judged_by_alignment(pair_texts(ti, tj, np.stack((rows, rows), axis=1)))(at)
        ok |= judged
        keep = np.ones(len(pdf), dtype=bool)
        at = np.flatnonzero(near)
        if at.size:
            pairs = np.arange(2 * at.size).reshape(-1, 2)
            exact = shingler.containment([t for k in at.tolist() for t in (ti[k], tj[k])], pairs, fold)
            sim[at] = np.maximum(jac[at], exact)
            keep[at] = v.passes_thresholds(jac[at], exact)
        ask = np.flatnonzero(keep & ok)
        stage = np.where(ok, 0, 1).astype(np.int32)
        if ask.size:
            confirmed = np.asarray(v.confirm([ti[k] for k in ask.tolist()], [tj[k] for k in ask.tolist()]), dtype=bool)
            ok[ask] = confirmed
            stage[ask[~confirmed]] = 2
        yield pd.DataFrame({"i": pdf["i"].to_numpy(np.int64)[keep], "j": pdf["j"].to_numpy(np.int64)[keep], "sim": sim[keep],
                            "ok": ok[keep], "stage": stage[keep]})


def _parts(
    sigs: np.ndarray, sizes: np.ndarray, edges: np.ndarray, ew: np.ndarray, vetoes: np.ndarray, vw: np.ndarray, stage: np.ndarray,
    texts: list[str] | None, wordless: dict[int, str], params: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A component's parts, as :meth:`Deduplicator.clusters` finds them (:func:`dedup.cluster.containment_parts` on
    the pairs that passed stage 1: the edges and the pairs the alignment vetoed): ``(edges kept, vetoes kept, parts)``,
    the first two as masks."""
    v = verifier(params)
    align = stage == 2
    pairs = np.concatenate((edges, vetoes[align]))
    if not len(pairs):
        return np.ones(len(edges), bool), np.ones(len(vetoes), bool), np.zeros((0, 2), np.int64)
    jac, _ = pair_similarity(sigs, sizes, pairs)
    node, counts = duplicate_groups(sigs, sizes, wordless)
    fold = bool(params["normalize"])
    measure = None if texts is None else (lambda near: engine(params).shingler.containment(texts, near, fold))
    drop, parts = containment_parts(pairs, np.ones(len(pairs), bool), jac, np.concatenate((ew, vw[align])), sigs, sizes, v,
                                    counts[node] > 1, measure)
    keep_v = np.ones(len(vetoes), bool)
    keep_v[np.flatnonzero(align)] = ~drop[len(edges):]  # a dropped pair is no edge, so never a veto
    return ~drop[: len(edges)], keep_v, parts


def _screen(sigs: np.ndarray, sizes: np.ndarray, crowded: Any, nums: Any, params: dict[str, Any]) -> PairScreen | None:
    """How the linkage judges the pairs it samples between crowded members (as :meth:`Deduplicator.clusters` does);
    None without the crowded flags (the linkage then has no fraction to reach)."""
    if crowded is None:
        return None
    v = verifier(params)
    numbers = unpack(list(nums), 1 + SKETCH_SIZE) if v.number_agreement > 0 else None
    return PairScreen(v, sigs, sizes, numbers, np.asarray(crowded, dtype=bool))


def _cluster_component(pos: Any, sizes: Any, sig_bytes: Any, ei: Any, ej: Any, ew: Any, vi: Any, vj: Any, vs: Any, vw: Any,
                       texts: Any, params: dict[str, Any], crowded: Any = None, nums: Any = None) -> tuple[np.ndarray, Clustering]:
    """:func:`dedup.cluster.build_clusters` on one component: its members' positions (ascending) and clustering."""
    num_perm, min_fraction = int(params["num_perm"]), float(params["min_link_fraction"])
    pos = np.asarray(pos, dtype=np.int64)  # ascending
    sigs = unpack(list(sig_bytes), num_perm)
    if ei is None:  # identical copies without other matches
        ei = ej = np.zeros(0, dtype=np.int64)
        ew = np.zeros(0, dtype=np.float64)
    # Edges are sorted by (i, j) like the local engine's pair list; positions
    # map to local indices in the same order.
    edges = np.stack(
        (np.searchsorted(pos, np.asarray(ei, dtype=np.int64)), np.searchsorted(pos, np.asarray(ej, dtype=np.int64))),
        axis=1,
    )
    # The vetoed pairs inside the component (none: empty).
    if vi is None:
        vi = vj = vs = np.zeros(0, dtype=np.int64)
        vw = np.zeros(0, dtype=np.float64)
    vetoes = np.stack((np.searchsorted(pos, np.asarray(vi, dtype=np.int64)), np.searchsorted(pos, np.asarray(vj, dtype=np.int64))), axis=1)
    sizes = np.asarray(sizes, dtype=np.int64)
    weights = np.asarray(ew, dtype=np.float64)
    # Documents without shingles have no edges: a component holding them is one group of
    # exact copies of one prepared text (grouped by it when signing), so they are one node.
    wordless = {k: "" for k in np.flatnonzero(sizes == 0).tolist()}
    vw, vs = np.asarray(vw, dtype=np.float64), np.asarray(vs, dtype=np.int64)
    parts, confirm = None, None
    if lsh.containment_levels(params["containment_threshold"], num_perm):
        keep_e, keep_v, parts = _parts(sigs, sizes, edges, weights, vetoes, vw, vs, None if texts is None else list(texts), wordless, params)
        edges, weights, vetoes, vw, vs = edges[keep_e], weights[keep_e], vetoes[keep_v], vw[keep_v], vs[keep_v]
    screen = _screen(sigs, sizes, crowded, nums, params)
    unconfirmed = screen is not None and bool((vs == 2).any())  # alignment vetoes the linkage learns of on asking
    if (parts is not None and len(parts)) or unconfirmed:
        # As locally: an edge justifies a place once confirmed, a part pair if it is an edge.
        known = {(min(a, b), max(a, b)) for a, b in edges.tolist()}

        def confirm(p: Any, known: set = known) -> np.ndarray:
            return np.array([(min(a, b), max(a, b)) in known for a, b in np.asarray(p).tolist()], dtype=bool)
    if unconfirmed:
        # The local engine links along every pair that passed stage 1 and learns the alignment's verdict when it asks
        # (confirm): the pairs the alignment vetoed are edges it has not confirmed yet, not vetoes known up front. The
        # linkage samples and keeps edges of crowded documents by that list, so it is given the same one.
        edges, weights = np.concatenate((edges, vetoes[vs == 2])), np.concatenate((weights, vw[vs == 2]))
        order = np.lexsort((edges[:, 1], edges[:, 0]))
        edges, weights, vetoes = edges[order], weights[order], vetoes[vs != 2]
    apart = vetoes if min_fraction > 0 and len(vetoes) else None
    return pos, build_clusters(sigs, sizes, edges, weights, min_fraction, apart=apart, wordless=wordless, parts=parts, confirm=confirm,
                               screen=screen)


def cluster_batches(batches: Iterator[Any], params: dict[str, Any]) -> Iterator[Any]:
    """Stage 6 on one row per component (members, edges, vetoed pairs): each member's cluster, as the local engine gives it."""
    import pandas as pd

    for pdf in batches:
        pos_out: list[np.ndarray] = []
        id_out: list[Any] = []
        cl_out: list[Any] = []
        rep_out: list[np.ndarray] = []
        sim_out: list[np.ndarray] = []
        absent = [None] * len(pdf)
        texts_col = pdf["texts"] if "texts" in pdf else absent
        crowded_col, nums_col = (pdf["crowded"], pdf["nums"]) if "crowded" in pdf else (absent, absent)
        for pos, ids, sizes, sig_bytes, ei, ej, ew, vi, vj, vs, vw, texts, crowded, nums in zip(
            pdf["pos"], pdf["ids"], pdf["sizes"], pdf["sigs"], pdf["ei"], pdf["ej"], pdf["ew"], pdf["vi"], pdf["vj"], pdf["vs"],
            pdf["vw"], texts_col, crowded_col, nums_col,
        ):
            ids = list(ids)
            pos, c = _cluster_component(pos, sizes, sig_bytes, ei, ej, ew, vi, vj, vs, vw, texts, params, crowded, nums)
            pos_out.append(pos)
            id_out.extend(ids)
            cl_out.extend(ids[label] for label in c.labels.tolist())
            rep_out.append(c.is_representative)
            sim_out.append(c.similarity)
        if not pos_out:
            continue
        yield pd.DataFrame(
            {
                POS: np.concatenate(pos_out),
                "id": id_out,
                "cluster": cl_out,
                "is_representative": np.concatenate(rep_out),
                "similarity": np.concatenate(sim_out),
            }
        )
