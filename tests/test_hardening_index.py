"""Hardening of dedup.Index from the attack review (issue 18): typed errors, never a raw exception."""

import json
from pathlib import Path

import pytest

from dedup.errors import InputError
from dedup.index import Index

ROOT = Path(__file__).resolve().parent.parent

TEXT = "The city council approved the budget for road repairs on Tuesday after a long debate about potholes."


@pytest.fixture
def index(tmp_path):
    with Index.open(tmp_path / "idx.dedup", n_jobs=1) as ix:
        yield ix


def _deep(n):
    m = []
    for _ in range(n):
        m = [m]
    return m


# -- ids and metadata the API cannot store (item: 10**5000, meta 100,000 deep) ---------------------


@pytest.mark.parametrize("call", ["add", "check_and_add", "add_many", "check_and_add_many", "contains", "remove"])
def test_huge_integer_id_is_an_input_error(index, call):
    big = 10**5000
    with pytest.raises(InputError, match="integer id too large") as err:
        if call == "add":
            index.add(big, TEXT)
        elif call == "check_and_add":
            index.check_and_add(big, TEXT)
        elif call == "add_many":
            index.add_many([("ok", TEXT + " one"), (big, TEXT)])
        elif call == "check_and_add_many":
            index.check_and_add_many([{"id": big, "text": TEXT}])
        elif call == "contains":
            big in index  # noqa: B015
        else:
            index.remove(-big)
    assert "<integer of 16610 bits>" in str(err.value)
    assert len(index) == 0


def test_long_integer_id_within_the_limit_round_trips(index):
    big = 10**999
    assert index.check_and_add(big, TEXT) is None
    assert big in index and index.check(TEXT).id == big


@pytest.mark.parametrize("call", ["add", "check_and_add", "add_many"])
def test_deeply_nested_meta_is_an_input_error(index, call):
    meta = _deep(100_000)
    with pytest.raises(InputError, match="nested too deeply") as err:
        if call == "add":
            index.add("doc-7", TEXT, meta)
        elif call == "check_and_add":
            index.check_and_add("doc-7", TEXT, meta)
        else:
            index.add_many([{"id": "doc-7", "text": TEXT, "meta": meta}])
    assert "'doc-7'" in str(err.value) and len(index) == 0


def test_lone_surrogates_in_id_and_meta_round_trip(index):
    index.add("\ud800x", TEXT, {"m": "\udc00"})
    assert "\ud800x" in index
    m = index.check(TEXT)
    assert m.id == "\ud800x" and m.meta == {"m": "\udc00"}
    assert index.remove("\ud800x") and len(index) == 0


# -- one Index, two threads (item: "the error says the file is corrupted") ----------------------------


def test_index_used_from_another_thread_says_so(index):
    import threading

    from dedup.index import IndexThreadError

    index.add("a", TEXT)
    errors = []

    def use():
        for call in (lambda: index.check(TEXT), lambda: len(index), lambda: index.add("b", TEXT + " more"),
                     lambda: index.verify(), lambda: index.stats(), lambda: "a" in index, lambda: index.close()):
            try:
                call()
                errors.append(None)
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

    t = threading.Thread(target=use)
    t.start()
    t.join()
    assert len(errors) == 7
    for exc in errors:
        assert type(exc) is IndexThreadError, repr(exc)
        assert "belongs to the thread that opened it" in str(exc) and "corrupted" not in str(exc)
    # the owning thread goes on as before; another thread with its own Index works too
    assert len(index) == 1 and index.check(TEXT).id == "a" and index.verify() == []
    seen = []

    def own():
        with Index.open(index.path, n_jobs=1) as mine:
            seen.append(mine.check(TEXT).id)

    t = threading.Thread(target=own)
    t.start()
    t.join()
    assert seen == ["a"]


# -- empty files are not indexes (item: ": > z.dedup; dedup index stats" wrote a schema) ---------------


def _read_only_calls(path):
    def stats():
        with Index.open(path, create=False) as ix:
            return ix.stats()

    def query():
        with Index.open(path, create=False) as ix:
            return ix.check(TEXT)

    def verify():
        with Index.open(path, create=False) as ix:
            return ix.verify()

    return [stats, query, verify]


def test_empty_file_is_not_an_index(tmp_path):
    from dedup.index import IndexFileError

    z = tmp_path / "z.dedup"
    z.write_bytes(b"")
    for call in _read_only_calls(z):
        with pytest.raises(IndexFileError, match="empty file, not an index"):
            call()
    # asked to create: refused too (it may be an index truncated to nothing)
    with pytest.raises(IndexFileError, match="empty file, not an index"):
        Index.open(z)
    assert z.read_bytes() == b"" and sorted(p.name for p in tmp_path.iterdir()) == ["z.dedup"]


