"""Issue 18, "An index that an attacker can blind": crafted documents fill every LSH bucket of a text X.

The MinHash seed is public and ``max_bucket`` caps each bucket (8), so ~549 documents of ~100 characters,
each holding one band's worth of X between filler words (``blinding.craft``), fill every bucket X will
use; none is a near-duplicate of anything. Under key scheme v1 (band keys only) X was then filed under
none of its 61 keys: ``check(X)`` returned None right after admitting it, every later exact copy was
admitted, and ``verify()`` was clean. Now every document is also filed under its exact key (a keyed
hash of its signature and size), which the cap does not apply to for admitted documents, and
``verify()`` names documents filed under no band key.
"""

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from blinding import craft, target
from cli_helpers import run_inproc

from dedup.index import KEY_SCHEME, KEY_SCHEME_V1, SALT_BYTES, Index, band_keys, exact_keys, wordless_key
from dedup.lsh import LSH

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "index_v6_keys_v1.dedup"
X = target()

#: The bucket cap of the report (the default then): the attack needs cap + 1 documents per band, at any cap.
CAP = 8


# -- the key scheme's values: a silent change would orphan every entry of every index file -----------------


def test_key_scheme_golden_values():
    assert KEY_SCHEME == "lsh-band-key-xor-salt-v1+exact-key-blake2b-v1" and KEY_SCHEME_V1 == "lsh-band-key-xor-salt-v1"
    sig = ((np.arange(256, dtype=np.uint64) * 2654435761 + 12345) % 2**32).astype(np.uint32)[None, :]
    keys = band_keys(LSH(0.35, 256, bands=61, rows=4), sig)[0]
    assert keys.dtype == np.int64 and keys.shape == (61,)
    assert keys[:3].tolist() == [8895343509949288867, 9219015810356863184, 2998253607823526973]
    assert int(keys[-1]) == -159194380657087251
    salt = bytes(range(SALT_BYTES))
    got = exact_keys(salt, np.vstack([sig, sig]), np.array([789, 790]))
    assert got.dtype == np.int64 and got.tolist() == [6048863257981602968, -3802780522264517521]
    # the definition: keyed BLAKE2b-64 of the size (int64 LE) and the signature (uint32 LE)
    h = hashlib.blake2b(np.int64(789).astype("<i8").tobytes() + sig[0].astype("<u4").tobytes(), digest_size=8, key=salt, person=b"dedup-exact")
    assert int.from_bytes(h.digest(), "little", signed=True) == got[0]
    assert exact_keys(bytes(SALT_BYTES), sig, np.array([789]))[0] != got[0]  # another index, another key
    assert wordless_key("...") == -4355377434802550030


def test_a_new_index_has_its_own_secret_salt(tmp_path):
    salts = []
    for name in ("a", "b"):
        with Index.open(tmp_path / f"{name}.dedup", n_jobs=1, max_bucket=CAP) as ix:
            stats = json.dumps(ix.stats())
        con = sqlite3.connect(tmp_path / f"{name}.dedup")
        config = json.loads(con.execute("SELECT value FROM meta WHERE key='config'").fetchone()[0])
        con.close()
        assert config["key_scheme"] == KEY_SCHEME and len(bytes.fromhex(config["exact_key_salt"])) == SALT_BYTES
        assert f'"key_scheme": "{KEY_SCHEME}"' in stats and config["exact_key_salt"] not in stats  # stats keep it secret
        salts.append(config["exact_key_salt"])
    assert salts[0] != salts[1]


@pytest.mark.parametrize("damage", ["'zz'", "'00'", "NULL"])
def test_a_damaged_salt_is_an_index_file_error(tmp_path, damage):
    from dedup.store import IndexFileError

    p = tmp_path / "s.dedup"
    with Index.open(p, n_jobs=1):
        pass
    con = sqlite3.connect(p)
    con.execute(f"UPDATE meta SET value = json_set(value, '$.exact_key_salt', {damage}) WHERE key = 'config'")
    con.commit()
    con.close()
    with pytest.raises(IndexFileError, match="exact_key_salt is missing or invalid"):
        Index.open(p)


# -- the attack ------------------------------------------------------------------------------------------


def _v1(path, monkeypatch):
    """An index of key scheme v1 that stays v1 when written to (as before exact keys existed)."""
    with Index.open(path, n_jobs=1, max_bucket=CAP):
        pass
    con = sqlite3.connect(path)
    config = json.loads(con.execute("SELECT value FROM meta WHERE key='config'").fetchone()[0])
    config["key_scheme"] = KEY_SCHEME_V1
    del config["exact_key_salt"]
    del config["containment_levels"]  # (key scheme v1 files are older than them)
    con.execute("UPDATE meta SET value = ? WHERE key = 'config'", (json.dumps(config, sort_keys=True),))
    con.commit()
    con.close()
    monkeypatch.setattr(Index, "_upgrade_keys", lambda self: None)


