"""The import direction of docs/architecture.md, read from the source with ``ast``.

Every ``import`` and ``from ... import`` in the package, at module level or
inside a function, is checked: a module imports only from its own layer
package or from layers below it. Inside ``engines/``, three floors: the
shared base (``engines/_*.py``), the engines (``libvmaf/``, ``native/``,
``reference/``, ``_ffmpeg.py``), which never import each other, and the
registry on top, which reaches the engines through their packages only.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pyvmafneg"

#: Layer of each top-level module or subpackage, bottom (0) to top.
LAYERS: dict[str, int] = {
    "errors": 0,
    "_defaults": 0,
    "_version": 0,
    "_outputs": 1,
    "_optional": 1,
    "_workers": 1,
    "_dask": 1,
    "io": 2,
    "results": 3,
    "engines": 4,
    "verdict": 5,
    "segments": 5,
    "comparison": 6,
    "demo": 7,
    "_score": 8,
    "__init__": 9,
    "cli": 10,
    "__main__": 11,
}


def _module_name(path: Path) -> tuple[str, str]:
    """Dotted name of the module at ``path`` and the package its relative imports start from."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


def _imports(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """``(line, dotted target)`` of every import of this package in the file (or ``source``)."""
    _, package = _module_name(path)
    found = []
    text = path.read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module:
                    found.append((node.lineno, target))
                else:  # from . import x: each name is a module of that package
                    found += [(node.lineno, f"{target}.{a.name}") for a in node.names]
            elif node.module and node.module.split(".")[0] == "pyvmafneg":
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "pyvmafneg"
            ]
    return found


def _layer(dotted: str) -> str:
    """The layer of a module, or ``__init__`` for a name the package exports (``score``)."""
    parts = dotted.split(".")
    if len(parts) == 1:
        return "__init__"
    if (PACKAGE / parts[1]).is_dir() or (PACKAGE / f"{parts[1]}.py").is_file():
        return parts[1]
    return "__init__"  # from .. import score: a public name of the package itself


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_is_in_a_layer() -> None:
    names = {_layer(_module_name(p)[0]) for p in SOURCES}
    assert names <= set(LAYERS), f"modules without a layer: {sorted(names - set(LAYERS))}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_from_a_layer_above(path: Path) -> None:
    module, _ = _module_name(path)
    own = _layer(module)
    wrong = [
        f"line {line}: {target}"
        for line, target in _imports(path)
        if _layer(target) != own and LAYERS[_layer(target)] >= LAYERS[own]
    ]
    assert not wrong, f"{module} ({own}) imports from its own level or above: {wrong}"


#: The engines, each a package or module of ``engines/``.
ENGINES: dict[str, str] = {
    "libvmaf": "pyvmafneg.engines.libvmaf",
    "native": "pyvmafneg.engines.native",
    "reference": "pyvmafneg.engines.reference",
    "ffmpeg": "pyvmafneg.engines._ffmpeg",
}
REGISTRY = "pyvmafneg.engines._registry"


def _within(dotted: str, root: str) -> bool:
    return dotted == root or dotted.startswith(root + ".")


def _engine_of(dotted: str) -> str | None:
    return next((name for name, root in ENGINES.items() if _within(dotted, root)), None)


def _engines_floor(path: Path) -> str:
    """``base``, ``engine``, ``registry`` or ``package`` (``engines/__init__``)."""
    module, _ = _module_name(path)
    if module == REGISTRY:
        return "registry"
    if module == "pyvmafneg.engines":
        return "package"
    return "engine" if _engine_of(module) else "base"


ENGINE_SOURCES = sorted((PACKAGE / "engines").rglob("*.py"))


def test_the_shared_base_is_the_engines_private_modules() -> None:
    base = sorted(p.name for p in ENGINE_SOURCES if _engines_floor(p) == "base")
    assert base, "no shared base found"
    assert all(name.startswith("_") and name != "__init__.py" for name in base), base


def _engine_crossings(path: Path, source: str | None = None) -> list[str]:
    """Imports of ``path`` that break the floors inside ``engines/``."""
    module, _ = _module_name(path)
    floor = _engines_floor(path)
    own = _engine_of(module)
    wrong = []
    for line, target in _imports(path, source):
        if not _within(target, "pyvmafneg.engines") or target == "pyvmafneg.engines":
            continue
        other = _engine_of(target)
        if floor == "base" and (other or _within(target, REGISTRY)):
            wrong.append(f"line {line}: the shared base imports {target}")
        elif floor == "engine" and ((other and other != own) or _within(target, REGISTRY)):
            wrong.append(f"line {line}: engine {own} imports {target}")
        elif floor == "registry" and other and target != ENGINES[other]:
            wrong.append(f"line {line}: the registry imports {target}, not the engine's package")
    return wrong


