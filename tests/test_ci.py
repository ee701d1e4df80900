"""The CI entry point checks style before it runs the tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def test_ci_runs_ruff_check_and_format_before_the_tests() -> None:
    commands = _commands()
    assert commands[-1] == "python3 -m pytest"
    check = commands.index("python3 -m ruff check .")
    fmt = commands.index("python3 -m ruff format --check .")
    assert check < len(commands) - 1 and fmt < len(commands) - 1
