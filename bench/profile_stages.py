"""Instruction counts of the native engine per stage, under valgrind's callgrind.

Scores the benchmark's clip (``astronaut`` panning, its libx264 encode, as
``bench/benchkit.py`` makes it) with default VMAF and VMAF-NEG (VIF and ADM gain
limits 100 and 1) through the engine's batch call, with callgrind collecting
inside ``vn_frames`` only, then sums the instructions of each kernel into the
stages of the table in ``docs/performance.md``.

Run (about a minute per size on two cores; the counts do not depend on the
machine's load, only on the kernels the SIMD level runs)::

    PYVMAFNEG_NATIVE_SIMD=avx2 python3 bench/profile_stages.py 576x324 1920x1080
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

#: Kernel name (without the level prefix) -> stage.
STAGES: dict[str, str] = {
    "vmom8_17": "VIF vertical moments, scale 0",
    "vmom8_17_fast": "VIF vertical moments, scale 0",
    "vmom16_17": "VIF vertical moments, scale 0",
    "hmom_17": "VIF horizontal moments, scale 0",
    "hmom_madd_17": "VIF horizontal moments, scale 0",
    "hmom_madd_9": "VIF moments, scale 1",
    "hmom_madd_5": "VIF moments, scale 2",
    "hsplit": "VIF horizontal moments, scale 0",
    "vmom16_9": "VIF moments, scale 1",
    "hmom_9": "VIF moments, scale 1",
    "vmom16_5": "VIF moments, scale 2",
    "hmom_5": "VIF moments, scale 2",
    "vmom16_3": "VIF moments, scale 3",
    "hmom_3": "VIF moments, scale 3",
    "sigmas": "VIF per-location statistic",
    "stat": "VIF per-location statistic",
    "stat_fast": "VIF per-location statistic",
    "stat_n": "VIF per-location statistic",
    "dvert_u8_9": "VIF decimation",
    "dvert_u16_9": "VIF decimation",
    "dvert_u16_5": "VIF decimation",
    "dvert_u16_3": "VIF decimation",
    "dhor_9": "VIF decimation",
    "dhor_5": "VIF decimation",
    "dhor_3": "VIF decimation",
    "dwt0_vert_u8": "ADM decomposition",
    "dwt0_vert_u16": "ADM decomposition",
    "dwt0_horiz": "ADM decomposition",
    "dwt_vert64": "ADM decomposition",
    "dwt_horiz64": "ADM decomposition",
    "dwt0_horiz16": "ADM decomposition",
    "den0_row": "ADM CSF and decoupling",
    "den123_row": "ADM CSF and decoupling",
    "decouple": "ADM CSF and decoupling",
    "decouple0": "ADM CSF and decoupling",
    "restore": "ADM CSF and decoupling",
    "restore0": "ADM CSF and decoupling",
    "flt0": "ADM CSF and decoupling",
    "flt0_fast": "ADM CSF and decoupling",
    "flt123": "ADM CSF and decoupling",
    "pool0": "ADM CSF and decoupling",
    "pool0_fast": "ADM CSF and decoupling",
    "pool123": "ADM CSF and decoupling",
    "mvert8": "motion",
    "mvert16": "motion",
    "mhor_sad": "motion",
}

CHILD = """
import itertools
from pyvmafneg.io._rawyuv import read_yuv
from pyvmafneg.engines.native._kernels import FrameKernels
from pyvmafneg.engines.reference._adm import ADM_KERNELS, default_kernel
n = {frames}
ref = [f.planes[0] for f in itertools.islice(read_yuv({ref!r}, {width}, {height}), n)]
dis = [f.planes[0] for f in itertools.islice(read_yuv({dis!r}, {width}, {height}), n)]
fk = FrameKernels((100.0, 1.0), (100.0, 1.0), ADM_KERNELS[default_kernel()])
fk.run(None, ref[0], dis[0], 8)  # checks the layout once (not counted)
fk.run_batch([(ref[i - 1] if i else None, ref[i], dis[i], True) for i in range(n)], 8)
"""


def profile(size: str, frames: int, tmp: Path) -> dict[str, int]:
    """Callgrind's instruction count per kernel inside vn_frames, for ``frames`` frames."""
    sys.path.insert(0, str(Path(__file__).parent))
    from benchkit import make_media  # the clip is made outside valgrind

    m = make_media(size, tmp)
    out = tmp / "callgrind.out"
    code = CHILD.format(
        ref=str(m.ref_yuv), dis=str(m.dis_yuv), width=m.width, height=m.height, frames=frames
    )
    subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--collect-atstart=no",
            "--toggle-collect=vn_frames",
            f"--callgrind-out-file={out}",
            sys.executable,
            "-c",
            code,
        ],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    text = subprocess.run(
        ["callgrind_annotate", "--threshold=100", str(out)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    counts: dict[str, int] = {}
    for line in text.splitlines():
        match = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+\S*:(\w+)", line)
        if match:
            counts[match.group(2)] = counts.get(match.group(2), 0) + int(
                match.group(1).replace(",", "")
            )
    return counts


def stages(counts: dict[str, int]) -> dict[str, int]:
    """Sum kernel counts (self cost) into stages; the rest is the drivers' own work."""
    out: dict[str, int] = {}
    for name, n in counts.items():
        key = re.sub(r"^vn_(c|avx2|avx512)_", "", name)
        stage = STAGES.get(key, "drivers (row loops, padding, per-scale sums)")
        out[stage] = out.get(stage, 0) + n
    return out


def main(argv: list[str]) -> None:
    frames = {"576x324": 8, "1920x1080": 2}
    level = os.environ.get("PYVMAFNEG_NATIVE_SIMD", "best")
    for size in argv or list(frames):
        with tempfile.TemporaryDirectory() as tmp:
            counts = profile(size, frames[size], Path(tmp))
        per = stages(counts)
        total = sum(per.values())
        print(f"\n{size}, SIMD level {level}: instructions per frame (callgrind, self cost)")
        print("| stage | instructions per frame | share |\n| --- | ---: | ---: |")
        for stage, n in sorted(per.items(), key=lambda kv: -kv[1]):
            print(f"| {stage} | {n / frames[size] / 1e6:.1f} M | {100 * n / total:.1f} % |")
        print(f"| total | {total / frames[size] / 1e6:.1f} M | 100 % |")
        for name, n in sorted(counts.items(), key=lambda kv: -kv[1])[:25]:
            print(f"    {name:40s} {n / frames[size] / 1e6:10.2f} M")


if __name__ == "__main__":
    main(sys.argv[1:])
