"""dedup.Index decides every pair like the Deduplicator, the text alignment (stage 2) included."""

import json
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_inproc
from test_cluster import EUROBOND, OTHER_EUROBOND
from test_index import BASE, _downgrade, story, table

import dedup
from dedup.index import Index
from dedup.store import IndexFileError, ParamsMismatchError, codec
from dedup.store import sqlite as sqlite_store

ROOT = Path(__file__).resolve().parent.parent

# One announcement template. FILL has other names in it: its signatures pass the thresholds
# (no figures for the number rule to see), the alignment calls it a template fill. PART is a real
# reprint of ANNOUNCEMENT (its first two sentences under a new lead), less similar than FILL to it
# by signatures, and itself a fill of FILL.
TEMPLATE = (
    "{a} said on Tuesday that its chairman {b} will step down at the end of the year and that {c}, "
    "currently head of the {a} operations in {d}, will succeed him. The board of directors approved the "
    "appointment at a meeting held at the company's headquarters, the statement added. {b} has led the group "
    "since it was founded and oversaw its expansion into overseas markets, a spokesman for {a} said."
)
ANNOUNCEMENT = TEMPLATE.format(a="Northgate Industries", b="Harold Whitcombe", c="Margaret Ellison", d="Toronto")
FILL = TEMPLATE.format(a="Bellweather Holdings", b="Gerald Prynne", c="Margaret Ellison", d="Toronto")
OTHER_FILL = TEMPLATE.format(a="Bellweather Holdings", b="Gerald Prynne", c="Susan Okafor", d="Singapore")
PART = (
    "In corporate news from the region on Tuesday, several boards announced changes. "
    + ". ".join(ANNOUNCEMENT.split(". ")[:2])
    + "."
)


def ocr(text: str, every: int) -> str:
    """``text`` with one OCR-like misreading in every ``every``-th word (deterministic)."""
    sub = {"e": "c", "m": "rn", "o": "0", "l": "1", "a": "o", "i": "l", "n": "m", "s": "5", "t": "f", "h": "b"}
    words = text.split(" ")
    for k in range(0, len(words), every):
        w = words[k]
        for ch, rep in sub.items():
            if ch in w[1:]:
                words[k] = w[0] + w[1:].replace(ch, rep, 1)
                break
    return " ".join(words)


def corpus() -> list[str]:
    """Template fills, real reprints (noisy, abridged, re-led), figure tables and unrelated texts."""
    bond_ocr = EUROBOND.replace("issuing", "issumg").replace("manager", "mauager").replace("Luxembourg", "Luxemb0urg")
    texts = [
        FILL, PART, ANNOUNCEMENT, OTHER_FILL, ocr(ANNOUNCEMENT, 3), ocr(ANNOUNCEMENT, 5),
        ANNOUNCEMENT[: ANNOUNCEMENT.index(" The board")], ANNOUNCEMENT.upper(),
        EUROBOND, OTHER_EUROBOND, bond_ocr, EUROBOND[: EUROBOND.index(" The selling")],
        BASE, BASE.upper() + " Extra words.", story(1), story(2), "", "short",
    ]
    texts += [table(k, overlap) for k in range(3) for overlap in (10, 30)]
    return texts


def admit_first(texts: list[str], **params) -> list[tuple[int, float] | None]:
    """What check_and_add_many should answer, by the Deduplicator: each text's best match among the
    texts admitted before it (``Deduplicator.query``), or None and the text is admitted."""
    d = dedup.Deduplicator(n_jobs=1, **params)
    out = []
    for k, t in enumerate(texts):
        hits = d.query(t) if len(d) else []
        out.append(hits[0] if hits else None)
        if not hits:
            d.add(k, t)
    return out


def same_answer(match, hits) -> bool:
    """An index Match and a Deduplicator hit list agree: both none, or the same best similarity and an id among the best."""
    if match is None or not hits:
        return match is None and not hits
    top = hits[0][1]
    return match.similarity == pytest.approx(top) and match.id in {i for i, s in hits if s == pytest.approx(top)}


