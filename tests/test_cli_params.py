"""The matching options of every command are generated from :class:`dedup.Params` (dedup.params.settings()):
one option per field, named after it, with its type, default and help, so the two cannot drift apart."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from dedup import Params
from dedup.cli import build_parser
from dedup.params import INDEX_PARAMS, settings

ENGINE_VERBS = [["cluster", "x.jsonl"], ["dedupe", "x.jsonl", "-o", "y.jsonl"], ["explain", "a.txt", "b.txt"], ["report", "x.jsonl", "-o", "r.html"]]
INDEX_VERBS = [["filter", "--index", "i.dedup"], ["index", "add", "--index", "i.dedup"]]


def _parse(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def test_settings_describe_every_params_field() -> None:
    got = settings()
    assert [s.name for s in got] == [f.name for f in dataclasses.fields(Params)]
    defaults = Params()
    for s in got:
        assert s.default == getattr(defaults, s.name)
        assert isinstance(s.default, s.type) and s.help
    assert next(s for s in got if s.name == "shingle").choices == ("char", "word")
    assert set(INDEX_PARAMS) == set(Params.names()) - {"min_link_fraction"}


@pytest.mark.parametrize("argv", ENGINE_VERBS, ids=lambda a: a[0])
def test_engine_commands_default_to_params(argv: list[str]) -> None:
    args = _parse(argv)
    assert {name: getattr(args, name) for name in Params.names()} == Params().to_dict()


@pytest.mark.parametrize("argv", INDEX_VERBS, ids=lambda a: " ".join(a[:2]))
def test_index_commands_leave_unset_options_to_the_stored_index(argv: list[str]) -> None:
    args = _parse(argv)
    assert all(getattr(args, name) is None for name in INDEX_PARAMS)
    assert not hasattr(args, "min_link_fraction")  # an index does not cluster


def test_every_option_sets_its_field() -> None:
    given = {"threshold": 0.6, "containment_threshold": 0.9, "shingle": "word", "ngram": 3, "num_perm": 128, "seed": 7,
             "lsh_threshold": 0.5, "min_link_fraction": 0.25, "number_agreement": 0.75}
    argv = ["cluster", "x.jsonl", "--no-normalize", "--no-verify-text"]
    for name, value in given.items():
        argv += [f"--{name.replace('_', '-')}", str(value)]
    args = _parse(argv)
    assert Params(**{name: getattr(args, name) for name in Params.names()}) == Params(**given, normalize=False, verify_text=False)
    stored = _parse(["filter", "--index", "i.dedup", "--ngram", "4", "--no-verify-text"])
    assert stored.ngram == 4 and stored.verify_text is False and stored.threshold is None


def test_help_shows_each_settings_help_and_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["cluster", "--help"])
    out = " ".join(capsys.readouterr().out.split())  # unwrapped
    for s in settings():
        if s.type is bool:
            assert f"--no-{s.name.replace('_', '-')} {s.help}" in out
        else:
            assert f"{s.help} (default {s.default})" in out


def test_a_bad_choice_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        _parse(["cluster", "x.jsonl", "--shingle", "line"])
    assert exc.value.code == 2 and "invalid choice: 'line'" in capsys.readouterr().err
