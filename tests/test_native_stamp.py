"""A compiled engine left behind by a change is refused by its version stamp, never called.

The engine exports its interface version (``VN_API_VERSION``) and the stamp of
the C sources it was built from (``vn_source_stamp()``); the loader compares
both with this package's. An engine built before a change to the kernel table
once failed with a bare ``AssertionError`` inside ``FrameKernels``; a stale one
is now unavailable, with a warning and an error that name the rebuild.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pyvmafneg.cli import main
from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.engines._registry import default_backend
from pyvmafneg.engines.native import _kernels
from pyvmafneg.engines.native._stamp import source_stamp
from pyvmafneg.errors import BackendUnavailableError
from pyvmafneg.io._y4m import write_y4m

REPO = Path(__file__).resolve().parent.parent

try:
    from pyvmafneg.engines.native import _engine  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - the engine is built wherever the tests run
    _engine = None

pytestmark = pytest.mark.skipif(_engine is None, reason="the native engine is not built")


@pytest.fixture
def reload(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget the loaded engine for one test (restored afterwards)."""
    for name, value in (("_lib", None), ("_ffi", None), ("_import_error", None)):
        monkeypatch.setattr(_kernels, name, value)
    monkeypatch.setattr(_kernels, "_stale", False)


def test_the_built_engine_carries_this_packages_stamp() -> None:
    header = (REPO / "csrc" / "include" / "engine.h").read_text()
    declared = re.search(r"VN_API_VERSION = (\d+)", header)
    assert declared is not None and int(declared.group(1)) == _kernels.API_VERSION
    assert _engine.lib.VN_API_VERSION == _kernels.API_VERSION
    built = _engine.ffi.string(_engine.lib.vn_source_stamp()).decode()
    assert built == source_stamp(REPO / "csrc") and len(built) == 16


def _assert_refused(match: str) -> None:
    with pytest.warns(RuntimeWarning, match=r"pip install -e \."):
        assert not _kernels.available()
    with pytest.raises(BackendUnavailableError, match=match) as err:
        _kernels.FrameKernels([1.0], [1.0], 0)
    assert "rebuild it" in str(err.value) and "backend='libvmaf'" in str(err.value)
    assert err.value.backend == "native"
    assert default_backend() == "libvmaf"


def test_an_engine_of_another_interface_version_is_unavailable(reload: None, monkeypatch) -> None:
    monkeypatch.setattr(_kernels, "API_VERSION", _kernels.API_VERSION + 1)
    _assert_refused(
        f"implements interface version {_kernels.API_VERSION - 1} and this package calls "
        f"version {_kernels.API_VERSION}"
    )


def test_an_engine_built_from_other_sources_is_unavailable(
    reload: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    csrc = tmp_path / "csrc"
    shutil.copytree(REPO / "csrc", csrc, ignore=shutil.ignore_patterns("*.o"))
    with open(csrc / "engine.c", "a") as fh:
        fh.write("\n/* changed after the build */\n")
    monkeypatch.setattr(_kernels, "CSRC", csrc)
    _assert_refused("built from other C sources")


def test_cli_names_the_rebuild_in_one_line(
    reload: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(_kernels, "API_VERSION", _kernels.API_VERSION + 1)
    ref = tmp_path / "ref.y4m"
    write_y4m(natural_clip("astronaut", frames=2, width=64, height=48), ref)
    with pytest.warns(RuntimeWarning):
        assert main(["score", "-r", str(ref), "-d", str(ref), "-q", "--backend", "native"]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "stale" in lines[0] and "rebuild it" in lines[0] and "--backend libvmaf" in lines[0]
    assert "AssertionError" not in lines[0]