def test_populated_index_truncated_to_zero_is_refused(tmp_path):
    from dedup.index import IndexFileError

    p = tmp_path / "p.dedup"
    with Index.open(p, n_jobs=1) as ix:
        ix.add_many([(i, f"{TEXT} number {i} of many") for i in range(20)])
    for extra in ("-wal", "-shm"):
        (tmp_path / ("p.dedup" + extra)).unlink(missing_ok=True)
    p.write_bytes(b"")
    with pytest.raises(IndexFileError, match="empty file"):  # what `dedup filter` opens with
        Index.open(p, create=True)
    assert p.read_bytes() == b""


def test_sqlite_file_without_an_index_is_not_initialized_by_readers(tmp_path):
    import sqlite3

    from dedup.index import IndexFileError

    p = tmp_path / "half.dedup"  # a creation interrupted after the header, before the schema
    con = sqlite3.connect(p)
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    before = p.read_bytes()
    for call in _read_only_calls(p):
        with pytest.raises(IndexFileError, match="no index in it"):
            call()
    assert p.read_bytes() == before
    with Index.open(p, n_jobs=1) as ix:  # a creator finishes the job
        ix.add("a", TEXT)
    with Index.open(p, create=False) as ix:
        assert len(ix) == 1


def test_missing_file_read_only_creates_nothing(tmp_path):
    from dedup.index import IndexFileError

    for call in _read_only_calls(tmp_path / "none.dedup"):
        with pytest.raises(IndexFileError, match="no such index"):
            call()
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_an_empty_index_file(tmp_path):
    import subprocess
    import sys

    z = tmp_path / "z.dedup"
    z.write_bytes(b"")
    doc = tmp_path / "d.jsonl"
    doc.write_text(json.dumps({"id": 1, "text": TEXT}) + "\n")
    for args in (["index", "stats"], ["index", "query", str(doc)], ["filter", str(doc)]):
        r = subprocess.run([sys.executable, "-m", "dedup", *args, "--index", str(z)], capture_output=True, text=True, timeout=120)
        assert r.returncode == 1 and r.stdout == "", (args, r)
        assert "empty file, not an index" in r.stderr and "Traceback" not in r.stderr
    assert z.read_bytes() == b"" and sorted(p.name for p in tmp_path.iterdir()) == ["d.jsonl", "z.dedup"]


# -- verify() after remove/expire in a hot bucket (item: "295 band entries missing" on a healthy index) ---


def test_verify_clean_after_removing_from_a_hot_bucket(tmp_path):
    p = tmp_path / "hot.dedup"
    with Index.open(p, n_jobs=1, max_bucket=3) as ix:
        ix.add_many([(i, TEXT) for i in range(12)])  # one bucket per band, all over the cap (and the exact key's:
        keys = ix.band_columns + 1  # add does not check, so it caps that one too)
        s = ix.stats()
        assert s["capped_buckets"] == keys and s["band_entries"] == 3 * keys
        assert ix.verify() == []
        assert ix.remove(0) and ix.remove(5)  # one filed, one not
        assert ix.verify() == [], "the unfiled documents were explained by the cap when they were added"
        assert ix.stats()["capped_buckets"] == 0
        ix.add_many([(100, TEXT), (101, TEXT)])  # refills to the cap
        assert ix.verify() == [] and ix.stats()["capped_buckets"] == keys
        for i in (1, 2, 100, 101):
            ix.remove(i)
        problems = ix.verify()  # no damage, but the 8 copies left are filed nowhere: verify says so
        assert len(problems) == 1 and problems[0].startswith("8 documents (1 distinct text) filed under none of their LSH band keys")
        assert "exact copies do for 0 of the 1 " in problems[0] and ix.stats()["band_entries"] == 0
        assert ix.check(TEXT) is None  # no filed copy left (the cap's known cost, for unchecked adds)
        assert ix.expire(0) == 8 and ix.verify() == [] and len(ix) == 0


def test_verify_still_finds_lost_entries_in_a_capped_bucket(tmp_path):
    """Without deletions, an unfiled document is explained only by a full bucket."""
    import sqlite3

    p = tmp_path / "lost.dedup"
    with Index.open(p, n_jobs=1, max_bucket=3) as ix:
        ix.add_many([(i, TEXT) for i in range(2)])
        ix.add_many([(i, TEXT) for i in range(2, 6)])
    con = sqlite3.connect(p)
    con.execute("DELETE FROM log WHERE seq = (SELECT max(seq) FROM log)")  # the second batch's entries
    con.commit()
    con.close()
    with Index.open(p, n_jobs=1) as ix:
        problems = ix.verify()
        assert any("band entries missing" in m for m in problems), problems


