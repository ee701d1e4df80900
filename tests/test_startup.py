"""What importing the package and building the command line load, checked in fresh interpreters.

``import pyvmafneg`` defines the exceptions and nothing heavy; the rest of the
documented API is imported on first use. Building the argument parser (what
``pyvmafneg --help`` and ``pyvmafneg score --help`` do) imports no scoring
machinery at all. How long that takes is measured in
``bench/test_bench_startup.py``.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

import pyvmafneg

ROOT = Path(__file__).resolve().parent.parent

#: Never loaded by ``import pyvmafneg``.
HEAVY = ("scipy", "skimage", "matplotlib", "dask", "distributed", "av", "pandas")
#: Never loaded to build the argument parsers either (nor any scoring module).
MACHINERY = (*HEAVY, "numpy", "cffi", "_cffi_backend", "imageio_ffmpeg")


def loaded_after(code: str) -> set[str]:
    """Top-level packages in ``sys.modules`` after a fresh interpreter runs ``code``."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def roots(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_import_loads_nothing_heavy():
    loaded = roots(loaded_after("import pyvmafneg"))
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_scoring_api_loads_no_demo_or_plotting():
    """Using the in-process scorer still leaves SciPy, scikit-image and matplotlib alone."""
    loaded = roots(loaded_after("import pyvmafneg; pyvmafneg.score, pyvmafneg.Scorer"))
    assert "numpy" in loaded and "cffi" in loaded
    assert not loaded & {"scipy", "skimage", "matplotlib", "dask"}


PAIR = ["-r", "ref.y4m", "-d", "dis.mkv"]


@pytest.mark.parametrize(
    "argv", [[], ["score", *PAIR], ["demo"], ["compare", "m.toml"], ["explain", *PAIR], ["info"]]
)
def test_parser_imports_no_machinery(argv):
    code = (
        "from pyvmafneg.cli import build_parser\n"
        f"parser = build_parser()\n"
        f"parser.parse_known_args({argv!r})"
    )
    loaded = loaded_after(code)
    assert not roots(loaded) & set(MACHINERY), sorted(roots(loaded) & set(MACHINERY))
    ours = {name for name in loaded if name.startswith("pyvmafneg.")}
    allowed = {"pyvmafneg._defaults", "pyvmafneg.errors", "pyvmafneg.engines"}
    # the registry and the options record it builds (standard library only)
    allowed |= {"pyvmafneg.engines._models", "pyvmafneg.engines._registry"}
    allowed |= {"pyvmafneg.engines._options"}
    extra = {name for name in ours if not name.startswith("pyvmafneg.cli")} - allowed
    assert not extra, sorted(extra)


