"""dedup/_core.pyi describes the compiled core: the same names, and each function's parameters as it takes them."""

import ast
import inspect
from pathlib import Path

from dedup import _core

STUB = Path(__file__).resolve().parent.parent / "dedup" / "_core.pyi"


def _stub() -> tuple[dict[str, ast.FunctionDef], set[str]]:
    """The stub's functions (a class counts as its ``__init__``) and its constants."""
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            init = next(n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
            init.args.args = init.args.args[1:]  # self
            functions[node.name] = init
    constants = {node.target.id for node in tree.body if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)}
    return functions, constants


def test_stub_names_every_function_and_constant_of_the_core() -> None:
    functions, constants = _stub()
    compiled = {name for name in dir(_core) if not name.startswith("__")}
    assert set(functions) == {name for name in compiled if callable(getattr(_core, name))}
    assert constants == {name for name in compiled if not callable(getattr(_core, name))}


def test_stub_parameters_match_the_compiled_signatures() -> None:
    functions, _ = _stub()
    for name, node in functions.items():
        args = node.args
        positional = args.posonlyargs + args.args
        defaults = [None] * (len(positional) - len(args.defaults)) + [ast.literal_eval(d) for d in args.defaults]
        stub = [(a.arg, d) for a, d in zip(positional, defaults)]
        real = [(p.name, None if p.default is inspect.Parameter.empty else p.default)
                for p in inspect.signature(getattr(_core, name)).parameters.values()]
        assert stub == real, name


def test_stub_constant_types() -> None:
    assert isinstance(_core.FLAG_NONASCII, int) and isinstance(_core.MOJIBAKE_FTFY_VERSION, str)
    assert all(isinstance(lo, int) and isinstance(hi, int) and lo < hi for lo, hi in _core.WORD_RANGES)
    assert len(_core.NORMALIZE_PATTERNS) == 3 and all(isinstance(p, str) for p in _core.NORMALIZE_PATTERNS)


def test_stub_classes_name_the_methods_of_the_core() -> None:
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            cls = getattr(_core, node.name)
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    assert hasattr(cls, item.name), f"{node.name}.{item.name}"
