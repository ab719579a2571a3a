"""The Spark engine gives exactly the local engine's clusters.

Runs a real local Spark session (``local[2]``, one for the module). Needs PySpark
with pandas and pyarrow (``pip install 'dedup-reprints[spark]'``) and Java 17+; skips
without them. The impresso and synthetic comparisons need the evaluation data
(``DEDUP_DATA_DIR`` or ``../shared/data``) and skip without it. About 2-3
minutes on two cores, mostly Spark's fixed cost per stage.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from collections import defaultdict

import numpy as np
import pytest

pytest.importorskip("pyspark")
pytest.importorskip("pyarrow")
pytest.importorskip("pandas")

import pandas as pd  # noqa: E402

import dedup.lsh  # noqa: E402
from dedup import Deduplicator  # noqa: E402
from dedup import spark as dspark  # noqa: E402
from dedup.cluster import connected_components as union_find  # noqa: E402
from dedup.errors import InputError  # noqa: E402


def _java_ok() -> bool:
    java = shutil.which("java") or (os.environ.get("JAVA_HOME") and os.path.join(os.environ["JAVA_HOME"], "bin", "java"))
    if not java:
        return False
    try:
        return subprocess.run([java, "-version"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


pytestmark = pytest.mark.skipif(not _java_ok(), reason="Spark needs Java (java -version failed)")


@pytest.fixture(scope="module")
def spark():
    session = dspark.get_session(
        "local[2]",
        app_name="dedup-tests",
        conf={
            "spark.sql.shuffle.partitions": "4",
            "spark.default.parallelism": "2",
            "spark.ui.enabled": "false",
            "spark.driver.memory": "2g",
        },
    )
    yield session
    session.stop()


def _local(ids, texts, **params):
    d = Deduplicator(**params)
    d.add_many(zip(ids, texts))
    return d.clusters()


def _spark_frame(spark, ids, texts, partitions=3):
    pdf = pd.DataFrame({"id": list(ids), "text": list(texts), "pos": np.arange(len(ids), dtype=np.int64)})
    return spark.createDataFrame(pdf, "id string, text string, pos long").repartition(partitions)


def assert_same(ids, local, got: pd.DataFrame):
    """``got`` (id, cluster, is_representative, similarity) equals the local Clustering."""
    assert len(got) == len(ids) and set(got["id"]) == set(ids)
    got = got.set_index("id").loc[list(ids)]
    want_cluster = [ids[label] for label in local.labels.tolist()]
    assert got["cluster"].tolist() == want_cluster
    assert got["is_representative"].tolist() == local.is_representative.tolist()
    np.testing.assert_allclose(got["similarity"].to_numpy(), local.similarity, rtol=0, atol=1e-9)


def _compare(spark, ids, texts, **params):
    local = _local(ids, texts, **params)
    df = _spark_frame(spark, ids, texts)
    result = dspark.cluster(df, position_col="pos", **params)
    assert result.columns == ["id", "cluster", "is_representative", "similarity", "cluster_size"]
    got = result.toPandas()
    result.unpersist()
    assert_same(ids, local, got)
    sizes = np.bincount(local.labels, minlength=len(ids))[local.labels]
    assert got.set_index("id").loc[list(ids)]["cluster_size"].tolist() == sizes.tolist()
    return local


# --------------------------------------------------------------------------- components


def test_connected_components_large_star_small_star(spark):
    rng = np.random.default_rng(7)
    # Paths, a star, a dense blob and a sparse random part: several shapes at once.
    edges = [(i, i + 1) for i in range(10)] + [(100, j) for j in range(101, 120)]
    edges += [(int(a), int(b)) for a, b in rng.integers(200, 240, size=(60, 2))]
    edges += [(int(a), int(b)) for a, b in rng.integers(300, 400, size=(50, 2))]
    df = spark.createDataFrame(edges, "i long, j long").repartition(3)
    # contract=0: the plain large-star / small-star rounds, no union-find pre-pass.
    got = dict(dspark.connected_components(df, contract=0).collect())
    root = union_find(400, np.array(edges))
    nodes = sorted({n for e in edges for n in e if e[0] != e[1]})
    assert set(got) == set(nodes)
    members = defaultdict(list)
    for n in nodes:
        members[root[n]].append(n)
    for group in members.values():
        assert {got[n] for n in group} == {min(group)}  # one id per component: its minimum


# --------------------------------------------------------------------------- seeds


def test_seeds_deduplicate_keeps_the_local_representatives(spark, seeds):
    ids = sorted(seeds)
    texts = [seeds[k] for k in ids]
    params = {"min_link_fraction": 0.0, "threshold": 0.3}  # connected-components mode
    local = _local(ids, texts, **params)
    # No position column: DataFrame order is the input order.
    df = spark.createDataFrame(pd.DataFrame({"doc": ids, "body": texts, "extra": range(len(ids))}))
    kept = dspark.deduplicate(df, text_col="body", id_col="doc", **params).toPandas()
    assert sorted(kept["doc"]) == sorted(np.array(ids)[local.is_representative].tolist())
    assert list(kept.columns) == ["doc", "body", "extra"]
    assert local.labels[0] == local.labels[1]  # 000 and 001 are one story


def test_duplicate_ids_and_bad_params_are_refused(spark):
    df = spark.createDataFrame([("a", "one text here"), ("a", "another text")], "id string, text string")
    with pytest.raises(InputError, match="duplicate id"):
        dspark.cluster(df)
    with pytest.raises(Exception, match="threshold"):
        dspark.cluster(df, threshold=2.0)
    with pytest.raises(Exception, match="unknown parameter"):
        dspark.cluster(df, thresold=0.5)


# --------------------------------------------------------------------------- real data


def _impresso_sample(n: int = 2000, seed: int = 0):
    from benchmarks.datasets import DatasetMissing, load_impresso

    try:
        corpus = load_impresso()
    except DatasetMissing as exc:
        pytest.skip(str(exc))
    by_cluster = defaultdict(list)
    for i, label in enumerate(corpus.labels):
        by_cluster[label].append(i)
    labels = sorted(by_cluster)
    random.Random(seed).shuffle(labels)
    chosen: list[int] = []
    for label in labels:  # whole passim clusters until n passages
        if len(chosen) + len(by_cluster[label]) > n:
            continue
        chosen.extend(by_cluster[label])
        if len(chosen) == n:
            break
    chosen.sort()
    return [corpus.ids[i] for i in chosen], [corpus.texts[i] for i in chosen]


def test_impresso_sample_matches_local(spark):
    ids, texts = _impresso_sample()
    assert 1990 <= len(ids) <= 2000
    local = _compare(spark, ids, texts)
    assert local.n_clusters < len(ids)  # there are reprints to find


def _synthetic_sample():
    from benchmarks import synth
    from benchmarks.datasets import DatasetMissing, load_reuters, strip_reuters_signoff

    try:
        reuters = load_reuters(limit=1500)
    except DatasetMissing as exc:
        pytest.skip(str(exc))
    texts = [strip_reuters_signoff(r["body"]) for r in reuters]
    texts = [t for t in texts if len(t.split()) >= 40]
    sources = [texts[i] for i in synth.distinct_sources(texts)]
    corpus = synth.make_reprint_corpus(sources, n_clusters=150, n_distractors=250, seed=3)
    ids, texts = list(corpus.ids), list(corpus.texts)
    # Exact copies (one node in both engines), including copies of a distractor.
    for k, i in enumerate(range(0, 40, 4)):
        ids.append(f"copy{k}-{ids[i]}")
        texts.append(texts[i])
    return ids, texts


def test_synthetic_sample_matches_local(spark):
    ids, texts = _synthetic_sample()
    local = _compare(spark, ids, texts)
    assert local.n_clusters < len(ids)


def test_large_buckets_follow_the_same_rule(spark, monkeypatch):
    """With a tiny bucket cap, most buckets are hot in both engines: each member pairs with the first few only."""
    ids, texts = _synthetic_sample()
    ids, texts = ids[:500], texts[:500]
    # Boilerplate: many near-identical short notices land in the same buckets.
    for k in range(30):
        ids.append(f"notice{k}")
        texts.append(f"Notice {k}: the office is closed on Monday for the public holiday. Notice.")
    monkeypatch.setattr(dedup.lsh, "MAX_BUCKET", 3)
    # Union-find pre-pass on partitions of 50 edges: the star rounds do the rest.
    monkeypatch.setattr(dspark.components, "CONTRACT_EDGES", 50)
    _compare(spark, ids, texts)


def test_spark_proposes_what_dedup_cluster_proposes(spark):
    """The bucket rule in Spark (grouped buckets, the core's kernel) gives the local engine's candidates."""
    from test_candidate_rule import PARAMS, corpus, local_pairs

    from dedup.spark.executor import POS
    from dedup.spark.pairs import candidates, level_candidates

    texts = corpus(400, 2)
    d = Deduplicator(**PARAMS)
    sigs, sizes, _ = d.sign_prepared([d.prepare(t) for t in texts])
    levels = dedup.lsh.containment_levels(PARAMS["containment_threshold"], d.params.num_perm)
    keys = np.concatenate((d.lsh.keys(sigs), dedup.lsh.level_keys(sigs, levels)), axis=1).view(np.int64)
    rows = [(p, int(sizes[p]), b, int(keys[p, b])) for p in range(len(texts)) for b in range(keys.shape[1])]
    bands = spark.createDataFrame(rows, f"{POS} long, size long, band long, key long").repartition(3)
    nj = d.lsh.bands
    got = candidates(bands.where(bands.band < nj), dedup.lsh.MAX_BUCKET).unionByName(level_candidates(bands, nj, levels, dedup.lsh.MAX_BUCKET))
    want = local_pairs(texts)
    assert len(want) > 500
    assert {(int(r.i), int(r.j)) for r in got.collect()} == want


# --------------------------------------------------------------------------- driver-side records and CLI


def test_seeds_cluster_records_is_the_local_clustering(spark, seeds):
    """The seeds with default parameters, as driver-side records (the CLI's path)."""
    ids = sorted(seeds)
    records = [{"id": k, "text": seeds[k]} for k in ids]
    got_ids, got = dspark.cluster_records(records, spark=spark)
    local = _local(ids, [seeds[k] for k in ids])
    assert got_ids == ids
    assert got.labels.tolist() == local.labels.tolist()
    assert got.is_representative.tolist() == local.is_representative.tolist()
    np.testing.assert_allclose(got.similarity, local.similarity, rtol=0, atol=1e-9)
    with pytest.raises(InputError, match="duplicate id"):
        dspark.cluster_records([("a", "x y z"), ("a", "x y z")], spark=spark)


def test_cli_engine_spark_same_output(spark, seeds, tmp_path, capsys):
    from dedup import cli

    if "--engine" not in cli.build_parser()._subparsers._group_actions[0].choices["cluster"].format_help():
        pytest.skip("dedup cluster has no --engine option yet")
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in sorted(seeds.items())), encoding="utf-8")
    outs = {}
    for engine in ("local", "spark"):
        out = tmp_path / f"{engine}.jsonl"
        assert cli.main(["cluster", str(path), "-o", str(out), "-q", "--engine", engine]) == 0
        outs[engine] = out.read_text(encoding="utf-8")
    assert outs["spark"] == outs["local"]