def _attack(ix):
    """Admit the crafted documents, then X; returns X's band keys."""
    nb, rows = ix.bands
    assert (nb, rows, ix.max_bucket) == (61, 4, CAP)
    docs = craft(ix._engine, nb, rows, X, ix.max_bucket + 1)
    assert len(docs) == 549 and max(map(len, docs)) < 200
    assert ix.check_and_add_many([(f"c{i}", t) for i, t in enumerate(docs)]) == [None] * 549  # none is a near-duplicate
    assert ix.check_and_add("x", X) is None
    return band_keys(ix._lsh, ix._engine.sign([X])[0])[0]


def _filed_under(ix, keys):
    row = ix.store.rows_of([json.dumps("x")])[json.dumps("x")]
    with ix.store.read():
        hk, hr = ix.store.lookup(np.asarray(keys, dtype=np.int64))
    return int(np.unique(hk[hr == row]).size)


def _filter_copies(path):
    copies = "".join(json.dumps({"id": f"copy-{k}", "text": X}) + "\n" for k in range(20)).encode()
    r = run_inproc("filter", "--index", str(path), "--batch-size", "1", "-", stdin=copies)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode().splitlines(), r.stderr.decode()


def test_the_attack_blinds_an_index_of_key_scheme_v1(tmp_path, monkeypatch):
    """The report, reproduced: X filed under 0 of its 61 keys, check(X) None, 20 of 20 copies through."""
    p = tmp_path / "v1.dedup"
    _v1(p, monkeypatch)
    with Index.open(p, n_jobs=1) as ix:
        keys = _attack(ix)
        assert ix.stats()["key_scheme"] == KEY_SCHEME_V1
        assert _filed_under(ix, keys) == 0 and ix.check(X) is None
    out, _ = _filter_copies(p)
    assert len(out) == 20  # every exact copy admitted
    with Index.open(p, n_jobs=1) as ix:
        s = ix.stats()
        assert s["capped_buckets"] >= 61 and s["documents"] == 570
        problems = ix.verify()  # (key scheme v1 said nothing here)
        assert len(problems) == 1 and problems[0].startswith("21 documents (1 distinct text) filed under none of their LSH band keys")
        assert "exact copies do for 0 of the 1 " in problems[0]


def test_the_attack_fails_on_a_new_index(tmp_path):
    p = tmp_path / "new.dedup"
    with Index.open(p, n_jobs=1, max_bucket=CAP) as ix:
        keys = _attack(ix)
        assert _filed_under(ix, keys) == 0  # the band buckets are still full ...
        assert _filed_under(ix, exact_keys(ix._salt, *ix._engine.sign([X]))) == 1  # ... but X has its exact key
        m = ix.check(X)
        assert m is not None and m.id == "x" and m.similarity == 1.0  # found right after admitting it
    out, err = _filter_copies(p)
    assert out == [] and "20 documents, 0 kept, 20 dropped" in err  # every exact copy dropped
    with Index.open(p, n_jobs=1) as ix:
        s = ix.stats()
        assert s["capped_buckets"] >= 61 and s["documents"] == 550
        # The attack filled X's Jaccard band buckets, not those of the length-ratio levels (containment
        # candidates), which file X too: its near-duplicates of other lengths still find it, so X is not blind.
        levels = band_keys(ix._lsh, ix._engine.sign([X])[0], ix._levels)[0][ix.bands[0]:]
        assert len(levels) == ix.band_columns - ix.bands[0] > 0 and _filed_under(ix, levels) > 0
        assert ix.verify() == []
    r = run_inproc("index", "stats", "--index", str(p))
    assert r.returncode == 0 and json.loads(r.stdout)["capped_buckets"] == s["capped_buckets"]


def test_the_attack_fails_inside_one_batch(tmp_path):
    """Crafted documents, X and its copies in one transaction: the copies find X although no band bucket pairs them."""
    with Index.open(tmp_path / "batch.dedup", n_jobs=1, max_bucket=CAP) as ix:
        docs = craft(ix._engine, *ix.bands, X, ix.max_bucket + 1)
        got = ix.check_and_add_many([(f"c{i}", t) for i, t in enumerate(docs)] + [("x", X)] + [(f"copy-{k}", X) for k in range(5)])
        assert got[:550] == [None] * 550 and [m.id for m in got[550:]] == ["x"] * 5
        assert ix.check(X).id == "x"


