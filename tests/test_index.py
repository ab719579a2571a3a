"""dedup.Index: persistent near-duplicate index on SQLite."""

import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

import dedup
from dedup import _kernels
from dedup.index import INDEX_PARAMS, Index, Match, admission, lookup, signing
from dedup.store import DuplicateIdError, IndexClosedError, IndexFileError, IndexLockedError, ParamsMismatchError, bandmap, schema
from dedup.store import sqlite as sqlite_store

ROOT = Path(__file__).resolve().parent.parent

BASE = (
    "The city council approved the budget for road repairs on Tuesday after a long debate about "
    "potholes, bridges and the cost of asphalt, and the mayor said work would begin in the spring. "
)


def story(k: int) -> str:
    """Distinct, unrelated texts (deterministic)."""
    rng = np.random.default_rng(k)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
             "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango"]
    return " ".join(words[i] + str(int(j)) for i, j in zip(rng.integers(0, 20, 80), rng.integers(0, 50, 80)))


@pytest.fixture
def path(tmp_path):
    return tmp_path / "idx.dedup"


@pytest.fixture
def index(path):
    with Index.open(path, n_jobs=1) as ix:
        yield ix


def test_check_add_and_match(index, seeds):
    assert index.check(seeds["000"]) is None
    index.add("001", seeds["001"], meta={"source": "cnn"})
    m = index.check(seeds["000"])
    assert isinstance(m, Match) and m.id == "001" and m.meta == {"source": "cnn"}
    assert 0.8 < m.similarity <= 1 and m.similarity == max(m.jaccard, m.containment)
    assert index.check(seeds["002"]) is None
    assert len(index) == 1 and "001" in index and "000" not in index