# -- texts without shingles: exact copies always match (item: "..." twice, "" twice, emoji-only) -------

WORDLESS = ["...", "", "🙂🙂", "!!!", "   ", "🙂"]


def test_cluster_groups_exact_copies_of_wordless_texts():
    import numpy as np

    import dedup
    from dedup import Deduplicator
    from dedup.cluster import duplicate_groups

    texts = ["...", "", "🙂🙂", "...", "", "🙂🙂", "!!!", TEXT, TEXT, "🙂"]
    labels = dedup.cluster(texts)
    assert labels.tolist() == [0, 1, 2, 0, 1, 2, 6, 7, 7, 9]
    for verify_text in (True, False):
        d = Deduplicator(n_jobs=1, verify_text=verify_text)
        d.add_many(enumerate(texts))
        c = d.clusters()
        assert c.labels.tolist() == labels.tolist() and c.similarity.tolist() == [1.0] * len(texts)
        assert d.query("...") == [(0, 1.0), (3, 1.0)] and d.query("?") == []
    # the order of the documents does not matter: a group's first document leads it
    node, counts = duplicate_groups(np.zeros((4, 8), np.uint32), np.zeros(4, np.int64), {0: "a", 1: "b", 2: "a", 3: "b"})
    assert node.tolist() == [0, 1, 0, 1] and counts.tolist() == [2, 2]
    node, _ = duplicate_groups(np.zeros((2, 8), np.uint32), np.zeros(2, np.int64))  # no texts given: apart
    assert node.tolist() == [0, 1]


@pytest.mark.parametrize("verify_text", [True, False])
def test_index_finds_exact_copies_of_wordless_texts(tmp_path, verify_text):
    p = tmp_path / f"w{verify_text}.dedup"
    with Index.open(p, n_jobs=1, verify_text=verify_text) as ix:
        got = ix.check_and_add_many([(i, t) for i, t in enumerate(WORDLESS)] + [(100, "..."), (101, "")])
        assert got[: len(WORDLESS)] == [None] * len(WORDLESS)
        assert [m.id for m in got[len(WORDLESS):]] == [0, 1]  # copies inside the batch
        for k, t in enumerate(WORDLESS):  # and stored ones, by check and check_and_add, in later transactions
            assert ix.check(t).id == k and ix.check(t).similarity == 1.0
            assert ix.check_and_add(200 + k, t).id == k
        assert ix.check("?!") is None and ix.check_and_add(300, "?!") is None
        assert len(ix) == len(WORDLESS) + 1 and ix.verify() == []
        ix.add_many([(400 + i, "...") for i in range(12)])  # unchecked copies, over the cap
        assert ix.check("...").id == 0 and ix.verify() == []
        assert ix.remove(0) and ix.check("...").id == 400 and ix.verify() == []
        # same id, other wordless text: not alike
        m = ix.check_and_add_many([(1, "~~")], on_duplicate_id="skip")[0]
        assert m.id == 1 and not m.near_duplicate
    with Index.open(p, create=False) as ix:  # found after reopening
        assert ix.check("").id == 1 and ix.verify() == []


def test_index_schema_5_golden_file_migrates_wordless_documents(tmp_path):
    """tests/golden/index_v5_wordless.dedup was written by schema 5 (max_bucket=2, verify_text on): ids words,
    dots, smile, empty, dots2, dots3, bang; its wordless documents had no band entry."""
    import shutil
    import sqlite3

    from dedup.store import sqlite as sqlite_store

    p = tmp_path / "v5.dedup"
    shutil.copy(ROOT / "tests" / "golden" / "index_v5_wordless.dedup", p)
    con = sqlite3.connect(p)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 5
    con.close()
    with Index.open(p, n_jobs=1) as ix:
        s = ix.stats()
        assert s["schema_version"] == sqlite_store.SCHEMA_VERSION == 6 and s["documents"] == 7
        assert s["band_entries"] == ix.band_columns + 5  # "...": two under the cap of 2, the others one each
        assert ix.check("...").id == "dots" and ix.check("").id == "empty" and ix.check("🙂🙂").id == "smile"
        assert ix.check("!!!").id == "bang" and ix.check(TEXT).id == "words" and ix.check("?") is None
        assert ix.verify() == []
        assert ix.remove("dots") and ix.check("...").id == "dots2" and ix.verify() == []


