"""The distributions users install: sdist and wheel from a clean checkout, in a fresh venv.

The sdist is built from the tracked files only (``git ls-files``, or the source
tree less build products when there is no git), the wheel from that sdist (so
a file the sdist misses breaks the wheel), and the wheel is installed into a
fresh virtual environment outside the source tree, where every file of the
package must be found, every module must import, and the tests of what the
wheel ships (the stub, the libvmaf binding, the native engine, the model
files, the command line) run against it; the rest of the suite tests the same
code in the source tree. A second wheel is built with no working C compiler:
it installs and scores without the native engine.

The fresh environments take their third-party dependencies (NumPy, PyAV,
SciPy ...) from the environment running this test, through a path file, so
the test needs no network; ``pip check`` inside them confirms that every
requirement the wheel declares is met. Everything is built without build
isolation, with this environment's setuptools and cffi.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

#: Files of the source tree that never go into a distribution (when there is no git).
BUILD_PRODUCTS = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.so", "*.o",
    "_engine.c", ".pytest_cache", ".hypothesis", ".benchmarks", "_build", "sample",
    "pyvmafneg-demo", "cache",
)  # fmt: skip

#: Test files run against the installed wheel: what it ships, through the real code paths
#: (the import and its stub, the libvmaf binding and its header, the native engine, the
#: model files of both model families, the command line). Every file of the package is
#: checked to be installed, and every module to import, besides.
WHEEL_TESTS = (
    "test_startup.py",
    "test_library.py",
    "test_backends.py",
    "test_native_engine.py",
    "test_model_intervals.py",
    "test_cli_score.py",
)
#: Single tests of those that examine the repository: mypy's settings.
REPOSITORY_NODES = ("test_startup.py::test_the_public_api_is_type_checked_module_by_module",)


def _run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: int = 900):
    """Run a command at low priority; on failure show its output."""
    done = subprocess.run(
        ["nice", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment minus anything that points Python at the source tree."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_", "VIRTUAL"))}
    env.update(extra)
    return env


def _checkout(dest: Path) -> Path:
    """A clean copy of the source tree: the tracked files only."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        shutil.copytree(ROOT, dest, ignore=BUILD_PRODUCTS)
        return dest
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def _venv(where: Path) -> Path:
    """A fresh venv whose dependencies come from this environment; its python."""
    _run([sys.executable, "-m", "venv", str(where)], cwd=where.parent)
    python = where / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib) / "_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return python


def _install(python: Path, wheel: Path) -> Path:
    """Install ``wheel`` (no dependencies fetched); the installed package's directory."""
    env = _clean_env()
    _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
         cwd=wheel.parent, env=env)  # fmt: skip
    _run([str(python), "-m", "pip", "check"], cwd=wheel.parent, env=env)
    show = "import pyvmafneg, pathlib; print(pathlib.Path(pyvmafneg.__file__).parent)"
    where = _run([str(python), "-c", show], cwd=wheel.parent, env=env).stdout.strip()
    return Path(where)


def _pip_wheel(sdist: Path, out: Path, env: dict[str, str]) -> Path:
    """Build the wheel of ``sdist`` into ``out`` with this environment's build tools."""
    _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-cache-dir", "--no-deps",
         "--no-build-isolation", "--no-index", "-w", str(out), str(sdist)],
        cwd=sdist.parent,
        env=env,
    )  # fmt: skip
    (wheel,) = out.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """The sdist, and a wheel built from it."""
    base = tmp_path_factory.mktemp("dist")
    source = _checkout(base / "checkout")
    out = base / "out"
    out.mkdir()
    env = _clean_env()
    hook = "import sys; from setuptools import build_meta as b; print(b.build_sdist(sys.argv[1]))"
    name = _run([sys.executable, "-c", hook, str(out)], cwd=source, env=env).stdout.split()[-1]
    sdist = out / name
    return {"base": base, "source": source, "sdist": sdist, "wheel": _pip_wheel(sdist, out, env)}


def test_sdist_holds_the_sources_the_build_needs(built):
    with tarfile.open(built["sdist"]) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    tracked_c = {p.relative_to(ROOT).as_posix() for p in (ROOT / "csrc").rglob("*.[ch]")}
    assert tracked_c <= names
    assert {"setup.py", "pyproject.toml", "README.md"} <= names
    assert "pyvmafneg/model_files/vmaf_v0.6.1neg.json" in names


