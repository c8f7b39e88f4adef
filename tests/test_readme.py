"""The README: its quick start, its links, and every Python block, run as shown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TEXT = README.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, re.S)
BASH = re.findall(r"```bash\n(.*?)```", TEXT, re.S)

QUICK_START = [
    "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/runnel demo",
    "python3 -m venv .venv && .venv/bin/pip install -q torch==2.13.0 && "
    '.venv/bin/pip install -q -e ".[test]" && .venv/bin/python -m pytest',
]
KEY_VARIABLES = re.findall(r"`([A-Z_]+_API_KEY)`", TEXT)


def test_the_quick_start_is_two_commands() -> None:
    assert [block.strip() for block in BASH[:2]] == QUICK_START


def test_the_docs_section_links_each_part() -> None:
    docs = TEXT.split("## Docs", 1)[1].split("\n## ", 1)[0]
    linked = re.findall(r"\]\((docs/[a-z]+\.md)\)", docs)
    assert linked == [
        "docs/cli.md",
        "docs/providers.md",
        "docs/retrieval.md",
        "docs/testing.md",
        "docs/server.md",
    ]


def test_the_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("source", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs(
    source: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in KEY_VARIABLES:  # the provider example must not reach a real provider
        monkeypatch.delenv(variable, raising=False)
    exec(compile(source, str(README), "exec"), {"__name__": "__readme__"})
    assert capsys.readouterr().out  # every example prints what it streams
