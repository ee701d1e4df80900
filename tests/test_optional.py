"""matplotlib comes through one gateway, and its absence is one clear error everywhere."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import pyvmafneg
from pyvmafneg._optional import matplotlib_agg
from pyvmafneg.errors import MissingDependencyError

PACKAGE = Path(pyvmafneg.__file__).resolve().parent


def test_only_the_gateway_imports_matplotlib_first():
    """Every module that imports matplotlib calls the gateway before it (or is the gateway)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] == "matplotlib" for name in names):
                where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
                assert path.name == "_optional.py" or "matplotlib_agg(" in text, where


def test_missing_matplotlib_is_one_error(monkeypatch, tmp_path, clip8, sharpened8):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingDependencyError, match=r"^plots need matplotlib") as info:
        matplotlib_agg("plots")
    assert "pip install 'pyvmafneg[plot]'" in str(info.value)
    assert isinstance(info.value, ImportError)
    from pyvmafneg.demo._worked import run_demo
    from pyvmafneg.results._plot import plot_result

    result = pyvmafneg.score(clip8[:2], sharpened8[:2], backend="libvmaf")
    with pytest.raises(MissingDependencyError, match="^plots need matplotlib"):
        plot_result(result, tmp_path / "p.png")
    with pytest.raises(MissingDependencyError, match="^the demo's figures need matplotlib"):
        run_demo(out_dir=tmp_path / "demo", frames=2)
    assert not (tmp_path / "demo" / "streams").exists() or not any(
        (tmp_path / "demo" / "streams").iterdir()
    ), "refused before any work"