def test_the_texts_decide_here():
    """The fixtures do what they are for: stage 1 passes, stage 2 rejects (and the reprints match)."""
    assert dedup.cluster([ANNOUNCEMENT, FILL], verify_text=False).tolist() == [0, 0]
    assert dedup.cluster([ANNOUNCEMENT, FILL]).tolist() == [0, 1]
    assert dedup.cluster([EUROBOND, OTHER_EUROBOND], number_agreement=0, verify_text=False).tolist() == [0, 0]
    assert dedup.cluster([EUROBOND, OTHER_EUROBOND], number_agreement=0).tolist() == [0, 1]
    d = dedup.Deduplicator(n_jobs=1)
    d.add_many([("fill", FILL), ("part", PART)])
    assert [i for i, _ in d.query(ANNOUNCEMENT)] == ["part"]  # FILL more similar, but a fill
    d = dedup.Deduplicator(n_jobs=1, verify_text=False)
    d.add_many([("fill", FILL), ("part", PART)])
    assert [i for i, _ in d.query(ANNOUNCEMENT)] == ["fill", "part"]
    assert admit_first([FILL, PART, ocr(ANNOUNCEMENT, 3)])[2] is not None  # the noisy reprint matches


@pytest.mark.parametrize("params", [{}, {"number_agreement": 0}, {"verify_text": False}])
def test_batches_of_1_and_100_decide_like_the_deduplicator(tmp_path, params):
    texts = corpus()
    expected = admit_first(texts, **params)
    for batch_size in (1, 7, 100):
        with Index.open(tmp_path / f"b{batch_size}.dedup", n_jobs=1, batch_size=batch_size, **params) as ix:
            got = ix.check_and_add_many(list(enumerate(texts)))
            assert ix.verify() == []
        for k, (m, hit) in enumerate(zip(got, expected)):
            assert same_answer(m, [hit] if hit else []), (batch_size, k, m, hit)
    if not params:  # the fixtures exercise stage 2: it changes answers
        assert expected != admit_first(texts, verify_text=False)


def test_a_rejected_best_candidate_gives_way_to_the_next(path):
    with Index.open(path, n_jobs=1) as ix:  # stored
        ix.add_many([("fill", FILL), ("part", PART)])
        m = ix.check(ANNOUNCEMENT)
        assert m.id == "part" and m.near_duplicate
        assert ix.check(OTHER_FILL).id == "fill"  # a fill of nothing stored: its match
    with Index.open(path.with_name("batch"), n_jobs=1) as ix:  # inside one batch
        got = ix.check_and_add_many([("fill", FILL), ("part", PART), ("a", ANNOUNCEMENT)])
        assert [m and m.id for m in got] == [None, None, "part"]
    with Index.open(path.with_name("off"), n_jobs=1, verify_text=False) as ix:  # signatures alone: FILL wins
        ix.add_many([("fill", FILL), ("part", PART)])
        assert ix.check(ANNOUNCEMENT).id == "fill"
        assert ix.stats()["stored_texts"] == 0


@pytest.fixture
def path(tmp_path):
    return tmp_path / "idx.dedup"


