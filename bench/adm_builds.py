"""CPU time of one native ADM call, several builds of the engine side by side.

Each argument after the size and the number of rounds is a built engine module
(``_engine*.so``, for instance copies of ``pyvmafneg/engines/native/_engine.abi3.so``
kept from successive builds). Every build scores the same pair (the second frame of
``astronaut`` panning, against its unsharp-masked copy) with ``vn_adm_multi_ws``, gain
limits 100 and 1, SIMD level ``PYVMAFNEG_NATIVE_SIMD`` (default ``avx2``) and the
masking lanes of libvmaf's path for that level, one workspace reused. Rounds
interleave the builds (so load on a shared machine falls on all of them alike);
each call is timed with ``time.process_time`` and the minimum and median per
build are printed. The builds' outputs must be equal as doubles.

Run: ``python3 bench/adm_builds.py 1920x1080 25 before.so after.so``
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from collections.abc import Callable
from types import ModuleType

import numpy as np

from pyvmafneg.demo._clips import natural_clip
from pyvmafneg.demo._enhance import apply_to_frames
from pyvmafneg.engines._paths import ADM_KERNELS

LEVELS = {"c": (0, "c"), "avx2": (1, "avx2"), "avx512": (2, "avx512")}


def load(path: str, tag: int) -> ModuleType:
    """The engine module at ``path`` under a name of its own."""
    spec = importlib.util.spec_from_file_location(f"adm_build_{tag}._engine", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def adm_call(
    module: ModuleType, ref: np.ndarray, dis: np.ndarray, simd: int, lanes: int
) -> Callable[[], np.ndarray]:
    ffi, lib = module.ffi, module.lib
    height, width = ref.shape
    limits = np.array([100.0, 1.0])
    out = np.empty(len(limits) * int(lib.vn_adm_outputs_per_limit()))
    size = int(lib.vn_adm_workspace_size(width, height, len(limits)))
    workspace = ffi.new("char[]", size)

    def call() -> np.ndarray:
        rc = lib.vn_adm_multi_ws(
            ffi.from_buffer(ref),
            ffi.from_buffer(dis),
            ref.strides[0],
            width,
            height,
            8,
            ffi.cast("double *", ffi.from_buffer(limits)),
            len(limits),
            lanes,
            simd,
            ffi.cast("double *", ffi.from_buffer(out)),
            out.size,
            workspace,
            size,
        )
        assert rc == 0, rc
        return out.copy()

    return call


def main(argv: list[str]) -> None:
    size, rounds, paths = argv[0], int(argv[1]), argv[2:]
    width, height = (int(v) for v in size.split("x"))
    simd, kernel = LEVELS[os.environ.get("PYVMAFNEG_NATIVE_SIMD", "avx2")]
    refs = natural_clip("astronaut", frames=2, width=width, height=height)
    diss = apply_to_frames(refs, "unsharp", sigma=1.5, amount=1.0)
    ref, dis = refs[1].luma, diss[1].luma
    calls = [adm_call(load(p, i), ref, dis, simd, ADM_KERNELS[kernel]) for i, p in enumerate(paths)]
    times: list[list[float]] = [[] for _ in paths]
    outs: list[np.ndarray] = [np.empty(0) for _ in paths]
    for _ in range(rounds):
        for i, call in enumerate(calls):
            t0 = time.process_time()
            outs[i] = call()
            times[i].append(time.process_time() - t0)
    for path, t in zip(paths, times, strict=True):
        print(f"{path}: min {1e3 * min(t):.2f} ms, median {1e3 * float(np.median(t)):.2f} ms CPU")
    for path, out in zip(paths[1:], outs[1:], strict=True):
        assert np.array_equal(out, outs[0]), path
    print("outputs equal as doubles")


if __name__ == "__main__":
    main(sys.argv[1:])