# -- 2**32 inserts over an index's lifetime (item: refused inserts even when nearly empty) --------------


def _story(k):
    import numpy as np

    rng = np.random.default_rng(k)
    return " ".join(f"w{int(x)}" for x in rng.integers(0, 5000, 60))


def test_index_renumbers_rows_near_the_uint32_limit(tmp_path):
    import sqlite3

    from dedup.store import bandmap

    p = tmp_path / "old.dedup"
    with Index.open(p, n_jobs=1, max_bucket=3):
        pass
    con = sqlite3.connect(p)  # as if 2**32 - 20 inserts had been made: the counter, not 4 billion rows
    con.execute("INSERT INTO meta(key, value) VALUES ('row_high', ?)", (str(bandmap.ROW_LIMIT - 20),))
    con.commit()
    con.close()
    _renumbering(p, bandmap.ROW_LIMIT, cache_signatures=False)


def test_renumbering_drops_other_connections_signature_caches(tmp_path, monkeypatch):
    """The same at a limit of 64 rows, so that another connection can cache signatures (a dense array by row)."""
    import sqlite3

    from dedup.store import bandmap

    monkeypatch.setattr(bandmap, "ROW_LIMIT", 64)
    p = tmp_path / "small.dedup"
    with Index.open(p, n_jobs=1, max_bucket=3):
        pass
    con = sqlite3.connect(p)
    con.execute("INSERT INTO meta(key, value) VALUES ('row_high', ?)", (str(64 - 20),))
    con.commit()
    con.close()
    _renumbering(p, 64, cache_signatures=True)


def _renumbering(p, limit, cache_signatures):
    with Index.open(p, n_jobs=1, cache_signatures=cache_signatures) as other, Index.open(p, n_jobs=1) as ix:
        ix.add_many([(i, _story(i)) for i in range(5)])
        ix.add_many([(f"c{i}", TEXT) for i in range(5)] + [("dots", "..."), ("dots2", "...")])  # a hot bucket, wordless
        assert other.check(_story(1)).id == 1  # holds the base and the signatures of this numbering
        assert ix.remove(0) and ix.remove("c0")
        ix.add_many([(f"n{i}", _story(100 + i)) for i in range(7)])  # rows up to 2**32 - 1: the last ones
        assert ix.store.count() == 17 and ix.verify() == []
        assert ix.store.conn.execute("SELECT max(row) FROM docs").fetchone()[0] == limit - 1
        ix.add_many([(f"m{i}", _story(200 + i)) for i in range(3)])  # past the limit: renumbered 1..17, then 18..20
        assert ix.store.conn.execute("SELECT max(row), count(*) FROM docs").fetchone() == (20, 20)
        assert ix.verify() == [], "renumbered documents, entries and texts agree (the hot bucket's gaps remembered)"
        for k in range(1, 5):
            assert ix.check(_story(k)).id == k and other.check(_story(k)).id == k
        for i in range(7):
            assert ix.check(_story(100 + i)).id == f"n{i}" and other.check(_story(100 + i)).id == f"n{i}"
        for i in range(3):
            assert other.check(_story(200 + i)).id == f"m{i}"
        assert ix.check(TEXT).id == "c1" and other.check("...").id == "dots" and ix.check(_story(0)) is None
        assert ix.check_and_add("again", _story(300)) is None and other.check(_story(300)).id == "again"
        assert other.verify() == [] and len(other) == 21
    with Index.open(p, create=False) as ix:
        assert ix.verify() == [] and ix.check(_story(4)).id == 4


# -- trusting its own file (item: 8 changed bytes make `check` allocate 11 GB) -------------------------


def _small_index(p, **kw):
    with Index.open(p, n_jobs=1, **kw) as ix:
        ix.add_many([(i, _story(i)) for i in range(6)])
    for extra in ("-wal", "-shm"):
        Path(str(p) + extra).unlink(missing_ok=True)


def _edit(p, *stmts):
    import sqlite3

    con = sqlite3.connect(p)
    for s in stmts:
        con.execute(*s) if isinstance(s, tuple) else con.execute(s)
    con.commit()
    con.close()


def test_a_huge_stored_row_number_is_damage_not_an_allocation(tmp_path):
    import numpy as np

    from dedup.index import IndexFileError

    p = tmp_path / "rows.dedup"
    _small_index(p)
    import sqlite3

    con = sqlite3.connect(p)
    seq, rows = con.execute("SELECT seq, rows FROM log ORDER BY seq LIMIT 1").fetchone()
    con.close()
    r = np.frombuffer(rows, "<i8").copy()
    r[-1] = 3_000_000_000  # 8 bytes: the dense map from row to fingerprint would take 12 GB
    _edit(p, ("UPDATE log SET rows = ? WHERE seq = ?", (r.tobytes(), seq)))
    with Index.open(p, n_jobs=1, create=False) as ix, pytest.raises(IndexFileError, match="3000000000") as err:
        ix.check(_story(1))
    assert str(p) in str(err.value) and "damaged" in str(err.value)