@pytest.mark.parametrize("argv", [["--help"], ["score", "--help"], ["demo", "--help"]])
def test_help_runs_without_machinery(argv):
    script = (
        "import runpy, sys\n"
        f"sys.argv = ['pyvmafneg', *{argv!r}]\n"
        "try:\n"
        "    runpy.run_module('pyvmafneg', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        "import json\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert "usage: pyvmafneg" in out.stdout
    loaded = roots(set(json.loads(out.stdout.splitlines()[-1])))
    assert not loaded & set(MACHINERY), sorted(loaded & set(MACHINERY))


def test_version_comes_from_the_installed_metadata():
    assert pyvmafneg.__version__ == version("pyvmafneg")
    out = subprocess.run(
        [sys.executable, "-m", "pyvmafneg", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout == f"pyvmafneg {version('pyvmafneg')}\n"


def test_every_public_name_resolves():
    namespace: dict[str, object] = {}
    exec("from pyvmafneg import *", namespace)  # noqa: S102
    missing = [name for name in pyvmafneg.__all__ if name not in namespace]
    assert not missing
    assert set(pyvmafneg.__all__) <= set(dir(pyvmafneg))
    assert pyvmafneg.Scorer.__module__ == "pyvmafneg.engines.libvmaf._scorer"
    assert pyvmafneg.engines.libvmaf.live_objects() == {"contexts": 0, "models": 0, "pictures": 0}
    with pytest.raises(AttributeError, match="no attribute 'nonesuch'"):
        pyvmafneg.nonesuch  # noqa: B018


def _stub_imports() -> list[tuple[str, str, str | None]]:
    """``(module, name, alias)`` of every import in ``pyvmafneg/__init__.pyi``."""
    tree = ast.parse((ROOT / "pyvmafneg" / "__init__.pyi").read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found += [(module, a.name, a.asname) for a in node.names]
        else:
            assert isinstance(node, ast.AnnAssign), ast.dump(node)  # __version__: str
    return found


def test_the_stub_is_the_one_list_of_public_names():
    """``__init__.pyi`` lists the public names once; ``__all__`` and the lazy imports follow it."""
    imports = _stub_imports()
    assert all(alias == name for _, name, alias in imports), "every name is exported as itself"
    names = {name: module for module, name, _ in imports if module != "."}
    assert set(pyvmafneg.__all__) == {*names, "__version__"}
    assert len(pyvmafneg.__all__) <= 32, "the top level holds what most users need"
    for name, module in names.items():
        defined = getattr(importlib.import_module(module, "pyvmafneg"), name)
        assert getattr(pyvmafneg, name) is defined, name
    packages = {name for module, name, _ in imports if module == "."}
    subpackages = {p.name for p in (ROOT / "pyvmafneg").iterdir() if (p / "__init__.py").is_file()}
    assert packages == subpackages | {"errors"}
    # the module reads the stub with its own pattern: every import of the stub has that form
    assert len(pyvmafneg._IMPORT.findall((ROOT / "pyvmafneg" / "__init__.pyi").read_text())) == len(
        imports
    )
    assert "TYPE_CHECKING" not in (ROOT / "pyvmafneg" / "__init__.py").read_text()


def test_every_error_is_one_import_away():
    """Every error class is in pyvmafneg.errors and still reachable as pyvmafneg.NAME."""
    from pyvmafneg import errors

    common = {n for n in pyvmafneg.__all__ if n.endswith("Error")}
    assert common < set(errors.__all__)
    for name in errors.__all__:
        assert getattr(pyvmafneg, name) is getattr(errors, name), name
    namespace: dict[str, object] = {}
    exec("from pyvmafneg import SyncError", namespace)  # noqa: S102
    assert namespace["SyncError"] is errors.SyncError


def test_the_public_api_is_type_checked_module_by_module():
    """``[tool.mypy] files`` in pyproject.toml covers the stub and every module it names."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    files = set(config["tool"]["mypy"]["files"])
    wanted = {"pyvmafneg/__init__.pyi"}
    for module, _, _ in _stub_imports():
        if module != ".":
            wanted.add("pyvmafneg/" + module.lstrip(".").replace(".", "/") + ".py")
    assert wanted <= files, sorted(wanted - files)
    assert (ROOT / "pyvmafneg" / "py.typed").is_file()


def test_ffmpeg_backend_loads_no_libvmaf_binding(tmp_path):
    """The FFmpeg backend checks its options without the binding (and without CFFI)."""
    from pyvmafneg.demo._clips import natural_clip
    from pyvmafneg.io._y4m import write_y4m

    write_y4m(natural_clip("coffee", frames=2, width=64, height=48), tmp_path / "c.y4m")
    clip = str(tmp_path / "c.y4m")
    code = (
        "from pyvmafneg.engines._ffmpeg import score_ffmpeg\n"
        f"result = score_ffmpeg({clip!r}, {clip!r}, threads=2)\n"
        "assert len(result) == 2"
    )
    loaded = loaded_after(code)
    assert "pyvmafneg.engines.libvmaf._binding" not in loaded
    assert "cffi" not in roots(loaded)


@pytest.mark.parametrize("backend", ["native", "libvmaf"])
def test_scoring_loads_no_scipy(tmp_path, backend):
    """Scoring with the in-process engines leaves SciPy alone (it costs ~0.15 s to import)."""
    if backend == "native":
        pytest.importorskip("pyvmafneg.engines.native._engine", reason="native engine not built")
    from pyvmafneg.demo._clips import natural_clip
    from pyvmafneg.io._y4m import write_y4m

    write_y4m(natural_clip("coffee", frames=3, width=64, height=48), tmp_path / "c.y4m")
    clip = str(tmp_path / "c.y4m")
    code = (
        "import pyvmafneg\n"
        f"result = pyvmafneg.score({clip!r}, {clip!r}, backend={backend!r})\n"
        "assert len(result) == 3"
    )
    loaded = roots(loaded_after(code))
    assert not loaded & {"scipy", "skimage", "matplotlib", "dask"}, sorted(loaded)