def test_number_rule_same_as_local(spark):
    from test_cluster import EUROBOND, OTHER_EUROBOND
    from test_index import table

    ocr = EUROBOND.replace("issuing", "issumg").replace("manager", "mauager")
    texts = [EUROBOND, OTHER_EUROBOND, ocr] + [table(k, overlap) for k in range(4) for overlap in (10, 20, 30)]
    ids = [f"d{i}" for i in range(len(texts))]
    # Stage 2 off: it would reject the two issues by their figures too (see the tests below).
    for agreement in (0.5, 0.0):  # on (the default) and off: Spark decides like the local engine both ways
        local = _compare(spark, ids, texts, number_agreement=agreement, verify_text=False)
        together = local.labels[0] == local.labels[1]
        assert together == (agreement == 0.0)
        assert local.labels[0] == local.labels[2]


# --------------------------------------------------------------------------- stage 2: template fills and vetoes

_ISSUERS = ["Acme Industries Inc", "Borden Chemical Co", "Castle Energy Corp", "Dover Mills Ltd", "Eastern Utilities Associates", "Franklin Savings Bank"]


def _dividend_notice(name: str, rng: random.Random) -> str:
    """A wire dividend notice: one template, the company and the figures filled in."""
    q = rng.randint(5, 60)
    month, d1, d2 = rng.choice(["June", "July", "August", "September"]), rng.randint(1, 28), rng.randint(1, 28)
    return (
        f"{name} said its board of directors declared a regular quarterly dividend of {q} cts a share, "
        f"payable {month} {d1} to shareholders of record on {month} {d2}. The company paid {q - rng.randint(1, 4)} cts a share "
        f"in the previous quarter. {name} also said it expects earnings for the year of {rng.randint(1, 9)}.{rng.randint(10, 99)} "
        f"dlrs a share on revenues of about {rng.randint(100, 900)} mln dlrs."
    )