def test_wheel_is_abi3_with_the_engine_and_the_model_files(built):
    wheel = built["wheel"]
    assert "-cp312-abi3-" in wheel.name, wheel.name
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        (tagfile,) = (n for n in names if n.endswith(".dist-info/WHEEL"))
        tags = [line.split(": ", 1)[1] for line in zf.read(tagfile).decode().splitlines()
                if line.startswith("Tag: ")]  # fmt: skip
    assert tags and all(tag.startswith("cp312-abi3-") for tag in tags), tags
    assert "pyvmafneg/engines/native/_engine.abi3.so" in names
    models = {n for n in names if n.startswith("pyvmafneg/model_files/")}
    shipped = {
        f"pyvmafneg/model_files/{p.name}"
        for p in (ROOT / "pyvmafneg" / "model_files").iterdir()
        if p.suffix == ".json" or p.name in {"LICENSE", "README.md"}
    }
    assert shipped <= models
    assert not any(n.startswith(("tests/", "csrc/", "bench/", "docs/")) for n in names)


def test_the_installed_wheel_holds_the_package_and_its_tests_pass_there(built):
    base = built["base"]
    python = _venv(base / "venv")
    package = _install(python, built["wheel"])
    assert base / "venv" in package.parents  # not the source tree
    env = _clean_env()
    info = _run([str(python), "-m", "pyvmafneg", "info"], cwd=base, env=env).stdout
    assert "native" in info
    # every file of the package's source is installed, and the engine beside it
    source = built["source"] / "pyvmafneg"
    tracked = {
        p.relative_to(source).as_posix()
        for p in source.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts  # the build imports _stamp from here
    }
    installed = {
        p.relative_to(package).as_posix()
        for p in package.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert tracked - {"engines/native/_engine.c"} <= installed, sorted(tracked - installed)
    assert "engines/native/_engine.abi3.so" in installed
    # every module imports from the installed package
    walk = (
        "import importlib, pkgutil, pyvmafneg\n"
        "for m in pkgutil.walk_packages(pyvmafneg.__path__, 'pyvmafneg.'):\n"
        "    importlib.import_module(m.name)\n"
        "    print(m.name)"
    )
    imported = set(_run([str(python), "-c", walk], cwd=base, env=env).stdout.split())
    modules = {
        "pyvmafneg." + n.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        for n in tracked
        if n.endswith(".py") and n != "__init__.py"
    }
    assert imported == modules | {"pyvmafneg.engines.native._engine"}
    # The tests of what the wheel ships, beside a "repository" whose package is the
    # installed one: tests that read model files or run subprocesses through the
    # checkout's path find the wheel's.
    run = base / "run"
    run.mkdir()
    shutil.copytree(built["source"] / "tests", run / "tests")  # the checkout's, as the wheel
    (run / "pyvmafneg").symlink_to(package, target_is_directory=True)
    (run / "pytest.ini").write_text(
        "[pytest]\nmarkers =\n    slow: long tests\naddopts = -p no:cacheprovider\n"
    )
    elsewhere = base / "cwd"
    elsewhere.mkdir()
    # By name: node ids are relative to a root pytest picks, so --deselect would miss.
    skip = " or ".join(node.split("::")[-1] for node in REPOSITORY_NODES)
    files = [str(run / "tests" / name) for name in WHEEL_TESTS]
    done = subprocess.run(
        ["nice", str(python), "-m", "pytest", *files, "-c", str(run / "pytest.ini"),
         "--rootdir", str(run), "-m", "not slow", "-q", "-rf", "-k", f"not ({skip})"],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    tail = "\n".join(line for line in done.stdout.splitlines() if line.startswith("FAILED"))
    tail += "\n" + "\n".join(done.stdout.splitlines()[-3:])
    assert done.returncode == 0, tail + done.stderr[-2000:]
    assert " passed" in tail and " failed" not in tail


def test_wheel_without_a_compiler_scores_without_the_native_engine(built, tmp_path):
    env = _clean_env(CC="/bin/false", CXX="/bin/false", LDSHARED="/bin/false")
    wheel = _pip_wheel(built["sdist"], tmp_path / "out", env)
    with zipfile.ZipFile(wheel) as zf:
        assert not any(n.endswith(".so") for n in zf.namelist())
    python = _venv(tmp_path / "venv")
    _install(python, wheel)
    script = """
import pyvmafneg
from pyvmafneg.demo import natural_clip
from pyvmafneg.engines import native

assert not native.available()
clip = natural_clip("astronaut", frames=3, width=176, height=144)
result = pyvmafneg.score(clip, clip)
assert result.backend == "libvmaf", result.backend
try:
    pyvmafneg.score(clip, clip, backend="native")
except pyvmafneg.BackendUnavailableError as exc:
    print("native refused:", exc)
else:
    raise SystemExit("the native backend scored without its engine")
print(result.pooled("vmaf").mean)
"""
    done = _run([str(python), "-c", script], cwd=tmp_path, env=_clean_env())
    assert "native refused:" in done.stdout
    info = _run([str(python), "-m", "pyvmafneg", "info"], cwd=tmp_path, env=_clean_env()).stdout
    assert "native" in info