@pytest.mark.parametrize(
    "path", ENGINE_SOURCES, ids=lambda p: str(p.relative_to(PACKAGE / "engines"))
)
def test_no_engine_imports_another_engine(path: Path) -> None:
    """An engine imports the shared base, never another engine nor the registry above it;
    the shared base imports no engine; the registry reaches the engines' packages only."""
    wrong = _engine_crossings(path)
    assert not wrong, f"{_module_name(path)[0]}: {wrong}"


def test_the_engine_checker_sees_crossings() -> None:
    """The rule fails where it should, on probe sources placed in each floor."""
    engines = PACKAGE / "engines"
    native = engines / "native" / "_probe.py"
    assert _engine_crossings(native, "from ..reference._motion import Motion\n")
    assert _engine_crossings(engines / "reference" / "_probe.py", "from ..native import x\n")
    assert _engine_crossings(native, "from .._registry import score\n")
    assert not _engine_crossings(native, "from .._motion import MotionChain\nfrom . import _k\n")
    assert _engine_crossings(engines / "_probe.py", "from .reference._vif import x\n")
    assert _engine_crossings(engines / "_registry.py", "from .native._kernels import x\n")
    assert not _engine_crossings(engines / "_registry.py", "from .native import available\n")


def test_the_checker_sees_imports_of_every_kind() -> None:
    """The parser finds relative, absolute, function-level and bare ``from . import`` forms."""
    probe = PACKAGE / "engines" / "_registry.py"
    targets = {t for _, t in _imports(probe)}
    assert "pyvmafneg.errors" in targets and "pyvmafneg._defaults" in targets
    assert any(t.startswith("pyvmafneg.engines._features") for t in targets)  # inside score()
    native = {t for _, t in _imports(PACKAGE / "engines" / "native" / "_scorer.py")}
    assert "pyvmafneg.engines.native._kernels" in native  # from . import _kernels


def test_the_score_command_scores_through_the_library() -> None:
    """``cli/score.py`` scores with :func:`pyvmafneg.score` and :func:`pyvmafneg.score_many`
    only: it imports nothing from the readers (``io``), the engines or the segments, not even
    for type hints, and opens, syncs and checks no pair itself; it words flags and results."""
    path = PACKAGE / "cli" / "score.py"
    targets = {t for _, t in _imports(path)}
    assert {"pyvmafneg.score", "pyvmafneg.score_many", "pyvmafneg.cli.common"} <= targets
    # it opens its inputs with the helper explain shares, which opens through the library
    assert "pyvmafneg.open_video" in {t for _, t in _imports(PACKAGE / "cli" / "common.py")}
    below = ("pyvmafneg.io", "pyvmafneg.engines", "pyvmafneg.segments")
    assert not {t for t in targets if any(_within(t, b) for b in below)}, sorted(targets)
    private = [
        a.name
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("_")
        for a in node.names
    ]
    assert not {"score", "score_many", "open_video"} & set(private), private


def test_the_score_command_checker_sees_what_it_forbids() -> None:
    """The check above fails on an import of a reader, an engine or the segments."""
    path = PACKAGE / "cli" / "score.py"
    below = ("pyvmafneg.io", "pyvmafneg.engines", "pyvmafneg.segments")
    for line in (
        "from ..io._sources import match_sources\n",
        "from ..engines import backend_names\n",
        "def f():\n    from ..segments._run import SegmentRun\n",
        "from pyvmafneg.io import open_video\n",
    ):
        targets = {t for _, t in _imports(path, line)}
        assert {t for t in targets if any(_within(t, b) for b in below)}, line


def test_only_the_command_line_names_flags() -> None:
    """No message outside ``cli/`` names a command-line flag (``--frames``, ``--backend`` ...).

    Library errors keep the options their advice names as data
    (:attr:`pyvmafneg.errors.VmafNegError.options`); ``cli/`` words them as flags.
    """
    flag = re.compile(r"(?<![\w-])--[a-z][a-z-]+")
    found = []
    for path in SOURCES:
        if path.relative_to(PACKAGE).parts[0] == "cli":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if id(node) in docstrings or (
                isinstance(node, ast.Constant) and ":root {" in str(node.value)
            ):
                continue  # prose about the package, and the report's CSS custom properties
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found += [
                    f"{path.relative_to(PACKAGE)}:{node.lineno}: {m}"
                    for m in flag.findall(node.value)
                ]
    assert not found, found
