"""Finding and loading libvmaf: explicit path, environment variable, system, PyAV."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers import system_libvmaf

import pyvmafneg
from pyvmafneg import LibvmafNotFoundError
from pyvmafneg.engines.libvmaf._binding import ENV_VAR, _pyav_candidates, load_library


def test_default_library_loads_and_reports_version():
    info = pyvmafneg.library_info()
    assert info.source in {"system", "pyav", "environment"}
    major = int(info.version.split(".")[0])
    assert major >= 3, info.version


def test_pyav_copy_is_found():
    candidates = _pyav_candidates()
    assert candidates, "PyAV's wheel should carry libvmaf"
    lib = load_library(candidates[0])
    assert lib.info.source == "explicit"
    assert lib.info.version.startswith("3.")


def test_explicit_missing_path():
    with pytest.raises(LibvmafNotFoundError, match="does not exist"):
        load_library("/nonexistent/libvmaf.so.3")


def test_explicit_path_that_is_not_libvmaf(tmp_path):
    fake = tmp_path / "libvmaf.so.3"
    fake.write_bytes(b"not a shared library")
    with pytest.raises(LibvmafNotFoundError, match="could not load libvmaf"):
        load_library(fake)


def test_library_without_vmaf_symbols():
    import ctypes.util

    libm = ctypes.util.find_library("m")
    if not libm:
        pytest.skip("no libm to try")
    with pytest.raises(LibvmafNotFoundError, match="not a usable libvmaf"):
        load_library(libm)


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    import os

    full = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=full, timeout=60
    )


def test_environment_variable_wins():
    path = _pyav_candidates()[0]
    out = _run("import pyvmafneg; print(pyvmafneg.library_info().source)", {ENV_VAR: path})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "environment"


def test_environment_variable_bad_path_is_clear():
    out = _run(
        "import pyvmafneg\n"
        "try:\n pyvmafneg.library_info()\n"
        "except pyvmafneg.LibvmafNotFoundError as e: print('ERR', e)",
        {ENV_VAR: "/nope/libvmaf.so"},
    )
    assert "ERR" in out.stdout and "names no file" in out.stdout


def test_missing_libvmaf_message_says_how_to_get_one():
    """With no system copy and PyAV hidden, the error explains the fixes."""
    if system_libvmaf():
        pytest.skip(f"the system's loader finds {system_libvmaf()}")
    code = (
        "import importlib.util, sys\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda n, *a: None if n == 'av' else real(n, *a)\n"
        "import pyvmafneg.engines.libvmaf._binding as L\n"
        "try:\n L.load_library()\n"
        "except L.LibvmafNotFoundError as e: print('ERR', e)\n"
    )
    out = _run(code, {ENV_VAR: ""})
    assert "ERR no libvmaf shared library found" in out.stdout, out.stdout + out.stderr
    assert "pip install" in out.stdout and ENV_VAR in out.stdout


def test_cli_info(capsys):
    from pyvmafneg.cli import main

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "libvmaf" in out and pyvmafneg.library_info().version in out
    assert main(["info", "--libvmaf", "/nonexistent.so"]) == 2
    assert "does not exist" in capsys.readouterr().err