def test_matching_equals_deduplicator(index, seeds):
    """A document the index drops is one the Deduplicator groups (same params, same rule)."""
    texts = list(seeds.values()) + [BASE, BASE.upper() + " Extra words.", BASE[: len(BASE) // 2], story(1)]
    results = index.check_and_add_many(list(enumerate(texts)))
    labels = dedup.cluster(texts, min_link_fraction=0.0)
    for i, m in enumerate(results):
        if m is not None:
            assert labels[i] == labels[m.id]
    assert [m is None for m in results] == [True, False, True, True, True, True, False, False, True]


def test_ids_round_trip_types_and_meta(index):
    index.add(7, "seven " * 20, meta=[1, "x"])
    index.add("7", story(2))
    assert 7 in index and "7" in index
    m = index.check("seven " * 20)
    assert m.id == 7 and isinstance(m.id, int) and m.meta == [1, "x"]
    assert index.remove(7) and 7 not in index and "7" in index


def test_check_and_add_admits_first_only(index):
    assert index.check_and_add("a", BASE) is None
    m = index.check_and_add("b", BASE + " Reporting by staff.")
    assert m is not None and m.id == "a"
    assert "b" not in index and len(index) == 1


def test_check_and_add_many_within_batch_and_batches(index):
    recs = [("a", BASE), ("s1", story(1)), ("b", BASE.replace("Tuesday", "Monday")), {"id": "s2", "text": story(2)}]
    res = index.check_and_add_many(recs, batch_size=2)
    assert res[0] is None and res[1] is None and res[3] is None
    assert res[2].id == "a"
    assert sorted(map(str, [i for i in ("a", "s1", "s2") if i in index])) == ["a", "s1", "s2"]


def test_check_many_is_against_stored_only(index):
    index.add("a", BASE)
    res = index.check_many([BASE, story(3), story(3)], batch_size=2)
    assert res[0].id == "a" and res[1] is None and res[2] is None
    assert len(index) == 1


def test_add_many_records_and_duplicate_ids(index):
    assert index.add_many([("a", story(1)), ("b", story(2), {"k": 1}), {"id": "c", "text": story(3), "meta": None}]) == 3
    with pytest.raises(DuplicateIdError, match="'b'.*already in the index"):
        index.add_many([("d", story(4)), ("b", story(5))])
    assert "d" not in index  # the failing batch rolled back
    with pytest.raises(DuplicateIdError, match="repeated in the batch"):
        index.add_many([("e", story(6)), ("e", story(7))])
    with pytest.raises(DuplicateIdError):
        index.check_and_add("a", story(8))  # not a near-duplicate, but the id is taken
    m = index.check_and_add_many([("a", story(8))], on_duplicate_id="skip")[0]
    assert m.id == "a" and m.similarity < 0.4
    assert len(index) == 3


def test_bad_records(index):
    with pytest.raises(dedup.InputError, match="string or an integer"):
        index.add(1.5, "x")
    with pytest.raises(dedup.InputError, match="text must be str"):
        index.add("a", b"bytes")
    with pytest.raises(dedup.InputError, match="JSON-serializable"):
        index.add("a", "text", meta=object())
    with pytest.raises(dedup.InputError, match="record #0"):
        index.add_many([["a"]])
    with pytest.raises(dedup.InputError, match="text #1 must be str"):
        index.check_many(["ok", 3])
    with pytest.raises(dedup.ConfigError, match="on_duplicate_id"):
        index.check_and_add_many([("a", "b")], on_duplicate_id="ignore")
    with pytest.raises(dedup.ConfigError, match="batch_size"):
        index.add_many([("a", "b")], batch_size=0)
    assert len(index) == 0
    assert index.add_many([["list-a", "a record given as a list"]]) == 1  # lists work like tuples


def test_empty_documents_match_only_their_exact_copies(index):
    """No shingles, so no LSH band: one entry under the hash of the text (issue 18: exact copies always match)."""
    assert index.check_and_add("e1", "") is None
    assert index.check_and_add("e2", "").id == "e1"
    assert index.check_and_add("e3", "  ") is None  # another text without shingles
    assert index.store.count_band_rows() == 2 and len(index) == 2


def test_remove(index):
    index.add_many([("a", BASE), ("b", story(1))])
    assert index.remove("a") is True
    assert index.remove("a") is False
    assert index.check(BASE) is None and len(index) == 1
    assert index.verify() == []


def test_expire(index):
    index.add("old", BASE)
    time.sleep(0.3)
    index.add("new", story(1))
    assert index.expire(older_than=0.15) == 1
    assert "old" not in index and "new" in index
    assert index.expire(timedelta(days=1)) == 0
    with pytest.raises(dedup.ConfigError, match="older_than"):
        index.expire(-1)
    assert index.verify() == []


def test_stats(index):
    index.add_many([("a", BASE), ("b", story(1))])
    s = index.stats()
    assert s["documents"] == 2 and s["schema_version"] == sqlite_store.SCHEMA_VERSION
    assert s["bytes_on_disk"] > 0 and s["bytes_per_million_documents"] == round(s["bytes_on_disk"] / 2 * 1e6)
    assert set(s["params"]) == {*INDEX_PARAMS, "max_bucket"} and s["params"]["max_bucket"] == index.max_bucket and (s["bands"], s["rows"]) == index.bands
    assert s["oldest_added"] <= s["newest_added"] <= time.time()


def test_bucket_cap_bounds_candidates(path):
    with Index.open(path, n_jobs=1, max_bucket=2) as ix:
        ix.add_many([(i, BASE) for i in range(5)])  # identical keys: only the first two are filed per key
        assert ix.store.count_band_rows() == 2 * (ix.band_columns + 1)  # (the exact key too: add does not check)
        assert ix.check(BASE).id in (0, 1)
        assert ix.verify() == []
    with pytest.raises(ParamsMismatchError, match="max_bucket=2, given 3"):
        Index.open(path, max_bucket=3)


def test_log_is_folded_into_the_base_and_other_connections_follow(path):
    """New band entries go to the log; a rewrite folds log and deletions into the base; readers follow."""
    nb = None
    with Index.open(path, n_jobs=1) as a, Index.open(path, n_jobs=1) as b, Index.open(path, n_jobs=1) as c:
        nb = a.band_columns + 1  # entries per document: one per band and its exact key
        a.store.flush_entries = 3 * nb  # rewrite the base about every third document
        texts = [story(i) for i in range(12)]
        for i, t in enumerate(texts[:2]):
            a.add(i, t)
        s = a.stats()
        assert (s["logged_band_entries"], s["band_entries"], s["base_rewrites"]) == (2 * nb, 2 * nb, 0)
        assert [m.id for m in b.check_many(texts[:2])] == [0, 1]  # b reads a's log
        assert c.check(texts[0]).id == 0  # c has read as far as b, then sleeps through two rewrites
        loads = []
        reload = b.store.bands.load_base
        b.store.bands.load_base = lambda info: (loads.append(info), reload(info))[1]
        for i, t in enumerate(texts[2:8], start=2):
            a.add(i, t)
            assert b.check(t).id == i  # b follows each rewrite without reloading the base
        assert a.store.rewrites() >= 2 and b.store.rewrites() == a.store.rewrites() and loads == []
        assert c.check(texts[7]).id == 7 and [m.id for m in c.check_many(texts[:8])] == list(range(8))  # c reloads
        assert a.remove(3) and b.check(texts[3]) is None and c.check(texts[3]) is None  # a dead row, at once
        assert a.stats()["band_entries"] == b.store.count_band_rows() == 7 * nb
        for i, t in enumerate(texts[8:], start=8):
            a.add(i, t)
        for _ in range(2):  # the next rewrite leaves the dead document out, the one after forgets it
            with a.store.write():
                a.store.bands.rewrite()
        with a.store.read():
            con = a.store.conn
            assert con.execute("SELECT count(*) FROM dead").fetchone()[0] == 0
            # every live entry (11 documents, less the few a hot level bucket's cap of 8 left out), no dead one
            assert sum(n for (n,) in con.execute("SELECT length(docs) / 4 FROM base")) == a.store.count_band_rows() > 11 * (nb - 8)
            assert con.execute("SELECT count(*) FROM log WHERE seq > ?", (a.store.bands.base_info()["log"],)).fetchone()[0] == 0
        a_entries = a.stats()["band_entries"]
        b.add("late", BASE)  # b's insert lands in the log, a and c see it
        assert a.check(BASE).id == "late" and c.check(BASE).id == "late"
        assert a.verify() == b.verify() == c.verify() == []
    with Index.open(path, n_jobs=1) as d:  # a new connection loads base and log
        assert [m.id if m else None for m in d.check_many(texts)] == [i if i != 3 else None for i in range(12)]
        assert d.stats()["band_entries"] == a_entries + nb and d.verify() == []  # "late" added its entries


def test_rolled_back_insert_leaves_no_phantom_entries(path):
    with Index.open(path, n_jobs=1) as a, Index.open(path, n_jobs=1) as b:
        a.add("first", story(1))
        batch = signing.sign_records(a._ctx, [("x", BASE)], 0)
        with pytest.raises(RuntimeError):
            with a.store.write():
                admission.insert(a._ctx, batch, np.arange(1), np.zeros(0, np.int64))
                raise RuntimeError("fail after the insert")
        assert a.check(BASE) is None  # the rolled-back document is not a candidate
        b.add("y", story(2))  # may reuse the rolled-back log row number
        assert a.check(story(2)).id == "y" and a.check(story(1)).id == "first"
        assert a.verify() == []


def test_signature_cache_gives_the_same_answers_and_follows_other_writers(path):
    texts = [story(i) for i in range(12)] + [BASE]
    probes = texts + [t + " and one more sentence" for t in texts] + [story(99)]
    with Index.open(path, n_jobs=1, cache_signatures=True) as cached, Index.open(path, n_jobs=1) as plain:
        assert cached.check(BASE) is None  # loads an empty cache
        plain.add_many((i, t) for i, t in enumerate(texts[:6]))
        assert cached.check_many(probes) == plain.check_many(probes)  # cached reads what plain added
        cached.check_and_add_many((i, t) for i, t in enumerate(texts[6:], start=6))
        assert plain.remove(2) and cached.check(texts[2]) is None
        got = cached.check_many(probes)
        assert got == plain.check_many(probes) and sum(m is not None for m in got) == 2 * len(texts) - 2
    with pytest.raises(dedup.ConfigError, match="cache_signatures"):
        Index.open(path, cache_signatures="yes")


def test_fingerprint_bound_is_exact_where_it_decides():
    """The 4-bit fingerprint bound is k minus the differing nibbles, and never below the true count."""
    rng = np.random.default_rng(3)
    for k in (256, 100, 7):
        a = rng.integers(0, 40, (50, k + 5)).astype(np.uint32)  # small values: many equal positions
        b = rng.integers(0, 40, (60, k + 5)).astype(np.uint32)
        pairs = np.stack([rng.integers(0, 50, 2000), rng.integers(0, 60, 2000)], axis=1)
        upper = _kernels.agree_upper_bounds(_kernels.nibble_fingerprints(a, k), _kernels.nibble_fingerprints(b, k), pairs, k)
        exact = _kernels.equal_counts_between(a[:, :k].copy(), b[:, :k].copy(), pairs)
        differ = ((a[pairs[:, 0], :k] & 15) != (b[pairs[:, 1], :k] & 15)).sum(axis=1)
        assert (upper >= exact).all() and (upper == k - differ).all()


@pytest.mark.parametrize("cache", [False, True])
def test_fingerprint_prefilter_gives_the_same_matches_near_the_thresholds(path, monkeypatch, cache):
    """Candidates whose fingerprint bound fails are not compared in full; matches and similarities are unchanged."""
    rng = np.random.default_rng(5)
    words = story(7).split()
    stored = [" ".join(words)] + [story(i) for i in range(20)]
    probes = []
    for frac in np.linspace(0.0, 0.8, 17):  # graded edits: Jaccard from 1 down through the thresholds
        w = list(words)
        for j in rng.choice(len(w), int(frac * len(w)), replace=False).tolist():
            w[j] = f"x{j}"
        probes.append(" ".join(w))
    probes += [" ".join(words[: len(words) * p // 10]) for p in range(1, 10)]  # excerpts: containment
    probes += [t + " " + story(50 + i) for i, t in enumerate(stored[:3])]  # a stored text inside a longer one
    compared = []
    count = _kernels.estimates_between  # the full comparison of signatures
    monkeypatch.setattr(_kernels, "estimates_between", lambda a, b, sa, sb, p: (compared.append(len(p)), count(a, b, sa, sb, p))[1])
    with Index.open(path, n_jobs=1, cache_signatures=cache) as ix:
        ix.add_many(enumerate(stored))
        got = ix.check_many(probes)
        with_filter, compared[:] = sum(compared), []
        with monkeypatch.context() as m:
            m.setattr(lookup, "could_match", lambda ctx, batch, pairs: pairs)  # every candidate in full
            expected = ix.check_many(probes)
    assert got == expected
    assert 0 < sum(m is not None for m in got) < len(probes)
    assert with_filter < sum(compared)  # some candidates were ruled out by their bound alone


def test_row_numbers_are_never_reused(index):
    index.add_many([("a", story(1)), ("b", story(2))])
    b_row = index.store.rows_of(['"b"'])['"b"']
    assert index.remove("b")
    index.add("c", story(3))
    assert index.store.rows_of(['"c"'])['"c"'] == b_row + 1


def test_signature_cache_drops_what_a_rollback_undid(path):
    with Index.open(path, n_jobs=1, cache_signatures=True) as a, Index.open(path, n_jobs=1) as b:
        a.add("first", story(1))
        batch = signing.sign_records(a._ctx, [("x", BASE)], 0)
        with pytest.raises(RuntimeError):
            with a.store.write():
                admission.insert(a._ctx, batch, np.arange(1), np.zeros(0, np.int64))
                a.store.signatures(np.array([2]))  # the cache reads the uncommitted row 2
                raise RuntimeError("fail after the insert")
        b.add("y", story(2))  # gets row 2 again: the rollback undid row_high too
        m = a.check(story(2))
        assert m.id == "y" and m.similarity == 1.0 and a.check(BASE) is None


def test_orphan_band_entries_are_skipped(path):
    """A band entry whose document is gone (a damaged file) is not a match; the next best is."""
    for cache in (False, True):
        p = path.with_name(f"orphan-{cache}.dedup")
        with Index.open(p, n_jobs=1, cache_signatures=cache) as ix:
            ix.add_many([("a", BASE), ("b", BASE + " Extra words at the end.")])
            assert ix.check(BASE).id == "a"
            with ix.store.write():
                ix.store.conn.execute("DELETE FROM docs WHERE id = ?", ('"a"',))
            assert ix.check(BASE).id == "b"
            assert any("band table" in p for p in ix.verify())


@pytest.mark.parametrize(
    "damage, message",
    [
        ("UPDATE log SET docs = x'0102'", "logged band entries are malformed"),
        ("UPDATE base SET keys = x'01000000000000000000000000000000', docs = x'0100000002000000'", "base band entries are out of order"),
        ("UPDATE base SET docs = x'01'", "base band entries are malformed"),
        ("INSERT OR REPLACE INTO meta(key, value) VALUES ('base', '{\"generation\": \"x\"}')", "base record .* is malformed"),
        ("UPDATE log SET fps = x'01'", "logged document fingerprints are malformed"),
        ("UPDATE base_docs SET sizes = x'01'", "base document fingerprints are malformed"),
        ("UPDATE base_docs SET rows = x'0200000000000000'", "document fingerprints: document rows out of order"),
        ("UPDATE base_docs SET rows = x'0900000000000000'", "base document fingerprints name row 9, outside 1..2"),
    ],
    ids=["log", "base-order", "base-width", "base-record", "log-fingerprints", "base-fingerprints", "base-rows", "base-row-past"],
)
def test_damaged_band_entries_are_a_clear_error(path, damage, message):
    with Index.open(path, n_jobs=1) as ix:
        ix.store.flush_entries = 1  # the first document goes to the base, the second stays in the log
        ix.add("a", BASE)
        ix.store.flush_entries = 10**9
        ix.add("b", story(1))
    con = sqlite3.connect(path)
    con.execute(damage)
    con.commit()
    con.close()
    with Index.open(path, n_jobs=1) as ix, pytest.raises(IndexFileError, match=message):
        ix.check(BASE)


@pytest.mark.parametrize("cache", [False, True])
def test_damaged_signatures_and_row_counter_are_clear_errors(path, cache):
    with Index.open(path, n_jobs=1) as ix:
        ix.add_many([("a", BASE), ("b", BASE + " More.")])
    con = sqlite3.connect(path)
    con.execute("UPDATE docs SET sig = x'00010203' WHERE id = '\"b\"'")
    con.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('row_high', '-1')")
    con.commit()
    con.close()
    with Index.open(path, n_jobs=1, cache_signatures=cache) as ix:
        with pytest.raises(IndexFileError, match="stored signatures are malformed|row_high '-1' is not a row number"):
            ix.check(BASE)
        with pytest.raises(IndexFileError, match="row_high '-1' is not a row number"):
            ix.add("c", story(3))


def _downgrade(path, version):
    """Rewrite a current index file in the layout of schema 1 (bands B-tree), 2 (bands + pending), 3
    (base + log of band entries, no fingerprints) or 4 (no texts)."""
    con = sqlite3.connect(path)
    con.execute("DROP TABLE texts")
    if version == 4:
        con.execute("PRAGMA user_version=4")
        con.commit()
        con.close()
        return
    con.execute("DROP TABLE base_docs")
    if version == 3:
        con.execute("CREATE TABLE log3(seq INTEGER PRIMARY KEY AUTOINCREMENT, keys BLOB NOT NULL, docs BLOB NOT NULL)")
        con.execute("INSERT INTO log3(seq, keys, docs) SELECT seq, keys, docs FROM log")
        con.execute("DROP TABLE log")
        con.execute("ALTER TABLE log3 RENAME TO log")
        con.execute("PRAGMA user_version=3")
        con.commit()
        con.close()
        return
    entries = lambda sql, *args: [  # noqa: E731
        (np.frombuffer(k, "<i8"), np.frombuffer(d, "<u4").astype(np.int64)) for k, d in con.execute(sql, args)
    ]
    base_record = con.execute("SELECT value FROM meta WHERE key='base'").fetchone()
    absorbed = json.loads(base_record[0])["log"] if base_record else 0
    base, log = entries("SELECT keys, docs FROM base"), entries("SELECT keys, docs FROM log WHERE seq > ?", absorbed)
    assert not con.execute("SELECT count(*) FROM dead").fetchone()[0]
    con.execute("CREATE TABLE bands(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)) WITHOUT ROWID")
    for k, d in base + (log if version == 1 else []):
        con.executemany("INSERT INTO bands VALUES (?, ?)", zip(k.tolist(), d.tolist()))
    if version == 2:
        con.execute("CREATE TABLE pending(seq INTEGER PRIMARY KEY, keys BLOB NOT NULL, docs BLOB NOT NULL)")
        for k, d in log:
            order = np.argsort(-k)  # pending rows were stored in document order, not key order
            con.execute("INSERT INTO pending(keys, docs) VALUES (?, ?)", (k[order].astype("<i8").tobytes(), d[order].astype("<i8").tobytes()))
        con.execute("INSERT INTO meta(key, value) VALUES ('pending_epoch', '3')")
    for table in ("base", "log", "dead"):
        con.execute(f"DROP TABLE {table}")
    con.execute("DELETE FROM meta WHERE key='base'")
    con.execute(f"PRAGMA user_version={version}")
    con.commit()
    con.close()


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_old_index_is_migrated(path, version):
    """Schema 1 kept band entries in a B-tree, schema 2 also in a pending buffer, schema 3 had no
    fingerprints, schema 4 no texts; each opens as the current schema."""
    with Index.open(path, n_jobs=1) as ix:
        ix.store.flush_entries = 1
        ix.add_many([(i, story(i)) for i in range(4)], batch_size=2)  # a base of 4 documents
        ix.store.flush_entries = 10**9
        ix.add_many([(i, story(i)) for i in range(4, 7)], batch_size=2)  # 3 in the log
        assert ix.stats()["logged_band_entries"] == 3 * (ix.band_columns + 1)  # bands and exact key
    _downgrade(path, version)
    with Index.open(path, n_jobs=1) as ix:
        assert ix.stats()["schema_version"] == sqlite_store.SCHEMA_VERSION == 6
        assert ix.stats()["stored_texts"] == 0  # the old documents' texts were never kept
        assert [m.id for m in ix.check_many([story(i) for i in range(7)])] == list(range(7))
        assert ix.stats()["logged_band_entries"] == (0 if version == 1 else 3 * (ix.band_columns + 1))
        assert len(ix.store.bands.summaries) == 7  # fingerprints computed from the stored signatures
        ix.add("new", BASE)
        assert ix.check(BASE).id == "new" and ix.remove(2) and ix.check(story(2)) is None and ix.verify() == []
        assert ix.stats()["stored_texts"] == 1  # new documents get theirs


def test_params_are_stored_and_mismatch_is_an_error(path):
    with Index.open(path, threshold=0.6, shingle="word", ngram=3) as ix:
        ix.add("a", BASE)
    with Index.open(path) as ix:  # no parameters: the stored ones
        assert ix.params.threshold == 0.6 and ix.params.shingle == "word" and ix.check(BASE).id == "a"
    with Index.open(path, threshold=0.6) as ix:  # same value: fine
        assert len(ix) == 1
    with pytest.raises(ParamsMismatchError, match=r"threshold: index has 0\.6, given 0\.5.*ngram: index has 3, given 5"):
        Index.open(path, threshold=0.5, ngram=5)
    with pytest.raises(dedup.ConfigError, match="min_link_fraction only affects clustering"):
        Index.open(path, min_link_fraction=0.2)
    with pytest.raises(dedup.ConfigError, match="threshold"):
        Index.open(path.with_name("other"), threshold=2)


def test_figures_that_disagree_rule_out_a_match(path):
    from test_cluster import EUROBOND, OTHER_EUROBOND

    ocr = EUROBOND.replace("issuing", "issumg").replace("manager", "mauager")
    for cache in (False, True):
        with Index.open(path, n_jobs=1, cache_signatures=cache) as ix:
            if not len(ix):
                ix.add("bond", EUROBOND)
            assert ix.check(OTHER_EUROBOND) is None and ix.check(ocr).id == "bond"
            assert [m and m.id for m in ix.check_many([OTHER_EUROBOND, ocr])] == [None, "bond"]
    with Index.open(path.with_name("batch"), n_jobs=1) as ix:  # inside one batch too
        assert [m and m.id for m in ix.check_and_add_many([("a", EUROBOND), ("b", OTHER_EUROBOND), ("c", ocr)])] == [None, None, "a"]
        assert ix.verify() == []
    with Index.open(path.with_name("align"), n_jobs=1, number_agreement=0) as ix:  # the alignment alone sees the figures
        ix.add("bond", EUROBOND)
        assert ix.check(OTHER_EUROBOND) is None and ix.check(ocr).id == "bond" and ix.verify() == []
    with Index.open(path.with_name("off"), n_jobs=1, number_agreement=0, verify_text=False) as ix:  # both off: wording decides
        ix.add("bond", EUROBOND)
        assert ix.check(OTHER_EUROBOND).id == "bond" and ix.verify() == []
        assert ix.store.fetch(np.array([1])).sigs.shape == (1, ix.params.num_perm)  # no number sketch stored
        assert ix.stats()["stored_texts"] == 0  # nor a text


def test_a_taken_id_says_whether_its_text_matches(path):
    """on_duplicate_id="skip": the Match for a taken id tells a rerun from a changed text by the index's own
    rule (figures included), and two empty texts count as the same text."""
    from test_cluster import EUROBOND, OTHER_EUROBOND

    with Index.open(path, n_jobs=1) as ix:
        ix.add_many([("bond", EUROBOND), ("empty", "")])
        again, changed, figures, empty = ix.check_and_add_many(
            [("bond", EUROBOND), ("bond", "Something else entirely about the weather in the mountains."),
             ("bond", OTHER_EUROBOND), ("empty", "")], on_duplicate_id="skip")
        assert again.id == "bond" and again.near_duplicate
        assert changed.id == "bond" and not changed.near_duplicate
        assert figures.id == "bond" and not figures.near_duplicate  # like wording, other figures: not a match
        assert empty.id == "empty" and empty.near_duplicate
        assert changed.to_dict()["near_duplicate"] is False and len(ix) == 2


def table(k: int, overlap: int) -> str:
    """A price table from one template: 40 figures, the first ``overlap`` shared by every table."""
    rng = np.random.default_rng(k)
    own = rng.choice(np.arange(1000, 9000), 40 - overlap, replace=False) + 10000 * (k + 1)
    figures = list(range(100, 100 + overlap)) + own.tolist()
    rows = [f"{name} settled at {f} cents" for name, f in zip(["May", "July", "Sept", "Dec", "March"] * 8, figures)]
    preamble = (
        "CBT soybean futures closed mixed in light trade today as commercial selling met fund buying and exporters "
        "stayed on the sidelines ahead of the monthly crop report due from the Agriculture Department. "
    )
    return preamble * 3 + ". ".join(rows) + "."


def test_number_rule_does_not_depend_on_batches_and_equals_the_deduplicator(tmp_path):
    texts = [table(k, overlap) for k in range(6) for overlap in (10, 20, 30)]
    # the rule decides here: with it off, more of these tables match
    assert dedup.cluster(texts, verify_text=False).tolist() != dedup.cluster(texts, number_agreement=0, verify_text=False).tolist()
    results = []
    for batch_size in (1, 100):
        with Index.open(tmp_path / f"b{batch_size}.dedup", n_jobs=1, batch_size=batch_size, verify_text=False) as ix:
            results.append([m and m.id for m in ix.check_and_add_many(list(enumerate(texts)))])
    assert results[0] == results[1]
    assert None in results[0] and any(results[0])  # some tables admitted, some dropped
    d = dedup.Deduplicator(n_jobs=1, verify_text=False)
    with Index.open(tmp_path / "all.dedup", n_jobs=1, verify_text=False) as ix:
        ix.add_many(enumerate(texts[:6]))
        d.add_many(enumerate(texts[:6]))
        for t in texts[6:]:
            hits, m = d.query(t), ix.check(t)
            assert (m is None) == (hits == [])
            if m is not None:
                assert (m.id, m.similarity) == pytest.approx(hits[0])


def test_stored_values_of_the_wrong_width_are_damage(path):
    """Signatures without their number sketch in an index that checks numbers: a clear error, not a crash."""
    with Index.open(path, n_jobs=1) as ix:
        ix.add("a", BASE)
        k = ix.params.num_perm
    con = sqlite3.connect(path)
    con.execute("UPDATE docs SET sig = substr(sig, 1, ?)", (4 * k,))
    con.commit()
    con.close()
    with Index.open(path, n_jobs=1) as ix:
        assert ix.verify() == [f"stored signatures have {k} values, expected {k + 33}"]
        with pytest.raises(IndexFileError, match=f"stored signatures have {k} values, expected {k + 33} \\(damaged\\)"):
            ix.check(BASE)


def test_index_written_before_number_agreement_keeps_its_rule(path):
    """A stored configuration without number_agreement (an older dedup) means 0, not today's default."""
    with Index.open(path, number_agreement=0, n_jobs=1) as ix:
        ix.add("a", BASE)
    con = sqlite3.connect(path)
    config = json.loads(con.execute("SELECT value FROM meta WHERE key='config'").fetchone()[0])
    del config["params"]["number_agreement"]
    con.execute("UPDATE meta SET value=? WHERE key='config'", (json.dumps(config),))
    con.commit()
    con.close()
    with Index.open(path, n_jobs=1) as ix:
        assert ix.params.number_agreement == 0 and ix.check(BASE).id == "a" and ix.verify() == []
    with pytest.raises(ParamsMismatchError, match="number_agreement: index has 0.0, given 0.5"):
        Index.open(path, number_agreement=0.5)


def test_closed_index(path):
    ix = Index.open(path)
    ix.close()
    ix.close()  # idempotent
    with pytest.raises(IndexClosedError):
        ix.check("x")


def test_missing_index_without_create(tmp_path):
    with pytest.raises(IndexFileError, match="no such index"):
        Index.open(tmp_path / "nope", create=False)
    assert not (tmp_path / "nope").exists()


def test_corrupted_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "random.dedup"
    bad.write_bytes(np.random.default_rng(0).bytes(8192))
    with pytest.raises(IndexFileError, match="random.dedup: not an SQLite database"):
        Index.open(bad)


def test_damaged_index_is_a_clear_error(path):
    with Index.open(path) as ix:
        ix.add_many((i, story(i)) for i in range(50))
    data = bytearray(path.read_bytes())
    data[4096:] = np.random.default_rng(1).bytes(len(data) - 4096)  # keep the header, trash the pages
    path.write_bytes(bytes(data))
    with pytest.raises(IndexFileError, match="idx.dedup"):
        with Index.open(path) as ix:
            ix.check_many([story(i) for i in range(50)])
            ix.verify()


def test_foreign_sqlite_file_is_a_clear_error(tmp_path):
    other = tmp_path / "app.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE users(name TEXT)")
    con.commit()
    con.close()
    with pytest.raises(IndexFileError, match="another application"):
        Index.open(other)


def test_newer_schema_is_refused_and_migrations_run(path, monkeypatch):
    with Index.open(path) as ix:
        ix.add("a", BASE)
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version={sqlite_store.SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(IndexFileError, match="newer than this dedup supports"):
        Index.open(path)
    # pretend this dedup is one version ahead, with a migration from the file's version
    v = sqlite_store.SCHEMA_VERSION + 1
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version={v - 1}")
    con.close()
    monkeypatch.setattr(schema, "SCHEMA_VERSION", v)
    monkeypatch.setitem(schema.MIGRATIONS, v - 1, lambda c: c.execute("CREATE TABLE notes(x TEXT)"))
    monkeypatch.setattr(schema, "SCHEMA_OBJECTS", schema.SCHEMA_OBJECTS | {("table", "notes")})  # as its schema would
    with Index.open(path) as ix:
        assert ix.stats()["schema_version"] == v and ix.check(BASE).id == "a"
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM sqlite_master WHERE name='notes'").fetchone()[0] == 1
    con.close()
    monkeypatch.delitem(schema.MIGRATIONS, v - 1)
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version={v - 1}")
    con.close()
    with pytest.raises(IndexFileError, match=f"no migration from schema version {v - 1}"):
        Index.open(path)


def test_locked_index_times_out_with_clear_error(path):
    with Index.open(path) as ix:
        ix.add("a", BASE)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with Index.open(path, timeout=0.2) as ix:
            assert ix.check(BASE).id == "a"  # readers are not blocked (WAL)
            t = time.perf_counter()
            with pytest.raises(IndexLockedError, match="locked by another writer"):
                ix.add("b", story(1))
            assert time.perf_counter() - t >= 0.15
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# -- processes -------------------------------------------------------------------------------------------

_WRITER = textwrap.dedent(
    """
    import sys
    from dedup import Index
    path, start, flush = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with Index.open(path, n_jobs=1) as ix:
        ix.store.flush_entries = flush
        k = start
        while True:
            ix.add_many([(f"d{k + j}", f"document number {k + j} " + "x%d " % (k + j) * 40) for j in range(50)])
            k += 50
            print(k, flush=True)
    """
)


@pytest.mark.parametrize("flush", [10**9, 4000], ids=["log-only", "frequent-rewrites"])
def test_kill_minus_9_mid_batch_keeps_committed_and_stays_consistent(path, flush):
    """Killed inside a batch, or (with a rewrite of the base every ~2 batches) inside a rewrite."""
    with Index.open(path) as ix:
        ix.add("seed", BASE)
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), "0", str(flush)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        committed = 0
        while committed < 300:
            line = proc.stdout.readline()
            assert line, "writer died"
            committed = int(line)
        time.sleep(0.013)  # land somewhere inside a later batch
    finally:
        proc.kill()
        proc.wait()
    with Index.open(path) as ix:
        n = len(ix)
        assert n >= committed + 1 and (n - 1) % 50 == 0  # whole batches only
        assert all(f"d{k}" in ix for k in range(committed))
        assert ix.verify() == []
        assert ix.check(BASE).id == "seed"


_RACER = textwrap.dedent(
    """
    import sys, json, os, time, hashlib
    from dedup import Index
    path, who, go = sys.argv[1], sys.argv[2], float(sys.argv[3])
    base, flush, cache = sys.argv[4], int(sys.argv[5]), sys.argv[6] == "1"
    with Index.open(path, n_jobs=1, cache_signatures=cache) as ix:
        ix.store.flush_entries = flush
        ix.check("warm up")
        while time.time() < go:
            pass
        first = ix.check_and_add(f"dup-{who}", base + " Copy by " + who)
        added = 0
        for k in range(200):
            text = " ".join(hashlib.md5(f"{who}/{k}/{j}".encode()).hexdigest()[:10] for j in range(40))
            added += ix.check_and_add(f"{who}-{k}", text) is None
    print(json.dumps({"first": None if first is None else first.id, "added": added}))
    """
)


@pytest.mark.parametrize("flush", [10**9, 500], ids=["log-only", "frequent-rewrites"])
def test_two_processes_race_admit_one_duplicate_and_lose_nothing(path, flush):
    """Also with a rewrite of the base every few documents, and one racer caching signatures."""
    with Index.open(path) as ix:
        ix.add("seed", story(0))
    go = time.time() + 3.0
    procs = [
        subprocess.Popen([sys.executable, "-c", _RACER, str(path), who, str(go), BASE, str(flush), cache],
                         stdout=subprocess.PIPE, text=True, cwd=ROOT)
        for who, cache in (("a", "1"), ("b", "0"))
    ]
    outs = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert [o["added"] for o in outs] == [200, 200]
    firsts = sorted(o["first"] is None for o in outs)
    assert firsts == [False, True]  # exactly one admitted, the other matched it
    winner = "dup-a" if outs[0]["first"] is None else "dup-b"
    assert [o["first"] for o in outs if o["first"] is not None] == [winner]
    with Index.open(path) as ix:
        assert winner in ix and ("dup-a" in ix) + ("dup-b" in ix) == 1
        assert len(ix) == 1 + 1 + 400
        assert all(f"{w}-{k}" in ix for w in "ab" for k in range(200))
        assert ix.verify() == []


def test_an_error_while_reading_new_entries_leaves_no_doubled_entries(path):
    """An exception half way through reading a log row (here a MemoryError) makes the connection start
    over, rather than read the same row twice (which would distort the max_bucket cap)."""
    texts = [story(i) for i in range(2)]
    with Index.open(path, n_jobs=1, max_bucket=2) as a, Index.open(path, n_jobs=1) as b:
        b.check("warm up")
        a.add(0, texts[0])
        docs_map, append = b.store.bands.summaries, b.store.bands.summaries.append
        failed = []
        def flaky(*args):
            if not failed:
                failed.append(1)
                raise MemoryError("simulated")
            return append(*args)
        docs_map.append = flaky
        with pytest.raises(MemoryError):
            b.check(texts[0])
        assert b.stats()["band_entries"] == a.stats()["band_entries"] == a.band_columns + 1
        b.add(1, texts[0] + " And a short tail.")
    with Index.open(path, n_jobs=1) as fresh:
        assert fresh.verify() == []


def test_band_map_add_changes_nothing_when_it_fails(monkeypatch):
    m = bandmap.BandMap()
    m.add(np.array([5, 7], np.int64), np.array([1, 1], np.uint32))
    monkeypatch.setattr(bandmap, "merge_into", lambda *a: (_ for _ in ()).throw(MemoryError("simulated")))
    with pytest.raises(MemoryError):
        m.add(np.array([6, 8], np.int64), np.array([2, 2], np.uint32))
    keys, docs = m.lookup(np.array([5, 6, 7, 8], np.int64))
    assert keys.tolist() == [5, 7] and docs.tolist() == [1, 1] and m.entries == 2


def test_readers_and_writers_forget_deleted_documents_at_a_rewrite(path):
    """Inserting and expiring for a long time must not grow memory: a rewrite drops the deleted
    documents' entries and fingerprints, in the writer and in a connection that reads on."""
    with Index.open(path, n_jobs=1) as a, Index.open(path, n_jobs=1) as b:
        nb = a.band_columns + 1  # entries per document: one per band and its exact key
        b.check("warm up")
        for rnd in range(4):
            a.add_many((f"{rnd}-{i}", story(10 * rnd + i)) for i in range(3))
            if rnd:
                for i in range(3):
                    assert a.remove(f"{rnd - 1}-{i}")
            with a.store.write():
                a.store.bands.rewrite()
            for ix in (a, b):
                s = ix.stats()
                assert s["band_entries"] == 3 * nb and s["logged_band_entries"] == 0 and s["base_rewrites"] == rnd + 1
                assert ix.store.bands.map.entries == 3 * nb and ix.store.bands.map.dead.size == 0 and len(ix.store.bands.summaries) == 3
            assert [m.id if m else None for m in b.check_many([story(10 * rnd + i) for i in range(3)])] == [f"{rnd}-{i}" for i in range(3)]
        assert a.verify() == b.verify() == []


def test_version_3_index_with_a_damaged_signature_still_opens(path):
    with Index.open(path, n_jobs=1) as ix:
        ix.add_many([("a", BASE), ("b", story(1))])
    _downgrade(path, 3)
    con = sqlite3.connect(path)
    con.execute("UPDATE docs SET sig = x'00010203' WHERE id = '\"b\"'")
    con.commit()
    con.close()
    with Index.open(path, n_jobs=1) as ix:
        assert ix.check(BASE).id == "a" and len(ix.store.bands.summaries) == 1
        with pytest.raises(IndexFileError, match="stored signatures have 1 values"):
            ix.check(story(1))
        assert ix.remove("b") and ix.check(story(1)) is None


def test_damaged_old_index_is_a_clear_error_when_migrating(path):
    with Index.open(path, n_jobs=1) as ix:
        ix.store.flush_entries = 10**9
        ix.add("a", BASE)  # in the log: a pending row once downgraded
    _downgrade(path, 2)
    con = sqlite3.connect(path)
    con.execute("UPDATE pending SET docs = x'0102'")
    con.commit()
    con.close()
    with pytest.raises(IndexFileError, match=r"idx\.dedup: pending band entries are malformed"):
        Index.open(path, n_jobs=1)
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 2  # the failed migration changed nothing
    con.close()
