"""The Python examples in README.md and the documentation pages (docs/**/*.md) run as written."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [
    ROOT / "README.md",
    *sorted(p for p in (ROOT / "docs").rglob("*.md") if "_build" not in p.parts),
]


def _blocks(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    found = []
    for match in re.finditer(r"```python\n(.*?)```", text, flags=re.S):
        line = text[: match.start()].count("\n") + 1
        found.append((line, match.group(1)))
    return found


FILES = [p for p in DOCS if p.exists() and _blocks(p)]


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_python_examples_run(path, tmp_path, monkeypatch):
    """Each file's blocks run in order in one namespace, as a reader would paste them."""
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for line, code in _blocks(path):
        exec(compile(code, f"{path.name}:{line}", "exec"), namespace)  # noqa: S102


def test_readme_is_a_front_page():
    """The README stays a front page; the details live on the documentation site."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) < 300


def test_every_page_is_on_the_site():
    """Each Markdown page under docs/ is named in a toctree (Sphinx -W would fail otherwise)."""
    site = "\n".join(
        p.read_text(encoding="utf-8")
        for p in (ROOT / "docs").rglob("*")
        if p.suffix in {".md", ".rst"} and "_build" not in p.parts
    )
    for page in (ROOT / "docs").rglob("*.md"):
        if "_build" in page.parts or page.name == "index.md":
            continue
        name = page.relative_to(ROOT / "docs").with_suffix("").as_posix()
        assert re.search(rf"^{re.escape(name)}$", site, flags=re.M), name


def test_readme_names_the_exact_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = "python3 -m pytest"
    assert f"```sh\n{command}\n```" in readme
    assert ci.rstrip().splitlines()[-1] == command


MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(
        [str(ROOT / "pyvmafneg")], prefix="pyvmafneg.", onerror=lambda name: None
    )
    if not info.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    """Every ``>>>`` example in the package's docstrings gives the output it shows."""
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, verbose=False)
    assert result.failed == 0
