"""The whole native engine built with AddressSanitizer and UBSan, run on odd sizes and all depths.

The extension is compiled into a temporary directory with
``-fsanitize=address,undefined`` (``PYVMAFNEG_NATIVE_CFLAGS``), loaded in a
child Python under the ASan runtime, and every engine entry point (ADM, VIF,
motion) is called through the checked wrappers at small, odd and padded
sizes, 8 to 16 bits, every SIMD level this CPU has. Any out-of-bounds access,
use after free or undefined behaviour aborts the child, and the test fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
FLAGS = "-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -O1 -g"

# Runs in the child: the sanitised module stands in for the installed one.
EXERCISE = textwrap.dedent(
    """
    import importlib.machinery, importlib.util, sys
    import numpy as np

    path = sys.argv[1]
    name = "pyvmafneg.engines.native._engine"
    loader = importlib.machinery.ExtensionFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    sys.modules[name] = module

    from pyvmafneg.engines.native import _kernels as k

    rng = np.random.default_rng(7)
    levels = k.available_levels()
    calls = 0
    for (w, h) in [(33, 33), (34, 35), (35, 61), (36, 40), (65, 37), (67, 68), (97, 45),
                   (130, 77)]:
        for bd in (8, 10, 12, 16):
            dtype = np.uint8 if bd == 8 else np.uint16
            peak = (1 << bd) - 1
            ref = rng.integers(0, peak + 1, (h, w)).astype(dtype)
            # Sharpened, shifted distorted plane: the cap and the masking both act.
            dis = np.clip(ref.astype(np.int64) * 3 // 2 - peak // 5, 0, peak).astype(dtype)
            # Rows with padding: the engine must stay inside each row's width.
            padded = np.zeros((h, w + 5), dtype)
            padded[:, :w] = dis
            for level in levels:
                for lanes in (0, 6, 14):
                    out = k.adm(ref, padded[:, :w], bd, (100.0, 1.0, 1.3), lanes, level)
                    assert np.all(np.isfinite(out)), out
                    calls += 1
                if hasattr(k, "vif"):
                    k.vif(ref, padded[:, :w], bd, (100.0, 1.0), level)
                    calls += 1
            if hasattr(k, "motion_sad"):
                k.motion_sad(ref, dis, bd)
                calls += 1
    print("calls", calls)
    """
)


def _runtime(name: str) -> str | None:
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        return None
    found = subprocess.run([cc, f"-print-file-name={name}"], capture_output=True, text=True)
    path = found.stdout.strip()
    return path if os.path.isabs(path) and os.path.exists(path) else None


def test_engine_under_address_and_undefined_sanitizers(tmp_path: Path) -> None:
    asan, ubsan = _runtime("libasan.so"), _runtime("libubsan.so")
    if asan is None or ubsan is None:
        pytest.skip("no gcc with the AddressSanitizer and UBSan runtimes on this machine")
    env = dict(os.environ, PYVMAFNEG_NATIVE_CFLAGS=FLAGS)
    # cffi compiles from its temporary directory, with the source paths relative to it.
    shutil.copytree(ROOT / "csrc", tmp_path / "csrc")
    build = (
        "import runpy, sys\n"
        "ns = runpy.run_path('pyvmafneg/engines/native/_build.py')\n"
        "print(ns['ffibuilder'].compile(tmpdir=sys.argv[1]))\n"
    )
    built = subprocess.run(
        [sys.executable, "-c", build, str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    module = Path(built.stdout.strip().splitlines()[-1])
    assert module.exists()

    child_env = dict(
        os.environ,
        # The extension is linked without the runtimes (the flags reach the compiler only).
        LD_PRELOAD=f"{asan} {ubsan}",
        ASAN_OPTIONS="detect_leaks=0:abort_on_error=1",
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1",
        PYTHONPATH=str(ROOT),
    )
    child_env.pop("PYVMAFNEG_NATIVE_SIMD", None)
    run = subprocess.run(
        [sys.executable, "-c", EXERCISE, str(module)],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    report = run.stderr[-5000:]
    assert run.returncode == 0, report
    assert "AddressSanitizer" not in run.stderr and "runtime error" not in run.stderr, report
    assert int(run.stdout.split()[-1]) > 100
