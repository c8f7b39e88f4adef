"""`load_target`: what `runnel run`, `batch` and `serve` accept as a target."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runnel.cli._target import TargetError, load_target
from runnel.runnables import Runnable, RunnableGenerator, RunnableLambda

MODULE = """
from runnel.runnables import RunnableLambda

chain = RunnableLambda(lambda x: x + 1)


class Holder:
    inner = RunnableLambda(lambda x: x * 3)


def double(x):
    return x * 2


async def adouble(x):
    return x * 2


def words(chunks):
    for chunk in chunks:
        yield from chunk.split()


class Chain:
    pass


class Callable:
    def __call__(self, x):
        return x


call_me = Callable()
number = 42
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory holding `shop_chains.py` and `uses_missing.py`, as the current directory."""
    (tmp_path / "shop_chains.py").write_text(MODULE)
    (tmp_path / "uses_missing.py").write_text("import no_such_dependency_xyz\n")
    (tmp_path / "fails.py").write_text("raise RuntimeError('boom\\nsecond line')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def test_module_attribute_is_found_from_the_current_directory(project: Path) -> None:
    assert load_target("shop_chains:chain").invoke(1) == 2


def test_file_path_attribute(project: Path) -> None:
    assert load_target(str(project / "shop_chains.py") + ":chain").invoke(1) == 2
    assert load_target("./shop_chains.py:chain").invoke(2) == 3


def test_dotted_attribute(project: Path) -> None:
    assert load_target("shop_chains:Holder.inner").invoke(2) == 6


def test_plain_functions_are_wrapped_like_pipe_does(project: Path) -> None:
    double = load_target("shop_chains:double")
    assert isinstance(double, RunnableLambda)
    assert double.invoke(4) == 8
    assert isinstance(load_target("shop_chains:adouble"), Runnable)
    words = load_target("shop_chains:words")
    assert isinstance(words, RunnableGenerator)
    assert list(words.stream("a b")) == ["a", "b"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("shop_chains", "expected module:attribute or path/to/file.py:attribute"),
        ("shop_chains:", "expected module:attribute"),
        (":chain", "expected module:attribute"),
        ("no_such_module_xyz:chain", "no module named 'no_such_module_xyz'"),
        ("shop_chains:missing", "shop_chains has no attribute 'missing'"),
        ("shop_chains:Holder.missing", "has no attribute 'Holder.missing'"),
        ("shop_chains:Chain", "is the class Chain, not a runnable"),
        ("shop_chains:call_me", "is of type Callable, not a runnable or a plain function"),
        ("shop_chains:number", "is of type int, not a runnable"),
        ("missing_dir/chains.py:chain", "no such file 'missing_dir/chains.py'"),
        (
            "uses_missing:chain",
            "importing uses_missing failed: ModuleNotFoundError: No module named "
            "'no_such_dependency_xyz'",
        ),
        ("fails:chain", "importing fails failed: RuntimeError: boom"),
        ("./fails.py:chain", "importing fails.py failed: RuntimeError: boom"),
    ],
)
def test_problems_are_one_line_target_errors(project: Path, spec: str, message: str) -> None:
    with pytest.raises(TargetError) as caught:
        load_target(spec)
    text = str(caught.value)
    assert message in text
    assert "\n" not in text
    assert isinstance(caught.value, ValueError)


def test_import_failures_chain_the_original_error(project: Path) -> None:
    with pytest.raises(TargetError) as caught:
        load_target("fails:chain")
    assert isinstance(caught.value.__cause__, RuntimeError)