def test_a_huge_document_row_is_damage_not_a_signature_cache(tmp_path):
    from dedup.index import IndexFileError

    p = tmp_path / "docrow.dedup"
    _small_index(p)
    _edit(p, "UPDATE docs SET row = 3000000000 WHERE row = (SELECT max(row) FROM docs)")
    with Index.open(p, n_jobs=1, create=False, cache_signatures=True) as ix, pytest.raises(IndexFileError, match="3000000000") as err:
        ix.check(_story(1))
    assert str(p) in str(err.value)


@pytest.mark.parametrize(
    "damage, what",
    [
        ("UPDATE docs SET id = 'not json' WHERE row = 2", "id"),
        ("UPDATE docs SET id = '[1, 2]' WHERE row = 2", "id"),
        ("UPDATE docs SET meta = '{oops' WHERE row = 2", "meta"),
        ("UPDATE docs SET meta = '" + "[" * 100_000 + "]" * 100_000 + "' WHERE row = 2", "meta"),
        ("UPDATE docs SET size = 'abc' WHERE row = 2", "size"),
        ("UPDATE docs SET size = 1.5 WHERE row = 2", "size"),
    ],
    ids=["id-text", "id-list", "meta-text", "meta-deep", "size-text", "size-real"],
)
@pytest.mark.parametrize("cache", [False, True])
def test_stored_values_that_do_not_parse_are_damage(tmp_path, damage, what, cache):
    from dedup.index import IndexFileError

    p = tmp_path / "vals.dedup"
    _small_index(p)
    _edit(p, damage)
    with Index.open(p, n_jobs=1, create=False, cache_signatures=cache) as ix:
        calls = [lambda: ix.check(_story(1)), lambda: ix.verify(), lambda: ix.expire(0)]
        for call in calls if what != "size" else calls[:1] + calls[2:]:
            with pytest.raises(IndexFileError, match=f"stored {what} of document \\(internal row\\) 2") as err:
                call()
            assert str(p) in str(err.value) and "damaged" in str(err.value)


@pytest.mark.parametrize(
    "plant, name",
    [
        ("CREATE TRIGGER wipe AFTER INSERT ON docs BEGIN DELETE FROM texts; END", "trigger wipe"),
        ("CREATE TRIGGER keep BEFORE DELETE ON docs BEGIN SELECT RAISE(IGNORE); END", "trigger keep"),
        ("CREATE VIEW peek AS SELECT id FROM docs", "view peek"),
        ("CREATE TABLE extra(x)", "table extra"),
        ("CREATE INDEX docs_size ON docs(size)", "index docs_size"),
    ],
    ids=["trigger-insert", "trigger-delete", "view", "table", "index"],
)
def test_schema_objects_the_index_does_not_define_are_refused(tmp_path, plant, name):
    """A trigger planted in the file ran on the user's writes, and verify() stayed clean: now no open trusts it."""
    from dedup.index import IndexFileError

    p = tmp_path / "plant.dedup"
    _small_index(p, verify_text=True)
    _edit(p, plant)
    before = p.read_bytes()
    for create in (False, True):
        with pytest.raises(IndexFileError, match="not defined by the index schema") as err:
            Index.open(p, n_jobs=1, create=create)
        assert str(p) in str(err.value) and name in str(err.value) and "DROP" in str(err.value)
    assert p.read_bytes() == before
    import sqlite3

    con = sqlite3.connect(p)
    assert con.execute("SELECT count(*) FROM texts").fetchone()[0] == 6  # nothing the plant does has run
    con.close()
    kind, obj = name.split()
    _edit(p, f"DROP {kind.upper()} {obj}")  # what the message says to do
    with Index.open(p, n_jobs=1) as ix:
        ix.add("new", TEXT)
        assert ix.verify() == [] and ix.store.count_texts() == 7


def test_a_migrated_index_has_only_its_schema(tmp_path):
    import sqlite3

    from dedup.store import sqlite as sqlite_store

    p = tmp_path / "fresh.dedup"
    _small_index(p)
    con = sqlite3.connect(p)
    names = {(t, n) for t, n in con.execute("SELECT type, name FROM sqlite_master")}
    con.close()
    assert names <= sqlite_store.SCHEMA_OBJECTS