def test_add_caps_the_exact_key_and_check_and_add_does_not(tmp_path):
    """Unchecked copies (add) are filed under the exact key while its bucket is below the cap, like band keys;
    a document check_and_add admits always is (there, only documents the rule told apart from it share it)."""
    text = "the city council approved the budget for road repairs on tuesday after a long debate"
    with Index.open(tmp_path / "cap.dedup", n_jobs=1, max_bucket=2) as ix:
        ix.add_many([(i, text) for i in range(4)])
        assert _exact_entries(ix, text) == [0, 1]
        ix.remove(0)
        assert ix.check(text).id == 1
        ix.remove(1)
        assert ix.check(text) is None  # no copy filed anywhere is left (the cap's cost for unchecked adds)
        assert ix.check_and_add("again", text) is None and ix.check(text).id == "again"
        assert _exact_entries(ix, text) == ["again"]


def _exact_entries(ix, text):
    with ix.store.read():
        _, rows = ix.store.lookup(exact_keys(ix._salt, *ix._engine.sign([text])))
        return sorted((json.loads(i) for i in ix.store.fetch(rows).ids), key=str)


# -- files of key scheme v1: read as they are, upgraded by their first insert --------------------------------


@pytest.fixture
def golden(tmp_path):
    """tests/golden/index_v6_keys_v1.dedup (see make_index_v6_keys_v1.py): written by key scheme v1, X blinded."""
    p = tmp_path / "v1.dedup"
    shutil.copy(GOLDEN, p)
    return p


def _digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_v1_file_is_read_without_writing_and_decides_as_before(golden):
    from golden.make_index_v6_keys_v1 import COPY, STORY

    before = _digest(golden)
    with Index.open(golden, create=False, n_jobs=1) as ix:
        s = ix.stats()
        assert s["key_scheme"] == KEY_SCHEME_V1 and s["documents"] == 30 and ix.bands == (8, 2)
        assert s["band_entries"] == 204  # 8 per document, less the full buckets' (x: all 8, copy-2: all 8), dots: 1
        assert ix.check(X) is None  # as before: X is blinded
        assert ix.check(STORY).id == "story" and ix.check(COPY).id == "copy-0" and ix.check("...").id == "dots"
        problems = ix.verify()
        assert len(problems) == 1 and "exact copies do for 0 of the 1 " in problems[0]
    assert _digest(golden) == before and not Path(f"{golden}-wal").exists()


def test_v1_file_gets_exact_keys_at_its_first_insert(golden):
    from golden.make_index_v6_keys_v1 import COPY

    with Index.open(golden, n_jobs=1) as other:  # opened before the upgrade, reads on after it
        assert other.check(X) is None
        with Index.open(golden, n_jobs=1) as ix:
            entries = ix.stats()["band_entries"]
            m = ix.check_and_add("x-copy", X)  # v1 finds nothing, so it upgrades, and decides again: X found
            assert m is not None and m.id == "x" and "x-copy" not in ix
            s = ix.stats()
            # 24 crafted, x, story, copy-0 and copy-1 get their exact key (copy-2: over the cap of 2, as add would)
            assert s["key_scheme"] == KEY_SCHEME and s["band_entries"] == entries + 28
            assert ix.check(X).id == "x" and ix.check(COPY).id == "copy-0"
            problems = ix.verify()
            assert len(problems) == 1 and "exact copies do for 1 of the 1 " in problems[0]
        assert other.check(X).id == "x" and other.stats()["key_scheme"] == KEY_SCHEME
        assert other.check_and_add("x-copy-2", X).id == "x"
    con = sqlite3.connect(golden)
    config = json.loads(con.execute("SELECT value FROM meta WHERE key='config'").fetchone()[0])
    con.close()
    assert config["key_scheme"] == KEY_SCHEME and len(bytes.fromhex(config["exact_key_salt"])) == SALT_BYTES
    assert config["params"]["num_perm"] == 16 and config["max_bucket"] == 2  # the rest as it was


def test_a_rolled_back_upgrade_leaves_the_file_v1(golden):
    with Index.open(golden, n_jobs=1) as ix:
        def fail(results):
            raise RuntimeError("output failed")

        with pytest.raises(RuntimeError):
            ix.check_and_add_many([("new", "a new text that nothing in the index is like at all")], before_commit=fail)
        assert ix._salt is None and ix.stats()["key_scheme"] == KEY_SCHEME_V1 and ix.check(X) is None
    with Index.open(golden, n_jobs=1) as ix:
        assert ix.stats()["key_scheme"] == KEY_SCHEME_V1
        ix.add("new", "a new text that nothing in the index is like at all")  # add upgrades too
        assert ix.stats()["key_scheme"] == KEY_SCHEME and ix.check(X).id == "x"
        assert len(ix.verify()) == 1