def _chains(seeds) -> list[tuple[str, str]]:
    """Two chains A ~ C ~ B where A / B meets a threshold and is vetoed: C is the text A and B
    share, without the passage where they differ. In ``chain1`` a sentence with other figures
    (rejected by the alignment, stage 2); in ``chain2`` a long list of other prices (rejected
    by the number rule already, estimated Jaccard below 0.6)."""
    out = []
    p = seeds["004"]
    cut = p.index(". ", len(p) // 2) + 2
    a = p[:cut] + "The fund raised 4,250 dlrs in 1987 and 6,900 dlrs in 1988 from 312 donors. " + p[cut:]
    b = p[:cut] + "The fund raised 7,125 dlrs in 1985 and 2,300 dlrs in 1986 from 148 donors. " + p[cut:]
    out += [("chain1_a", a), ("chain1_c", p), ("chain1_b", b)]
    p = seeds["003"][:1200]
    cut = p.index(". ", len(p) // 2) + 2

    def prices(seed: int) -> str:
        rng = random.Random(seed)
        return "Prices: " + ", ".join(str(rng.randint(1000, 99999)) for _ in range(70)) + ". "

    out += [("chain2_a", p[:cut] + prices(1) + p[cut:]), ("chain2_c", p), ("chain2_b", p[:cut] + prices(2) + p[cut:])]
    return out


def _template_corpus(seeds) -> tuple[list[str], list[str]]:
    """Template fills that pass stage 1 (bond issues, dividend notices, the chains) among real
    reprints with noise (OCR, abridged, rewrapped copies of the seeds), and exact copies."""
    from test_cluster import EUROBOND, OTHER_EUROBOND

    from benchmarks import synth

    rng = random.Random(5)
    docs = [
        ("eurobond", EUROBOND),
        ("other_eurobond", OTHER_EUROBOND),
        ("eurobond_ocr", EUROBOND.replace("issuing", "issumg").replace("manager", "mauager")),
    ]
    notices = [(f"notice{k}", _dividend_notice(name, rng)) for k, name in enumerate(_ISSUERS)]
    docs += notices
    docs += [("notice0_ocr", synth.ocr_noise(notices[0][1], 0.01, random.Random(1))), ("notice1_copy", notices[1][1])]
    # The same figures, another company: a fill of names only.
    docs += [(f"name_fill{k}", _dividend_notice(name, random.Random(77))) for k, name in enumerate(("Grand Union Co", "Hartford Steam Boiler"), 1)]
    docs += _chains(seeds)
    noise = random.Random(11)
    for s in ("000", "001", "002", "003"):
        docs.append((f"seed{s}", seeds[s]))
        docs += [(f"seed{s}_r{v}", synth.reprint(seeds[s], noise)[0]) for v in range(2)]
    return [k for k, _ in docs], [t for _, t in docs]


def _stages(texts: list[str], pairs: list[tuple[int, int]], **params) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For ``pairs``: met a threshold, passed stage 1 (thresholds and numbers), passed stage 2 (public API)."""
    from dedup import numbers
    from dedup.cluster import pair_similarity

    d = Deduplicator(**params)
    prepared = d.prepare_many(texts)
    sigs, sizes = d.sign(texts)
    nums = numbers.number_sketches(prepared)
    pairs = np.asarray(pairs, dtype=np.int64)
    jac, cont = pair_similarity(sigs, sizes, pairs)
    confirmed = d.verifier.confirm([prepared[i] for i in pairs[:, 0]], [prepared[j] for j in pairs[:, 1]])
    return d.verifier.passes_thresholds(jac, cont), d.verifier.screen(jac, cont, nums, nums, pairs), confirmed


def test_template_fills_and_vetoes_same_as_local(spark, seeds):
    """The full matching rule (stage 2 on and off) and the vetoed pairs in average linkage, on both engines."""
    ids, texts = _template_corpus(seeds)
    at = {k: i for i, k in enumerate(ids)}
    notices = [at[f"notice{k}"] for k in range(len(_ISSUERS))]  # other figures (the name fills are left to the rule)
    # The corpus exercises what it is for: the fills meet a threshold, most pass stage 1 (the
    # number rule stops a few) and stage 2 rejects them all; so does it chain1's A / B, which
    # passes stage 1; chain2's A / B is vetoed by the number rule.
    checked = [(i, j) for i in notices for j in notices if i < j] + [(at["chain1_a"], at["chain1_b"]), (at["chain2_a"], at["chain2_b"])]
    met, screened, confirmed = _stages(texts, checked)
    assert met.all() and not confirmed[:-1].any()
    assert screened[:-2].sum() >= len(checked) // 2 and screened[-2] and not screened[-1]
    for c in (1, 2):  # C matches A and B
        met, screened, confirmed = _stages(texts, [(at[f"chain{c}_a"], at[f"chain{c}_c"]), (at[f"chain{c}_b"], at[f"chain{c}_c"])])
        assert met.all() and screened.all() and confirmed.all()

    local = _compare(spark, ids, texts)  # verify_text on (the default)
    lab = local.labels
    assert len({lab[n] for n in notices}) == len(notices)  # every fill its own story
    assert lab[at["notice0_ocr"]] == lab[at["notice0"]] and lab[at["notice1_copy"]] == lab[at["notice1"]]
    assert lab[at["eurobond_ocr"]] == lab[at["eurobond"]] != lab[at["other_eurobond"]]
    for c in (1, 2):  # the veto keeps A and B apart although C matches both
        a, b, mid = lab[at[f"chain{c}_a"]], lab[at[f"chain{c}_b"]], lab[at[f"chain{c}_c"]]
        assert a != b and mid in (a, b)
    assert lab[at["seed003_r0"]] == lab[at["seed003_r1"]] == lab[at["seed003"]]  # reprints with noise still match

    off = _compare(spark, ids, texts, verify_text=False)
    lab = off.labels
    assert len({lab[n] for n in notices}) < len(notices)  # wording alone joins the fills
    assert lab[at["chain1_a"]] == lab[at["chain1_b"]] == lab[at["chain1_c"]]  # no stage 2: no veto on chain1
    assert lab[at["chain2_a"]] != lab[at["chain2_b"]]  # the number rule still vetoes chain2's A / B


def test_vetoed_chain_cluster_records(spark, seeds):
    """The driver-side path with the chains: vetoes keep A and B apart under average linkage;
    connected components (min_link_fraction 0) join the chain in both engines."""
    docs = _chains(seeds)
    ids, texts = [k for k, _ in docs], [t for _, t in docs]
    for fraction in (0.5, 0.0):
        got_ids, got = dspark.cluster_records(list(zip(ids, texts)), spark=spark, min_link_fraction=fraction)
        local = _local(ids, texts, min_link_fraction=fraction)
        assert got_ids == ids
        assert got.labels.tolist() == local.labels.tolist()
        assert got.is_representative.tolist() == local.is_representative.tolist()
        np.testing.assert_allclose(got.similarity, local.similarity, rtol=0, atol=1e-9)
        assert (local.labels[0] == local.labels[2]) == (fraction == 0.0)
        assert (local.labels[3] == local.labels[5]) == (fraction == 0.0)


def test_wordless_exact_copies_group_as_locally(spark):
    """Texts without shingles (empty, punctuation, emoji) group with their exact copies only, as locally."""
    texts = ["...", "", "\U0001f642\U0001f642", "...", "", "!!!", "\U0001f642\U0001f642", "A real sentence about the harbour fire."]
    ids = [f"w{k}" for k in range(len(texts))]
    for verify_text in (True, False):
        local = _compare(spark, ids, texts, verify_text=verify_text)
        assert local.labels[3] == local.labels[0] and local.labels[4] == local.labels[1] and local.labels[6] == local.labels[2]
        assert len(set(local.labels.tolist())) == 5


def test_excerpts_and_their_sources_as_locally(spark):
    """Parts of articles at ratios 1:2 to 1:25, some damaged (exact containment decides), parts of one article
    that do not match each other, a passage two unrelated texts share, an abridgement reprinted with a copy:
    the containment candidates and the part rules give the local clusters."""
    from test_containment import _noisy, article, part

    sources = [article(k, 50) for k in range(10)]
    fractions = (0.5, 0.3, 0.2, 0.15, 0.12, 0.04)
    texts = list(sources)
    texts += [_noisy(part(sources[k], 0.1 * (k % 5), fractions[k % 6]), 25 + k) if k % 2 else part(sources[k], 0.1 * (k % 5), fractions[k % 6])
              for k in range(10)]
    texts += [part(sources[0], start, 0.15) for start in (0.2, 0.5, 0.8)]  # more disjoint parts of one article
    clause = part(article(50), 0.0, 0.2)
    texts += [clause, article(51, 30) + " " + clause, article(52, 30) + " " + clause]  # an ambiguous part
    short = part(sources[3], 0.0, 0.3)
    texts += [short, short.replace(short.split()[3], "changed")]  # a part with a copy of its own
    ids = [f"d{k}" for k in range(len(texts))]
    local = _compare(spark, ids, texts)
    assert local.labels[0] == local.labels[20] == local.labels[21] == local.labels[22]
    assert len({local.labels[23], local.labels[24], local.labels[25]}) == 3


def test_damaged_figures_judged_by_the_alignment_as_locally(spark):
    """An excerpt whose figures OCR damaged (the number rule alone vetoes it) joins its article; the same
    sentences with other figures, and an OCR'd template with other figures, stay apart: as locally."""
    from test_cluster import EUROBOND, OTHER_EUROBOND
    from test_damaged_figures import ARTICLE, DAMAGED, OTHER_FIGURES, UNRELATED

    ocr = EUROBOND.replace("issuing", "issumg").replace("manager", "mauager").replace("Luxembourg", "Luxemb0urg")
    texts = [ARTICLE, DAMAGED, OTHER_FIGURES, UNRELATED, EUROBOND, OTHER_EUROBOND, ocr]
    local = _compare(spark, [f"d{k}" for k in range(len(texts))], texts)
    assert local.labels[0] == local.labels[1] != local.labels[2]
    assert local.labels[4] == local.labels[6] != local.labels[5]