@pytest.mark.parametrize("params", [{}, {"number_agreement": 0}])
def test_stored_texts_decide_after_reopening_and_in_another_process(path, params):
    texts = corpus()
    probes = [ANNOUNCEMENT, OTHER_FILL, ocr(ANNOUNCEMENT, 3), ANNOUNCEMENT.upper(), OTHER_EUROBOND, EUROBOND.upper(), *texts[12:]]
    stored = [t for t in texts if t not in probes and not t.startswith(ANNOUNCEMENT[:20])]

    def answers(**extra):
        d = dedup.Deduplicator(n_jobs=1, **params, **extra)
        d.add_many(enumerate(stored))
        return [d.query(t) for t in probes]

    expected = answers()
    assert [h[:1] for h in expected] != [h[:1] for h in answers(verify_text=False)]  # stage 2 decides some
    with Index.open(path, n_jobs=1, **params) as ix:
        ix.add_many(enumerate(stored))
        assert all(same_answer(m, h) for m, h in zip(ix.check_many(probes), expected))
        assert ix.stats()["stored_texts"] == len(stored)
    for cache in (False, True):
        with Index.open(path, n_jobs=1, cache_signatures=cache) as ix:  # a new object: texts come from the file
            got = ix.check_many(probes)
            assert all(same_answer(m, h) for m, h in zip(got, expected)), (cache, got, expected)
            assert [m and m.id for m in ix.check_many(probes, batch_size=1)] == [m and m.id for m in got]
    child = (
        "import json, sys\nfrom dedup.index import Index\n"
        "with Index.open(sys.argv[1], n_jobs=1) as ix:\n"
        "    print(json.dumps([m and m.id for m in ix.check_many(json.load(sys.stdin))]))\n"
    )
    r = subprocess.run([sys.executable, "-c", child, str(path)], input=json.dumps(probes), capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [m and m.id for m in got]


def test_texts_are_read_in_one_query_per_batch_for_the_pairs_that_passed_stage_1(path, monkeypatch):
    with Index.open(path, n_jobs=1) as ix:
        ix.add_many([("fill", FILL), ("part", PART)] + [(k, story(k)) for k in range(20)])
        rows = {v: k for k, v in ix.store.rows_of(['"fill"', '"part"', "3", "7"]).items()}
        calls = []
        real = ix.store.texts
        monkeypatch.setattr(ix.store, "texts", lambda r: calls.append(sorted({rows.get(x, x) for x in np.asarray(r).tolist()})) or real(r))
        ix.check_many([story(3), story(7), story(30), "unrelated words"])  # identical or unrelated
        assert calls == [["3", "7"]]
        calls.clear()
        assert [m and m.id for m in ix.check_many([ANNOUNCEMENT, story(3)])] == ["part", 3]  # FILL leads, then gives way
        assert calls == [['"fill"', '"part"', "3"]]
        calls.clear()
        ix.check_many(["unrelated words"] * 3)
        assert calls == []  # nothing passed stage 1: nothing read


def test_taken_id_with_a_filled_template_is_a_different_text(path, tmp_path):
    with Index.open(path, n_jobs=1) as ix:
        ix.add("co", ANNOUNCEMENT)
        again, fill = ix.check_and_add_many([("co", ocr(ANNOUNCEMENT, 5)), ("co", FILL)], on_duplicate_id="skip")
        assert again.near_duplicate and not fill.near_duplicate
    with Index.open(path.with_name("batch"), n_jobs=1) as ix:  # the id taken in the same batch
        first, second, third = ix.check_and_add_many([("co", FILL), ("co", ANNOUNCEMENT), ("co", FILL.upper())], on_duplicate_id="skip")
        assert first is None and second.id == "co" and not second.near_duplicate and third.near_duplicate
    with Index.open(path.with_name("off"), n_jobs=1, verify_text=False) as ix:
        ix.add("co", ANNOUNCEMENT)
        assert ix.check_and_add_many([("co", FILL)], on_duplicate_id="skip")[0].near_duplicate
    # dedup filter warns by the same rule
    src = tmp_path / "a.jsonl"
    idx = str(tmp_path / "f.dedup")
    src.write_text(json.dumps({"id": "co", "text": ANNOUNCEMENT}) + "\n")
    assert run_inproc("filter", "--index", idx, str(src)).returncode == 0
    src.write_text(json.dumps({"id": "co", "text": FILL}) + "\n")
    r = run_inproc("filter", "--index", idx, str(src))
    assert r.returncode == 0 and r.stdout == b"", r.stderr
    assert b"warning: 1 documents dropped because their id is already indexed with a different text" in r.stderr
    src.write_text(json.dumps({"id": "co", "text": ocr(ANNOUNCEMENT, 5)}) + "\n")
    assert b"warning" not in run_inproc("filter", "--index", idx, str(src)).stderr


def test_texts_are_deleted_with_their_documents_and_survive_rewrites(path):
    def stored_rows(p):
        con = sqlite3.connect(p)
        try:
            return con.execute("SELECT count(*) FROM texts").fetchone()[0]
        finally:
            con.close()

    with Index.open(path, n_jobs=1) as ix:
        ix.store.flush_entries = 1  # every insert rewrites the base
        ix.add_many([("fill", FILL), ("part", PART)], batch_size=1)
        ix.add_many([(k, story(k)) for k in range(5)], batch_size=2)
        assert ix.stats()["base_rewrites"] >= 3 and ix.stats()["stored_texts"] == 7
        assert ix.check(ANNOUNCEMENT).id == "part" and ix.verify() == []
        assert ix.remove("part") and ix.stats()["stored_texts"] == 6
        assert ix.check(ANNOUNCEMENT) is None  # FILL is still a fill
    assert stored_rows(path) == 6
    time.sleep(0.3)
    with Index.open(path, n_jobs=1) as ix:
        ix.add("later", BASE)
        assert ix.expire(older_than=0.15) == 6 and ix.stats()["stored_texts"] == 1 and ix.verify() == []
    assert stored_rows(path) == 1


def test_index_of_schema_4_keeps_deciding_its_documents_by_signatures(path):
    """An index written before texts were stored (schema 4, verify_text on): its documents have no text,
    so their pairs are decided by stage 1, as when they were admitted; new documents get texts."""
    with Index.open(path, n_jobs=1) as ix:
        ix.add_many([("fill", FILL), ("bond", EUROBOND)])
    _downgrade(path, 4)
    with Index.open(path, n_jobs=1) as ix:
        assert ix.stats()["schema_version"] == sqlite_store.SCHEMA_VERSION == 6 and ix.stats()["stored_texts"] == 0
        assert ix.params.verify_text
        assert ix.check(ANNOUNCEMENT).id == "fill"  # no text to align: stage 1 decides, as before
        assert ix.check(OTHER_EUROBOND) is None  # the number rule needs no text
        assert ix.remove("fill")
        ix.add("fill", FILL)  # stored again, with its text now
        assert ix.check(ANNOUNCEMENT) is None and ix.stats()["stored_texts"] == 1 and ix.verify() == []
    with Index.open(path, n_jobs=1) as ix:
        assert ix.check(ANNOUNCEMENT) is None


def test_index_written_before_verify_text_keeps_its_rule(path):
    """A stored configuration without verify_text (an older dedup) means off, not today's default:
    the file has no texts, and turning it on would judge a pair by when its documents arrived."""
    with Index.open(path, n_jobs=1) as ix:
        ix.add("fill", FILL)
    _downgrade(path, 4)
    con = sqlite3.connect(path)
    config = json.loads(con.execute("SELECT value FROM meta WHERE key='config'").fetchone()[0])
    del config["params"]["verify_text"]
    con.execute("UPDATE meta SET value=? WHERE key='config'", (json.dumps(config),))
    con.commit()
    con.close()
    with Index.open(path, n_jobs=1) as ix:
        assert ix.params.verify_text is False
        assert ix.check(ANNOUNCEMENT).id == "fill"  # decided as before
        ix.add("other", OTHER_FILL)
        assert ix.stats()["stored_texts"] == 0 and ix.verify() == []  # no texts: never used
    with pytest.raises(ParamsMismatchError, match="verify_text: index has False, given True"):
        Index.open(path, verify_text=True)
    with Index.open(path, verify_text=False) as ix:
        assert len(ix) == 2


@pytest.mark.parametrize(
    "blob, message",
    [
        (b"\x01\x02", "not zlib data"),
        (zlib.compress(ANNOUNCEMENT.encode())[:-5], "truncated zlib data"),
        (zlib.compress(ANNOUNCEMENT.encode()) + b"xx", "bytes after the zlib data"),
        (zlib.compress(b"\xff\xfe bad bytes"), "not UTF-8"),
        ("text, not a blob", "a str value, not a blob"),
        (7, "a int value, not a blob"),
    ],
)
def test_a_damaged_text_is_a_clear_error(path, blob, message):
    with Index.open(path, n_jobs=1) as ix:
        ix.add_many([("a", ANNOUNCEMENT), ("b", story(1))])
    con = sqlite3.connect(path)
    con.execute("UPDATE texts SET text = ? WHERE row = 1", (blob,))
    con.commit()
    con.close()
    with Index.open(path, n_jobs=1) as ix:
        with pytest.raises(IndexFileError, match=rf"idx\.dedup: stored text of document \(internal row\) 1 is damaged: {message}"):
            ix.check(ANNOUNCEMENT)
        assert ix.check(story(1)).id == "b"  # the others still read
        assert ix.verify() == ["1 stored texts are damaged, documents (internal rows) [1]"]
        assert ix.remove("a") and ix.verify() == []


def test_a_text_that_inflates_past_the_limit_is_damage(path, monkeypatch):
    with Index.open(path, n_jobs=1) as ix:
        ix.add("a", ANNOUNCEMENT)
        monkeypatch.setattr(codec, "MAX_TEXT_BYTES", 100)
        with pytest.raises(IndexFileError, match="is damaged: inflates past 100 bytes"):
            ix.check(ANNOUNCEMENT)
        ix.add("long", BASE * 3)  # over the limit when written: stored without a text
        assert ix.stats()["stored_texts"] == 1


def test_orphan_texts_are_reported(path):
    with Index.open(path, n_jobs=1) as ix:
        ix.add("a", ANNOUNCEMENT)
    con = sqlite3.connect(path)
    con.execute("INSERT INTO texts(row, text) VALUES (99, ?)", (zlib.compress(b"x"),))
    con.commit()
    con.close()
    with Index.open(path, n_jobs=1) as ix:
        assert ix.verify() == ["1 stored texts belong to no stored document"]


def test_texts_round_trip_exactly():
    for text in ("", "plain", "caf\u00e9 \u4e2d\u6587 \U0001f600", "lone \ud800 surrogate", "x" * 100_000):
        assert codec.unpack_text(sqlite_store.pack_text(text)) == text
    assert sqlite_store.pack_text(None) is None


def test_lone_surrogates_are_stored_and_matched(path):
    text = BASE + " \ud83d tail"
    with Index.open(path, n_jobs=1, normalize=False) as ix:
        ix.add("s", text)
        assert ix.check(text).id == "s" and ix.check(text + " more").id == "s" and ix.verify() == []
