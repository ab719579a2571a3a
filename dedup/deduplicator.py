"""The end-to-end engine: text -> normalize -> shingle -> signature -> LSH -> verify -> clusters."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

import numpy as np

from . import _kernels, numbers
from ._batching import claim_new
from .cluster import EXACT_MARGIN, Clustering, PairScreen, build_clusters, containment_parts, duplicate_groups, exact_containment, pair_similarity, text_confirm
from .errors import ConfigError, InputError
from .lsh import LSH, LevelTables, containment_levels, containment_pairs, pairs_from_keys, union_pairs
from .minhash import MinHasher
from .normalize import Normalizer
from .params import Params
from .shingle import Shingler
from .texts import StoredTexts
from .verify import Verifier, pair_texts

__all__ = ["Params", "Deduplicator", "cluster", "deduplicate"]


BATCH_SIZE = 512
"""Documents an engine normalizes and signs at a time. A batch's texts, prepared texts and shingle
hashes are held at once; 512 keeps that small (50k news documents: peak 199 MB against 320 MB with
4,096) and still gives each core's thread dozens of documents per batch, at the same speed."""


def _set_threads(n_jobs: int | None) -> contextlib.AbstractContextManager:
    return _kernels.threads(n_jobs)


class Deduplicator:
    """Find near-duplicates among documents added to it.

    >>> d = Deduplicator()
    >>> d.add("a", "The quick brown fox jumps over the lazy dog near the river bank.")
    >>> d.add("b", "THE QUICK BROWN FOX jumps over the lazy dog near the river bank!")
    >>> d.add("c", "An entirely different sentence about stock markets and interest rates.")
    >>> d.clusters().labels.tolist()
    [0, 0, 2]

    Parameters are those of :class:`Params` (keyword only), plus ``n_jobs`` (threads
    of the compiled core for normalizing, signing and verifying, default all cores;
    results do not depend on it) and ``batch_size`` (documents normalized and signed at a time,
    default :data:`BATCH_SIZE`; results do not depend on it either).
    """

    def __init__(
        self,
        *,
        threshold: float = Params.threshold,
        containment_threshold: float = Params.containment_threshold,
        shingle: Literal["char", "word"] = Params.shingle,
        ngram: int = Params.ngram,
        num_perm: int = Params.num_perm,
        seed: int = Params.seed,
        lsh_threshold: float = Params.lsh_threshold,
        normalize: bool = Params.normalize,
        min_link_fraction: float = Params.min_link_fraction,
        number_agreement: float = Params.number_agreement,
        verify_text: bool = Params.verify_text,
        n_jobs: int | None = None,
        batch_size: int = BATCH_SIZE,
        **unknown: Any,
    ) -> None:
        if unknown:  # a typo gets the list of names, not only Python's "unexpected keyword argument"
            known = [*Params.names(), "n_jobs", "batch_size"]
            raise ConfigError(f"unknown parameter(s): {', '.join(sorted(unknown))}; known: {', '.join(known)}")
        if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1):
            raise ConfigError(f"n_jobs must be a positive integer or None, got {n_jobs!r}")
        self.params = Params(
            threshold=threshold, containment_threshold=containment_threshold, shingle=shingle, ngram=ngram, num_perm=num_perm,
            seed=seed, lsh_threshold=lsh_threshold, normalize=normalize, min_link_fraction=min_link_fraction,
            number_agreement=number_agreement, verify_text=verify_text,
        )
        self.n_jobs = n_jobs
        self.batch_size = batch_size
        self.normalizer = Normalizer() if self.params.normalize else None
        self.shingler = Shingler(self.params.shingle, self.params.ngram)
        self.minhasher = MinHasher(self.params.num_perm, self.params.seed, batch_size=batch_size)
        self.lsh = LSH(self.params.lsh_threshold, self.params.num_perm)
        self.verifier = Verifier.from_params(self.params)
        self.reset()

    def reset(self) -> Deduplicator:
        """Forget every added document (the parameters stay); returns the engine."""
        self.lsh = LSH(self.params.lsh_threshold, self.params.num_perm)
        self._ids: list[Any] = []
        self._texts = StoredTexts()  # prepared texts, kept (past a share, in a temporary file) for verify_text
        self._wordless: dict[int, str] = {}  # prepared texts of the documents without shingles, by position
        self._index: dict[Any, int] = {}
        self._sigs = _Rows()
        self._sizes = _Rows()
        self._nums = _Rows()
        self._indexed = 0  # documents inserted into self.lsh (for query)
        levels = containment_levels(self.params.containment_threshold, self.params.num_perm)
        self._levels = LevelTables(levels, self.params.num_perm) if levels else None  # the same, for excerpts
        return self

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments, as scikit-learn's ``get_params`` gives them (``deep`` is accepted and ignored)."""
        return {**self.params.to_dict(), "n_jobs": self.n_jobs, "batch_size": self.batch_size}

    def set_params(self, **params: Any) -> Deduplicator:
        """Change constructor arguments (scikit-learn's ``set_params``); returns the engine.

        Documents already added were signed with the old parameters, so they are forgotten (:meth:`reset`)."""
        known = self.get_params()
        unknown = set(params) - set(known)
        if unknown:
            raise ConfigError(f"unknown parameter(s): {', '.join(sorted(unknown))}; known: {', '.join(known)}")
        type(self).__init__(self, **{**known, **params})  # validates everything before anything changes
        return self

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.params.to_dict().items() if v != getattr(Params, k)}
        args = ", ".join(f"{k}={v!r}" for k, v in changed.items())
        return f"Deduplicator({args})"

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> list[Any]:
        """Ids in insertion order."""
        return list(self._ids)

    # -- signing -------------------------------------------------------------------------

    def prepare(self, text: str) -> str:
        """The text handed to the shingler (see :meth:`Normalizer.for_shingling`)."""
        if not isinstance(text, str):
            raise InputError(f"text must be str, got {type(text).__name__}")
        return self.normalizer.for_shingling(text) if self.normalizer else text

    def prepare_many(self, texts: Sequence[str]) -> list[str]:
        """:meth:`prepare` for many texts, on ``n_jobs`` threads (same result as one)."""
        self._check_texts(texts)
        return self._normalized(texts)

    def _normalized(self, texts: Sequence[str]) -> list[str]:
        """The prepared texts of ``texts``, already checked to be str."""
        if self.normalizer is None:
            return list(texts)
        return self.normalizer.for_shingling_batch(texts, self.n_jobs)  # on threads, in the core

    @staticmethod
    def _check_texts(texts: Sequence[str]) -> None:
        for t in texts:
            if not isinstance(t, str):
                raise InputError(f"text must be str, got {type(t).__name__}")

    def _prepare_and_sign(self, texts: list[str], threads: int) -> tuple[list[str], tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Normalize and sign one batch (checked by the caller), on ``threads`` kernel threads (the caller's setting)."""
        with _kernels.threads(threads):
            prepared = self._normalized(texts)
            return prepared, self.sign_prepared(prepared)

    def sign(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Signatures and shingle counts of raw ``texts`` (normalized here)."""
        sigs, sizes, _ = self.sign_prepared(self.prepare_many(texts))
        return sigs, sizes

    def sign_prepared(self, prepared: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Signatures, shingle counts and number sketches (:mod:`dedup.numbers`; width 0 when the
        number rule is off) of texts already prepared by :meth:`prepare_many`: what every engine
        (local, index, Spark) signs, so that all decide alike."""
        with _set_threads(self.n_jobs):
            sigs, sizes = self.minhasher.sign_texts(prepared, self.shingler, fold_ascii=self.normalizer is not None)
            nums = numbers.number_sketches(prepared) if self.params.number_agreement > 0 else numbers.none(len(prepared))
            return sigs, sizes, nums

    # -- adding ----------------------------------------------------------------------------

    def add(self, id: Any, text: str) -> None:
        """Add one document. Ids must be hashable and unique."""
        self.add_many([(id, text)])

    def add_many(self, records: Iterable[tuple[Any, str] | Mapping[str, Any]], batch_size: int | None = None) -> None:
        """Add ``(id, text)`` pairs or mappings with ``"id"`` and ``"text"`` keys."""
        self._add_batches(_new_batches(records, batch_size or self.minhasher.batch_size, self._index, len(self._ids)))

    def add_batches(self, batches: Iterable[tuple[Sequence[Any], Sequence[str]]], batch_size: int | None = None) -> None:
        """Add documents given in batches of ``(ids, texts)``, two sequences of the same length: the same as
        :meth:`add_many` of their ``(id, text)`` pairs (the same checks and errors, the same documents added
        before an error), checked a batch at a time, not record by record. What the command line hands its
        input to (:func:`dedup.io.iter_batches`)."""
        self._add_batches(_rebatched(batches, batch_size or self.minhasher.batch_size, self._index, len(self._ids)))

    def _add_batches(self, batches: Iterator[tuple[list[Any], list[str]]]) -> None:
        """Normalize, sign and append ``batches`` of new ids and their texts, in order."""
        # While one batch is normalized and signed (in the core, without the GIL, on a helper
        # thread), the next is read and parsed here: reading a file overlaps the compiled work.
        # Batches are appended in input order, so the result is that of doing one after another.
        from concurrent.futures import Future, ThreadPoolExecutor  # here: it costs start-up time

        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dedup-sign")
        running: tuple[list[Any], Future] | None = None

        def advance(nxt: tuple[list[Any], list[str]] | None) -> None:
            """Wait for the batch in flight, start ``nxt``, then append the finished batch (storing its
            texts overlaps signing the next)."""
            nonlocal running
            done = None
            if running is not None:
                done_ids, future = running
                running = None
                done = (done_ids, *future.result())
            try:
                if nxt is not None:
                    self._check_texts(nxt[1])
                    running = (nxt[0], pool.submit(self._prepare_and_sign, nxt[1], _kernels.get_num_threads()))
            finally:
                if done is not None:
                    self._append(*done)

        try:
            try:
                for batch in batches:
                    advance(batch)
            except InputError:
                # Batches before a bad record are added, as they would be without the overlap.
                advance(None)
                raise
            advance(None)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _append(self, ids: list[Any], prepared: list[str], signed: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        sigs, sizes, nums = signed
        self._index.update(zip(ids, range(len(self._ids), len(self._ids) + len(ids))))
        self._ids.extend(ids)
        if self.params.verify_text:
            self._texts.extend(prepared)
        start = len(self._ids) - len(ids)
        for i in np.flatnonzero(np.asarray(sizes) == 0).tolist():  # exact copies of these group by text
            self._wordless[start + i] = prepared[i]
        self._sigs.append(sigs)
        self._sizes.append(sizes)
        self._nums.append(nums)

    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Signatures, shingle counts and number sketches of every added document."""
        if not len(self._sigs):
            return self.minhasher.empty(0), np.zeros(0, dtype=np.int64), numbers.none(0)
        return self._sigs.array(), self._sizes.array(), self._nums.array()

    # -- matching ----------------------------------------------------------------------------

    def _edges(
        self, sigs: np.ndarray, sizes: np.ndarray, nums: np.ndarray, pairs: np.ndarray, texts: Sequence[str | None] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Which ``pairs`` of rows match (:class:`~dedup.verify.Verifier`), and their similarity
        (the larger of Jaccard and containment). ``texts`` are the rows' prepared texts."""
        ok, _, sim = self._judge(sigs, sizes, nums, pairs, texts)
        return ok, sim

    def _judge(
        self, sigs: np.ndarray, sizes: np.ndarray, nums: np.ndarray, pairs: np.ndarray, texts: Sequence[str | None] | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``ok``, ``vetoed`` (met a threshold, then ruled out by figures or alignment) and similarity of ``pairs``."""
        jac, cont = pair_similarity(sigs, sizes, pairs)
        ok = self.verifier.decide(jac, cont, nums, nums, pairs, texts, texts, self.n_jobs)
        return ok, self.verifier.passes_thresholds(jac, cont) & ~ok, np.maximum(jac, cont)

    def query(self, text: str, limit: int | None = None) -> list[tuple[Any, float]]:
        """Added documents that match ``text``, as ``(id, similarity)``, most similar first: those sharing a band with it,
        and its parts or the texts it is part of (sharing a key of a length-ratio level, :class:`dedup.lsh.LevelTables`)."""
        sigs, sizes, nums = self._arrays()
        if self._indexed < len(self._ids):
            self.lsh.insert(sigs[self._indexed :])
            if self._levels is not None:
                self._levels.insert(sigs[self._indexed :], sizes[self._indexed :])
            self._indexed = len(self._ids)
        qtext = self.prepare(text)
        qsig, qsize, qnums = self.sign_prepared([qtext])
        if int(qsize[0]) == 0:  # no shingles: only its exact copies match (as in clusters())
            hits = [(self._ids[i], 1.0) for i, t in sorted(self._wordless.items()) if t == qtext]
            return hits[:limit] if limit is not None else hits
        cand = np.asarray(self.lsh.query(qsig[0]), dtype=np.int64)
        if self._levels is not None:
            cand = np.union1d(cand, self._levels.query(qsig[0], int(qsize[0])))
        if cand.size == 0:
            return []
        allsig = np.concatenate((sigs[cand], qsig))
        allsize = np.concatenate((sizes[cand], qsize))
        allnums = np.concatenate((nums[cand], qnums))
        q = len(cand)
        pairs = np.stack((np.arange(q), np.full(q, q)), axis=1)
        texts = [self._texts[c] for c in cand.tolist()] + [qtext] if self.params.verify_text else None
        ok, sim = self._edges(allsig, allsize, allnums, pairs, texts)
        hits = sorted(((self._ids[c], float(s)) for c, s, k in zip(cand.tolist(), sim, ok) if k), key=lambda x: -x[1])
        return hits[:limit] if limit is not None else hits

    def candidate_pairs(self) -> np.ndarray:
        """Candidate pairs ``(i, j)`` among added documents (insertion indices), sorted: those of the
        Jaccard bands (:meth:`LSH.candidate_pairs`) and of the length-ratio levels of containment
        (:func:`dedup.lsh.containment_pairs`, unscreened)."""
        sigs, sizes, _ = self._arrays()
        return union_pairs(pairs_from_keys(self.lsh.keys(sigs)), containment_pairs(sigs, sizes, self.params.containment_threshold))

    CLUSTER_STAGES = ("grouping copies", "finding candidates", "verifying pairs", "linking")
    """The steps of :meth:`clusters`, in order (what ``on_stage`` is told)."""

    def clusters(self, on_stage: Callable[[str], None] | None = None) -> Clustering:
        """Cluster all added documents (see :mod:`dedup.cluster`). ``on_stage`` is called with the name of each
        step of :data:`CLUSTER_STAGES` as it starts (a progress bar)."""
        stage = on_stage or (lambda name: None)
        stage(self.CLUSTER_STAGES[0])
        sigs, sizes, nums = self._arrays()
        node, counts = duplicate_groups(sigs, sizes, self._wordless)
        # Identical copies are grouped up front; only one of each needs LSH.
        first = np.full(len(counts), len(sigs), dtype=np.int64)
        np.minimum.at(first, node, np.arange(len(sigs)))
        stage(self.CLUSTER_STAGES[1])
        # Candidates below both thresholds can neither join nor keep groups apart: drop them as they are made.
        # One row per group: the first of each (``first`` increases, so buckets rank them as they would rank
        # the groups alone); a later copy is in no bucket (``lead``; for the length-ratio levels, size 0).
        v = self.verifier
        lead = np.zeros(len(sigs), dtype=bool)
        lead[first] = True
        # Crowded rows: their candidates are a sample, so the linkage samples their pairs.
        jaccard, crowded = self.lsh.screened_candidates(sigs, sizes, v.threshold, v.containment_threshold, lead)
        live_sizes = sizes if lead.all() else np.where(lead, sizes, 0)
        # Parts of longer documents (excerpts, abridgements): bands per length-ratio level.
        texts = self._texts if self.params.verify_text else None  # with the texts, containment is measured exactly
        near = v.containment_threshold - EXACT_MARGIN if texts is not None else None
        contained = containment_pairs(sigs, live_sizes, v.containment_threshold, v.threshold, near)
        pairs = union_pairs(jaccard, contained)
        del jaccard, contained  # each array below is one value per pair: hold as few at once as may be
        stage(self.CLUSTER_STAGES[2])
        # Signatures and figures now (cheap); the texts of a pair only when it can decide a merge (lazily).
        jac, cont = pair_similarity(sigs, sizes, pairs)
        fold = self.normalizer is not None
        measure = None if texts is None else (lambda near: self.shingler.containment(texts, near, fold))
        if measure is not None:
            cont = exact_containment(jac, cont, pairs, v, measure)
        judged = None if texts is None else v.judged_by_alignment(pair_texts(texts, texts, pairs))
        ok = self.verifier.screen(jac, cont, nums, nums, pairs, judged)
        vetoed = self.verifier.passes_thresholds(jac, cont) & ~ok
        sim = np.maximum(jac, cont)
        del cont, judged
        # Parts (excerpts, abridgements): those of no one source or with copies of their own are no edges (nor vetoes).
        drop, parts = containment_parts(pairs, ok, jac, sim, sigs, sizes, v, counts[node] > 1, measure)
        ok &= ~drop
        del jac, drop
        stage(self.CLUSTER_STAGES[3])
        edges, edge_sims, apart = pairs[ok], sim[ok], pairs[vetoed]
        del pairs, sim, ok, vetoed
        return build_clusters(
            sigs, sizes, edges, edge_sims, self.params.min_link_fraction, groups=(node, counts),
            apart=apart, screen=PairScreen(self.verifier, sigs, sizes, nums, crowded), confirm=text_confirm(self.verifier, texts, self.n_jobs),
            parts=parts,
        )

    def fit_predict(self, texts: Sequence[str], y: Any = None) -> np.ndarray:
        """Cluster ``texts`` afresh (ids 0..n-1; documents added before are forgotten, as scikit-learn's
        ``fit_predict`` starts over) and return the labels: the position of each document's representative.
        ``y`` is accepted for scikit-learn's API and ignored."""
        self.reset()
        self.add_many(enumerate(_texts_only(texts, "fit_predict")))
        return self.clusters().labels

    def kept_ids(self, keep: str = "representative") -> list[Any]:
        """Ids of the documents deduplication keeps, one per cluster, in insertion order.

        ``keep`` is ``"representative"`` (each cluster's fullest version, see :mod:`dedup.cluster`) or
        ``"first"`` (its earliest document); see :meth:`Clustering.kept`."""
        return [self._ids[i] for i in self.clusters().kept(keep).tolist()]


class _Rows:
    """Rows of one width and type, appended in batches and read as one array.

    Batches are copied into blocks: the first reserves :data:`RESERVE_BYTES` (address space only: the
    system backs a page when it is first written, so the rows cost what they fill), the later ones
    :data:`BLOCK_BYTES`. A run whose rows fit the first block is read as it is, without a copy (50,000
    documents' 256-value signatures, 49 MB: a join took 88 ms, most of it the first touch of the copy's
    pages). Past it, joining the blocks into one array (done block by block, each freed once copied) holds
    the rows about once: the allocator maps blocks that large apart and gives them back when freed."""

    BLOCK_BYTES = 1 << 25
    RESERVE_BYTES = 1 << 30

    def __init__(self) -> None:
        self._blocks: list[np.ndarray] = []  # full blocks (the first may be an earlier join)
        self._open: np.ndarray | None = None  # the block being filled
        self._filled = 0
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def append(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows)
        at = 0
        while at < len(rows):
            if self._open is None:
                self._open = self._new_block(rows, first=not self._blocks)
                self._filled = 0
            take = min(len(rows) - at, len(self._open) - self._filled)
            self._open[self._filled : self._filled + take] = rows[at : at + take]
            self._filled += take
            at += take
            if self._filled == len(self._open):
                self._blocks.append(self._open)
                self._open = None
        self._n += len(rows)

    def _new_block(self, rows: np.ndarray, first: bool) -> np.ndarray:
        """An empty block for rows like ``rows`` (at least all of them): the reserved size for the first, where
        the system grants that much address space, else :data:`BLOCK_BYTES`."""
        per_row = max(1, rows[:1].nbytes)
        shape, dtype = rows.shape[1:], rows.dtype
        if first:
            try:
                return np.empty((max(len(rows), self.RESERVE_BYTES // per_row), *shape), dtype=dtype)
            except MemoryError:  # strict overcommit, or a small address-space limit: blocks of the usual size
                pass
        return np.empty((max(len(rows), self.BLOCK_BYTES // per_row), *shape), dtype=dtype)

    def array(self) -> np.ndarray:
        """All rows, in order, as one array (a view of it until more rows are appended)."""
        parts = self._blocks + ([self._open[: self._filled]] if self._open is not None and self._filled else [])
        if len(parts) == 1:
            return parts[0]
        out = np.empty((self._n, *parts[0].shape[1:]), dtype=parts[0].dtype)
        at = 0
        self._blocks, self._open = [], None
        while parts:
            part = parts.pop(0)
            out[at : at + len(part)] = part
            at += len(part)
            del part  # freed as soon as copied
        self._blocks, self._filled = [out], 0
        return out


def _new_batches(records: Iterable[Any], batch_size: int, added: dict[Any, int], base: int) -> Iterator[tuple[list[Any], list[str]]]:
    """``(ids, texts)`` of ``records`` in batches of ``batch_size``; a record whose id is added already (in
    ``added``, the engine's ids, ``base`` of them) or earlier in ``records`` raises :class:`InputError`. Read
    lazily: each id is checked against the documents added by the time it is read."""
    ids: list[Any] = []
    texts: list[str] = []
    seen: set[Any] = set()
    for rec in records:
        id_, text = _new_record(rec, added, seen, base)
        ids.append(id_)
        texts.append(text)
        if len(ids) >= batch_size:
            yield ids, texts
            ids, texts = [], []
    if ids:
        yield ids, texts


def _new_record(rec: Any, added: dict[Any, int], seen: set[Any], base: int) -> tuple[Any, str]:
    """``(id, text)`` of one record read after the ``seen`` ones (:func:`split_record`), its id then seen too; an id
    already ``added`` (the engine's ``base`` documents) or seen raises :class:`InputError`."""
    id_, text = split_record(rec, base + len(seen))
    if id_ in added or id_ in seen:
        raise InputError("duplicate id", doc_id=id_)
    seen.add(id_)
    return id_, text


def _rebatched(batches: Iterable[tuple[Sequence[Any], Sequence[str]]], batch_size: int, added: dict[Any, int],
               base: int) -> Iterator[tuple[list[Any], list[str]]]:
    """:func:`_new_batches` of the ``(id, text)`` pairs of ``batches``: the same batches and errors. A batch of
    ``str`` texts and hashable ids, none repeated or added already, is taken whole; any other is read pair by
    pair with :func:`split_record`, which finds the first bad record and raises its error."""
    ids: list[Any] = []
    texts: list[str] = []
    seen: set[Any] = set()
    for got_ids, got_texts in batches:
        if len(got_ids) != len(got_texts):
            raise InputError(f"a batch has {len(got_ids)} ids and {len(got_texts)} texts")
        if _fresh(got_ids, got_texts, added, seen):
            ids += got_ids
            texts += got_texts
        else:
            try:
                for pair in zip(got_ids, got_texts):
                    id_, text = _new_record(pair, added, seen, base)
                    ids.append(id_)
                    texts.append(text)
            except InputError:
                yield from _full_batches(ids, texts, batch_size)  # added, as add_many adds them
                raise
        yield from _full_batches(ids, texts, batch_size)
    if ids:
        yield ids, texts


def _fresh(ids: Sequence[Any], texts: Sequence[str], added: dict[Any, int], seen: set[Any]) -> bool:
    """Whether every text is a ``str`` and every id hashable, new (not in ``added`` or ``seen``) and not repeated;
    the ids are then added to ``seen``."""
    return set(map(type, texts)) <= {str} and claim_new(ids, seen, added.keys())


def _full_batches(ids: list[Any], texts: list[str], batch_size: int) -> Iterator[tuple[list[Any], list[str]]]:
    """Take the first ``batch_size`` ids and texts out of ``ids`` and ``texts`` as a batch, while there are that many."""
    while len(ids) >= batch_size:
        yield ids[:batch_size], texts[:batch_size]
        del ids[:batch_size], texts[:batch_size]


def split_record(rec: Any, position: int) -> tuple[Any, str]:
    """``(id, text)`` of a record given as an ``(id, text)`` pair or a mapping with ``id`` and ``text``;
    ``position`` (its place in the input) names it in the :class:`InputError` a bad record raises."""
    if isinstance(rec, Mapping):
        if "id" not in rec or "text" not in rec:
            raise InputError(f"record #{position} needs 'id' and 'text' keys, has {sorted(map(str, rec))}")
        id_, text = rec["id"], rec["text"]
    elif isinstance(rec, (tuple, list)) and len(rec) == 2:
        id_, text = rec
    else:
        raise InputError(f"record #{position} must be an (id, text) pair or a mapping, got {type(rec).__name__}")
    if not isinstance(text, str):
        raise InputError(f"text must be str, got {type(text).__name__}", doc_id=id_)
    try:
        hash(id_)
    except TypeError:
        raise InputError(f"record #{position}: id must be hashable, got {type(id_).__name__}") from None
    return id_, text


def _texts_only(texts: Any, what: str) -> Any:
    if isinstance(texts, (str, bytes)):
        raise InputError(f"{what} takes a sequence of texts, got a single {type(texts).__name__} "
                         f"(it would be read as one document per character); wrap it in a list: [text]")
    return texts


def _items(texts_or_records: Any, what: str) -> list[Any]:
    """The documents of :func:`cluster` and :func:`deduplicate` as a list; a single string is refused."""
    return list(_texts_only(texts_or_records, what))


def _add_items(d: Deduplicator, items: list[Any]) -> None:
    n_texts = sum(isinstance(t, str) for t in items)
    if n_texts == len(items):
        d.add_many(enumerate(items))
    elif n_texts:
        # Name the first item of the rarer kind: the odd one out.
        among_texts = 2 * n_texts >= len(items)
        bad = next(i for i, t in enumerate(items) if isinstance(t, str) != among_texts)
        raise InputError(
            f"item #{bad} is a {type(items[bad]).__name__} among {'texts' if among_texts else 'records'}: "
            "pass only texts (str) or only (id, text) records"
        )
    else:
        d.add_many(items)


def deduplicate(
    texts_or_records: Iterable[str] | Iterable[tuple[Any, str]] | Iterable[Mapping[str, Any]],
    *,
    keep: str = "representative",
    **params: Any,
) -> list[Any]:
    """The documents to keep, one per cluster of near-duplicates, as the items given and in their order.

    Takes what :func:`cluster` takes (texts, or ``(id, text)`` records or mappings with ``id`` and ``text``)
    and returns the kept items themselves. ``keep`` picks each cluster's survivor: ``"representative"``
    (default: its fullest version, most distinct shingles, ties to the earliest) or ``"first"`` (its
    earliest item). Keyword arguments are those of :class:`Deduplicator`.

    >>> deduplicate(["Markets rally on rate cut.", "MARKETS RALLY on rate cut!", "Rain tomorrow."])
    ['Markets rally on rate cut.', 'Rain tomorrow.']
    """
    items = _items(texts_or_records, "deduplicate")
    d = Deduplicator(**params)
    _add_items(d, items)
    return [items[i] for i in d.clusters().kept(keep).tolist()]


def cluster(texts_or_records: Iterable[str] | Iterable[tuple[Any, str]] | Iterable[Mapping[str, Any]], **params: Any) -> np.ndarray:
    """Cluster documents in one call; returns one label per document.

    Accepts plain strings or records (``(id, text)`` pairs, as tuples or lists, or
    mappings with ``id`` and ``text``), not a mix of the two. ``labels[i]`` is the
    position of the representative of document ``i``'s cluster. Keyword arguments
    are those of :class:`Deduplicator`.
    """
    items = _items(texts_or_records, "cluster")
    d = Deduplicator(**params)
    _add_items(d, items)
    return d.clusters().labels
