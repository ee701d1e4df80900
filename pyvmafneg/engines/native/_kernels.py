"""Checked calls into the compiled engine (``pyvmafneg.engines.native._engine``).

Every function here validates shapes, dtypes and strides in Python before it
hands a pointer to C, so the C code only ever reads the rows it was given.
Planes whose rows are not contiguous are copied once into a contiguous array.

Kernel levels (the SIMD code path) are named ``'c'`` (portable C, every CPU),
``'avx2'`` and ``'avx512'``; all give identical numbers. The level used is the
best this CPU runs unless the ``PYVMAFNEG_NATIVE_SIMD`` environment variable
or a ``simd`` argument names another one.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from ...errors import BackendUnavailableError, FrameError, OptionError
from .._integer import ADM_KEYS as _LIBVMAF_ADM_KEYS
from .._models import GAIN_LIMIT_RANGE
from .._planes import check_plane_layout
from ._stamp import source_stamp

__all__ = [
    "API_VERSION",
    "ENV_SIMD",
    "EVIDENCE_KEEP_FLOATS",
    "LEVELS",
    "METRIC_KEYS",
    "MS_SSIM_KEYS",
    "MS_SSIM_MIN_SIDE",
    "MetricSettings",
    "adm",
    "available",
    "available_levels",
    "evidence_levels",
    "evidence_sums",
    "float_ms_ssim",
    "float_ssim",
    "max_gain_limits",
    "motion_sad",
    "psnr",
    "resolve_simd",
    "simd_level",
    "vif",
]

#: Environment variable that forces a kernel level (``c``, ``avx2``, ``avx512``).
ENV_SIMD: Final[str] = "PYVMAFNEG_NATIVE_SIMD"
#: Kernel level name -> the C engine's level number (``enum vn_simd`` in ``csrc/include/engine.h``).
LEVELS: Final[dict[str, int]] = {"c": 0, "avx2": 1, "avx512": 2}
_NAMES: Final[dict[int, str]] = {v: k for k, v in LEVELS.items()}
#: Per gain limit, what the ADM call returns, in order (``cap_share_scale*`` are the
#: engine's own cap-activity shares).
ADM_KEYS: Final[tuple[str, ...]] = (
    *_LIBVMAF_ADM_KEYS,
    *(f"cap_share_scale{s}" for s in range(4)),
)
#: What a frame row holds after the motion SAD when PSNR, SSIM or MS-SSIM are asked for, in
#: order (libvmaf's feature names; NaN where not computed).
METRIC_KEYS: Final[tuple[str, ...]] = (
    "psnr_y",
    "psnr_cb",
    "psnr_cr",
    "mse_y",
    "mse_cb",
    "mse_cr",
    "float_ssim",
    "float_ssim_l",
    "float_ssim_c",
    "float_ssim_s",
    "float_ms_ssim",
    *(f"float_ms_ssim_{p}_scale{s}" for p in "lcs" for s in range(5)),
)
#: Samples a side the SSIM window needs after scaling.
SSIM_WINDOW: Final[int] = 11


@dataclass(frozen=True)
class MetricSettings:
    """A clip's PSNR, SSIM and MS-SSIM settings, as libvmaf's extractors derive them at start-up.

    Attributes
    ----------
    psnr_planes:
        0 (no PSNR), 1 (luma) or 3 (luma, Cb, Cr).
    psnr_peak_sq:
        The squared peak PSNR divides by (65025 for 8-bit samples).
    psnr_max:
        Each plane's PSNR ceiling in dB.
    ssim:
        Whether float SSIM is computed.
    ssim_scale:
        Its scale: 0 (automatic) or 1..10.
    ms_ssim:
        Whether MS-SSIM (with its per-scale means) is computed.
    """

    psnr_planes: int = 0
    psnr_peak_sq: float = 65025.0
    psnr_max: tuple[float, float, float] = (60.0, 60.0, 60.0)
    ssim: bool = False
    ssim_scale: int = 0
    ms_ssim: bool = False


#: The engine interface this module calls (the C ``VN_API_VERSION``): bumped with it whenever
#: a kernel's signature, the kernel table or the values a call writes change.
API_VERSION: Final[int] = 1
#: The C sources beside the package in a source tree (absent in an installed wheel).
CSRC: Final[Path] = Path(__file__).resolve().parents[3] / "csrc"
#: How to rebuild an engine left behind by a change.
REBUILD: Final[str] = "rebuild it: reinstall the package (pip install -e . in its source tree)"

_lib: Any = None
_ffi: Any = None
_import_error: str | None = None
_stale: bool = False


def _stale_reason(ffi: Any, lib: Any) -> str | None:
    """Why a compiled engine does not match this Python code, or None when it does.

    An engine of another :data:`API_VERSION`, or (in a source tree) built from
    other sources than the ``csrc/`` beside it, was left unbuilt after a change:
    its kernels may take other arguments or write other values.
    """
    version = getattr(lib, "VN_API_VERSION", None)
    if version != API_VERSION:
        return (
            f"the compiled native engine is stale: it implements interface version "
            f"{version if version is not None else 'none (older than versioning)'} and this "
            f"package calls version {API_VERSION}"
        )
    if CSRC.is_dir():
        built = ffi.string(lib.vn_source_stamp()).decode("ascii", "replace")
        here = source_stamp(CSRC)
        if built != here:
            return (
                f"the compiled native engine is stale: it was built from other C sources "
                f"(stamp {built or 'none'}) than {str(CSRC)!r} holds (stamp {here})"
            )
    return None


def _load() -> tuple[Any, Any]:
    """Return ``(ffi, lib)`` of the compiled engine or raise BackendUnavailableError.

    A stale engine (see :func:`_stale_reason`) counts as unavailable; the first
    load warns (``RuntimeWarning``) naming the fix, since scoring then falls
    back to libvmaf.
    """
    global _lib, _ffi, _import_error, _stale
    if _lib is None and _import_error is None:
        try:
            from . import _engine  # type: ignore[attr-defined]
        except ImportError as exc:
            _import_error = str(exc)
        else:
            reason = _stale_reason(_engine.ffi, _engine.lib)
            if reason is None:
                _ffi, _lib = _engine.ffi, _engine.lib
            else:
                _import_error, _stale = reason, True
                warnings.warn(f"{reason}; {REBUILD}", RuntimeWarning, stacklevel=3)
    if _lib is None and _stale:
        raise BackendUnavailableError(
            f"{_import_error}; the native engine is not used",
            advice=f"{REBUILD}; or score with {{backend}}",
            options={"backend": "libvmaf"},
            backend="native",
            available=("libvmaf", "ffmpeg", "reference"),
        )
    if _lib is None:
        raise BackendUnavailableError(
            "the native engine is not built in this installation "
            f"(pyvmafneg.engines.native._engine cannot be imported: {_import_error}); it is "
            "compiled when the package is installed from source with a C compiler and Python "
            "headers present",
            advice="reinstall from the source tree (pip install -e .), or score with {backend}",
            options={"backend": "libvmaf"},
            backend="native",
            available=("libvmaf", "ffmpeg", "reference"),
        )
    return _ffi, _lib


def max_gain_limits() -> int:
    """Most gain limits one call into the engine evaluates (the C ``VN_MAX_GAIN_LIMITS``)."""
    _, lib = _load()
    return int(lib.VN_MAX_GAIN_LIMITS)


def available() -> bool:
    """True when the compiled engine can be imported."""
    try:
        _load()
    except BackendUnavailableError:
        return False
    return True


def simd_level() -> str:
    """Name of the best kernel level this CPU runs (``'c'``, ``'avx2'`` or ``'avx512'``)."""
    _, lib = _load()
    return _NAMES[int(lib.vn_simd_level())]


def available_levels() -> tuple[str, ...]:
    """Every kernel level this CPU runs, portable C first."""
    best = LEVELS[simd_level()]
    return tuple(name for name, n in LEVELS.items() if n <= best)


def resolve_simd(simd: str | None = None) -> str:
    """The kernel level to use: ``simd``, else ``$PYVMAFNEG_NATIVE_SIMD``, else the best.

    Raises
    ------
    OptionError
        For an unknown level name or one this CPU cannot run.
    """
    name = simd if simd is not None else os.environ.get(ENV_SIMD) or None
    if name is None:
        return simd_level()
    key = str(name).strip().lower()
    if key not in LEVELS:
        source = "simd" if simd is not None else ENV_SIMD
        raise OptionError(
            f"{source}={name!r} is not a kernel level; choose one of {', '.join(LEVELS)}"
        )
    if key not in available_levels():
        raise OptionError(
            f"this CPU cannot run the {key!r} kernels; it runs {', '.join(available_levels())}"
        )
    return key


def _plane(
    plane: object, bitdepth: int, name: str, min_side: int
) -> tuple[NDArray[np.unsignedinteger], int]:
    """Validate one plane; return it (rows contiguous) and its row stride in samples."""
    plane = check_plane_layout(plane, bitdepth, name, min_side)
    w = plane.shape[1]
    item = plane.itemsize
    s0, s1 = plane.strides
    if s1 != item or s0 < w * item or s0 % item or not plane.flags.aligned:
        # the one copy, for strided views and samples at an address the C code
        # may not load a uint16 from (ascontiguousarray keeps a misaligned buffer)
        plane = np.array(plane, order="C", copy=True)
        s0 = plane.strides[0]
    return plane, s0 // item


def _pair(
    ref: object, dis: object, bitdepth: int, min_side: int
) -> tuple[NDArray[np.unsignedinteger], int, NDArray[np.unsignedinteger], int]:
    if isinstance(bitdepth, bool) or not isinstance(bitdepth, (int, np.integer)):
        raise FrameError(f"bitdepth must be an integer in [8, 16], got {bitdepth!r}")
    if not 8 <= int(bitdepth) <= 16:
        raise FrameError(f"bitdepth must be an integer in [8, 16], got {bitdepth}")
    r, rs = _plane(ref, int(bitdepth), "ref", min_side)
    d, ds = _plane(dis, int(bitdepth), "dis", min_side)
    if r.shape != d.shape:
        raise FrameError(f"ref and dis must have the same shape, got {r.shape} and {d.shape}")
    return r, rs, d, ds


def _ptr(ffi: Any, plane: NDArray[np.unsignedinteger]) -> Any:
    ctype = "const uint8_t *" if plane.dtype == np.uint8 else "const uint16_t *"
    return ffi.cast(ctype, plane.ctypes.data)


def _check_rc(rc: int, what: str) -> None:
    """Raise the Python error for a return code of the engine (``enum vn_status``).

    ``VN_ENOMEM`` raises MemoryError; ``VN_EINVAL`` (a plane layout, size or
    argument the engine refuses: the checks here normally rule it out) raises
    FrameError; ``VN_ENOTSUP`` (a kernel level this CPU or build cannot run)
    raises OptionError; any other non-zero code raises RuntimeError.
    """
    if rc == 0:
        return
    ffi, lib = _load()
    name = ffi.string(lib.vn_error_name(rc)).decode()
    if rc == lib.VN_ENOMEM:
        raise MemoryError(f"the native engine could not allocate memory for {what}")
    if rc == lib.VN_EINVAL:
        raise FrameError(f"the native engine refused the {what} call: {name} (code {rc})")
    if rc == lib.VN_ENOTSUP:
        raise OptionError(
            f"the native engine cannot run the {what} call at the kernel level asked for: "
            f"{name} (code {rc}); it runs {', '.join(available_levels())}"
        )
    raise RuntimeError(f"the native engine failed the {what} call: {name} (code {rc})")


def vif(
    ref: NDArray[np.unsignedinteger],
    dis: NDArray[np.unsignedinteger],
    bitdepth: int,
    gain_limits: Sequence[float],
    simd: str | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Integer VIF of one luma pair for several gain limits from one filtering pass.

    Parameters
    ----------
    ref, dis:
        Luma planes, shape (height, width), both sides >= 16; ``uint8`` for
        8-bit, ``uint16`` for 9..16-bit samples.
    bitdepth:
        Sample bit depth, 8..16.
    gain_limits:
        ``vif_enhn_gain_limit`` values, 1 to :func:`max_gain_limits` of them,
        each in [1, 100].
    simd:
        Kernel level (see :func:`resolve_simd`).

    Returns
    -------
    scores, capped, locations
        ``scores[i, s]``: ``vif_scale{s}`` at ``gain_limits[i]`` (libvmaf's
        doubles); ``capped[i, s]``: locations of scale ``s`` where the gain was
        held at ``gain_limits[i]``; ``locations[s]``: locations in scale ``s``.
    """
    ffi, lib = _load()
    r, rs, d, ds = _pair(ref, dis, bitdepth, 16)
    limits = np.array([float(g) for g in gain_limits], dtype=np.float64)
    most = int(lib.VN_MAX_GAIN_LIMITS)
    if not 1 <= limits.size <= most:
        raise OptionError(f"give 1 to {most} gain limits, got {limits.size}")
    lo, hi = GAIN_LIMIT_RANGE
    if not np.all((limits >= lo) & (limits <= hi)):
        raise OptionError(f"gain limits must be in [{lo:g}, {hi:g}], got {limits.tolist()}")
    level = LEVELS[resolve_simd(simd)]
    scores = np.zeros((limits.size, 4), dtype=np.float64)
    capped = np.zeros((limits.size, 4), dtype=np.int64)
    locations = np.zeros(4, dtype=np.int64)
    h, w = r.shape
    rc = lib.vn_vif(
        _ptr(ffi, r),
        _ptr(ffi, d),
        w,
        h,
        rs * r.itemsize,
        ds * d.itemsize,
        int(bitdepth),
        ffi.cast("const double *", limits.ctypes.data),
        limits.size,
        level,
        ffi.cast("double *", scores.ctypes.data),
        ffi.cast("int64_t *", capped.ctypes.data),
        ffi.cast("int64_t *", locations.ctypes.data),
    )
    _check_rc(rc, "VIF")
    return scores, capped, locations


def motion_sad(
    prev: NDArray[np.unsignedinteger],
    cur: NDArray[np.unsignedinteger],
    bitdepth: int,
    simd: str | None = None,
) -> float:
    """libvmaf's motion SAD of reference frame ``cur`` against ``prev``.

    Planes as in :func:`vif`, both sides >= 3; ``simd`` as for :func:`vif`.
    Returns the blurred mean absolute difference in 8-bit luma levels per
    pixel (clamped to 10000).
    """
    ffi, lib = _load()
    p, ps, c, cs = _pair(prev, cur, bitdepth, 3)
    out = ffi.new("double *")
    h, w = p.shape
    level = LEVELS[resolve_simd(simd)]
    rc = lib.vn_motion_sad(
        _ptr(ffi, p),
        _ptr(ffi, c),
        w,
        h,
        ps * p.itemsize,
        cs * c.itemsize,
        int(bitdepth),
        level,
        out,
    )
    _check_rc(rc, "motion")
    return float(out[0])


def adm(
    ref: NDArray[np.unsignedinteger],
    dis: NDArray[np.unsignedinteger],
    bitdepth: int,
    gain_limits: Sequence[float],
    lanes: int,
    simd: str | None = None,
) -> NDArray[np.float64]:
    """Integer ADM of one luma pair for several gain limits from one wavelet pass.

    Parameters
    ----------
    ref, dis:
        Luma planes as in :func:`vif`, both sides in [33, 32768].
    bitdepth:
        8, 10, 12 or 16.
    gain_limits:
        ``adm_enhn_gain_limit`` values, each in [1, 100].
    lanes:
        libvmaf's scale-0 masking code path to reproduce, the value of
        :data:`pyvmafneg.engines.reference._adm.ADM_KERNELS` for the kernel.
    simd:
        Kernel level (see :func:`resolve_simd`).

    Returns
    -------
    NDArray[np.float64]
        Shape ``(len(gain_limits), 11)``, columns :data:`ADM_KEYS`.
    """
    ffi, lib = _load()
    if int(bitdepth) not in (8, 10, 12, 16):
        raise FrameError(f"ADM takes 8, 10, 12 or 16-bit samples, got bitdepth={bitdepth}")
    r, rs, d, ds = _pair(ref, dis, bitdepth, 33)
    h, w = r.shape
    if max(h, w) > 32768:
        raise FrameError(f"ADM takes frames of at most 32768 pixels a side, got {w}x{h}")
    if rs != ds:  # the engine takes one stride for both planes
        r, d = np.ascontiguousarray(r), np.ascontiguousarray(d)
        if r is ref or d is dis or r.strides != d.strides:
            r, d = np.array(r, copy=True), np.array(d, copy=True)
        rs = r.strides[0] // r.itemsize
    limits = np.array([float(g) for g in gain_limits], dtype=np.float64)
    lo, hi = GAIN_LIMIT_RANGE
    most = int(lib.VN_MAX_GAIN_LIMITS)
    if not 1 <= limits.size <= most or not np.all((limits >= lo) & (limits <= hi)):
        raise OptionError(
            f"give 1 to {most} gain limits in [{lo:g}, {hi:g}], got {limits.tolist()}"
        )
    level = LEVELS[resolve_simd(simd)]
    n = int(lib.vn_adm_outputs_per_limit())
    out = np.full((limits.size, n), np.nan, dtype=np.float64)
    rc = lib.vn_adm_multi(
        _ptr(ffi, r),
        _ptr(ffi, d),
        rs * r.itemsize,
        w,
        h,
        int(bitdepth),
        ffi.cast("const double *", limits.ctypes.data),
        limits.size,
        int(lanes),
        level,
        ffi.cast("double *", out.ctypes.data),
        out.size,
    )
    _check_rc(rc, "ADM")
    return out


def psnr(
    ref: NDArray[np.unsignedinteger],
    dis: NDArray[np.unsignedinteger],
    bitdepth: int,
    peak_sq: float,
    psnr_max: float,
) -> tuple[float, float, int]:
    """libvmaf's PSNR of one plane pair: ``(psnr, mse, sse)``.

    Parameters
    ----------
    ref, dis:
        One plane of each frame (any size >= 1x1), ``uint8`` for 8-bit,
        ``uint16`` for 9..16-bit samples.
    bitdepth:
        Sample bit depth, 8..16.
    peak_sq, psnr_max:
        The squared peak and the ceiling in dB (see :class:`MetricSettings`).

    Returns
    -------
    psnr, mse, sse
        PSNR in dB (at most ``psnr_max``), the mean squared error in squared
        sample levels, and the exact sum of squared differences.
    """
    ffi, lib = _load()
    r, rs, d, ds = _pair(ref, dis, bitdepth, 1)
    h, w = r.shape
    sse = ffi.new("uint64_t *")
    rc = lib.vn_psnr_sse(
        _ptr(ffi, r), _ptr(ffi, d), w, h, rs * r.itemsize, ds * d.itemsize, int(bitdepth), sse
    )
    _check_rc(rc, "PSNR")
    p, m = ffi.new("double *"), ffi.new("double *")
    _check_rc(lib.vn_psnr_from_sse(sse[0], w, h, float(peak_sq), float(psnr_max), p, m), "PSNR")
    return float(p[0]), float(m[0]), int(sse[0])


def evidence_levels(width: int, height: int, levels: int, min_side: int) -> tuple[int, int, int]:
    """The band-pass levels a ``width`` x ``height`` plane runs, and the last one's sides.

    A level runs while both sides are at least ``min_side`` (at most ``levels`` of them);
    each next level has the sides halved, odd ones rounded up. Returns ``(run, width,
    height)``, the sides those of the last level run (the plane's own when none runs).
    """
    run, w, h, lw, lh = 0, int(width), int(height), int(width), int(height)
    while run < levels and w >= min_side and h >= min_side:
        run, lw, lh, w, h = run + 1, w, h, (w + 1) // 2, (h + 1) // 2
    return run, lw, lh


#: Each thread's work buffer of :func:`evidence_sums`, kept between calls: a fresh buffer
#: of a 1080p frame's size costs more in page faults than the sums themselves. Buffers of
#: more than this many floats (64 MiB; frames above about 2560x1440) are not kept.
EVIDENCE_KEEP_FLOATS = 16 << 20
_evidence_local = threading.local()


def _evidence_work(floats: int) -> NDArray[np.float32] | None:
    """This thread's work buffer of at least ``floats`` floats, or None past the cap (the
    engine then allocates its own for the call)."""
    if floats > EVIDENCE_KEEP_FLOATS:
        return None
    work = getattr(_evidence_local, "work", None)
    if work is None or work.size < floats:
        work = _evidence_local.work = np.empty(floats, dtype=np.float32)
    return work


def evidence_sums(
    ref: NDArray[np.unsignedinteger],
    dis: NDArray[np.unsignedinteger],
    bitdepth: int,
    levels: int,
    min_side: int,
    quantiles: tuple[float, float],
    simd: str | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float32], NDArray[np.float32]]:
    """The band-pass sums of the enhancement verdict's frame evidence, in C.

    What :func:`pyvmafneg.verdict._projection.frame_sums` computes for its band-pass
    levels, with the same float32 pyramid and masks (bit for bit) and the double sums
    added in another order.

    Parameters
    ----------
    ref, dis:
        Luma planes of the same shape, both sides >= ``min_side``, ``uint8`` for 8-bit,
        ``uint16`` for 9..16-bit samples (measured in 8-bit units).
    bitdepth:
        Sample bit depth, 8..16.
    levels, min_side:
        Most band-pass levels (1..8) and the shortest side a level needs (>= 5).
    quantiles:
        The structured and edge thresholds' quantiles of the local energy, ``0 <= top <=
        edge <= 1``.
    simd:
        Kernel level (None: :func:`resolve_simd`).

    Returns
    -------
    sums, counts, low_ref, low_dis
        ``sums`` ``(levels, 9)``: per level run, ``(rr, rd, dd)`` over every location, the
        structured ones and the edges (NaN rows for levels not run); ``counts``
        ``(levels, 2)``: the structured and edge locations (-1: not run); ``low_ref``,
        ``low_dis``: the float32 blur of each plane's last level run (its even rows and
        columns are the low-pass level).
    """
    ffi, lib = _load()
    if (
        isinstance(levels, bool)
        or not isinstance(levels, (int, np.integer))
        or not 1 <= levels <= 8
    ):
        raise FrameError(f"levels must be an integer in [1, 8], got {levels!r}")
    if isinstance(min_side, bool) or not isinstance(min_side, (int, np.integer)) or min_side < 5:
        raise FrameError(f"min_side must be an integer >= 5, got {min_side!r}")
    top, edge = (float(q) for q in quantiles)
    if not 0.0 <= top <= edge <= 1.0:
        raise FrameError(f"quantiles must satisfy 0 <= top <= edge <= 1, got {quantiles!r}")
    r, rs, d, ds = _pair(ref, dis, bitdepth, int(min_side))
    h, w = r.shape
    _, lw, lh = evidence_levels(w, h, int(levels), int(min_side))
    work = _evidence_work(int(lib.vn_evidence_work_floats(w, h)))
    sums = np.empty((int(levels), 9), dtype=np.float64)
    counts = np.empty((int(levels), 2), dtype=np.int64)
    low_ref = np.empty((lh, lw), dtype=np.float32)
    low_dis = np.empty((lh, lw), dtype=np.float32)
    rc = lib.vn_evidence_sums(
        _ptr(ffi, r),
        _ptr(ffi, d),
        w,
        h,
        rs * r.itemsize,
        ds * d.itemsize,
        int(bitdepth),
        int(levels),
        int(min_side),
        top,
        edge,
        LEVELS[resolve_simd(simd)],
        ffi.cast("double *", sums.ctypes.data),
        ffi.cast("int64_t *", counts.ctypes.data),
        ffi.cast("float *", low_ref.ctypes.data),
        ffi.cast("float *", low_dis.ctypes.data),
        lw,
        lh,
        ffi.NULL if work is None else ffi.cast("float *", work.ctypes.data),
        0 if work is None else work.size,
    )
    _check_rc(rc, "frame evidence")
    return sums, counts, low_ref, low_dis


def ssim_scale(width: int, height: int, scale: int = 0) -> int:
    """The scale float SSIM averages a ``width`` x ``height`` plane down by (0: automatic)."""
    _, lib = _load()
    return int(scale) if scale > 0 else int(lib.vn_float_ssim_auto_scale(width, height))


def check_ssim_size(width: int, height: int, scale: int = 0) -> None:
    """Raise :class:`FrameError` when the SSIM window does not fit the scaled plane."""
    f = ssim_scale(width, height, scale)
    sw, sh = (width // f + (width & 1), height // f + (height & 1)) if f > 1 else (width, height)
    if min(sw, sh) < SSIM_WINDOW or (f > 1 and min(width, height) < 2 * f):
        raise FrameError(
            f"float SSIM needs at least {SSIM_WINDOW} samples a side after scaling by {f}; "
            f"a {width}x{height} plane has {sw}x{sh}"
        )


def float_ssim(
    ref: NDArray[np.unsignedinteger],
    dis: NDArray[np.unsignedinteger],
    bitdepth: int,
    scale: int = 0,
    simd: str | None = None,
) -> NDArray[np.float64]:
    """libvmaf's float SSIM of one luma pair: ``[ssim, l, c, s]`` (each in [-1, 1]).

    Parameters
    ----------
    ref, dis:
        Luma planes, ``uint8`` for 8-bit, ``uint16`` for 10, 12 or 16-bit.
    bitdepth:
        8, 10, 12 or 16.
    scale:
        0: libvmaf's automatic scale, max(1, round(min(w, h) / 256)); 1..10:
        that scale.
    simd:
        Kernel level (see :func:`resolve_simd`); every level gives the same values.
    """
    ffi, lib = _load()
    level = LEVELS[resolve_simd(simd)]
    if int(bitdepth) not in (8, 10, 12, 16):
        raise FrameError(f"float SSIM takes 8, 10, 12 or 16-bit samples, got {bitdepth}")
    if isinstance(scale, bool) or not 0 <= int(scale) <= 10:
        raise OptionError(f"the SSIM scale must be 0 (automatic) to 10, got {scale!r}")
    r, rs, d, ds = _pair(ref, dis, bitdepth, 1)
    h, w = r.shape
    check_ssim_size(w, h, int(scale))
    out = np.full(4, np.nan, dtype=np.float64)
    rc = lib.vn_float_ssim(
        _ptr(ffi, r),
        _ptr(ffi, d),
        w,
        h,
        rs * r.itemsize,
        ds * d.itemsize,
        int(bitdepth),
        int(scale),
        level,
        ffi.cast("double *", out.ctypes.data),
    )
    _check_rc(rc, "SSIM")
    return out


#: What :func:`float_ms_ssim` returns, in order (libvmaf's feature names; the per-scale
#: means are libvmaf's ``enable_lcs`` outputs).
MS_SSIM_KEYS: Final[tuple[str, ...]] = METRIC_KEYS[10:]
#: Samples a side MS-SSIM needs: its fifth scale (four halvings) keeps the 11-sample window.
MS_SSIM_MIN_SIDE: Final[int] = 16 * SSIM_WINDOW


def check_ms_ssim_size(width: int, height: int) -> None:
    """Raise :class:`FrameError` when a plane is too small for MS-SSIM's five scales."""
    if min(width, height) < MS_SSIM_MIN_SIDE:
        raise FrameError(
            f"MS-SSIM needs at least {MS_SSIM_MIN_SIDE} samples a side (its fifth scale, "
            f"halved four times, keeps the {SSIM_WINDOW}-sample window); the plane is "
            f"{width}x{height}"
        )


def float_ms_ssim(
    ref: NDArray[np.unsignedinteger],
    dis: NDArray[np.unsignedinteger],
    bitdepth: int,
    simd: str | None = None,
) -> NDArray[np.float64]:
    """libvmaf's MS-SSIM of one luma pair: 16 values, in :data:`MS_SSIM_KEYS` order.

    The first is the multi-scale SSIM (about 0..1, 1 for identical planes); then the
    means of l, c and s at scales 0 (full size) to 4, each in [-1, 1].

    Parameters
    ----------
    ref, dis:
        Luma planes, ``uint8`` for 8-bit, ``uint16`` for 10, 12 or 16-bit, at least
        :data:`MS_SSIM_MIN_SIDE` samples a side.
    bitdepth:
        8, 10, 12 or 16.
    simd:
        Kernel level (see :func:`resolve_simd`); every level gives the same values.
    """
    ffi, lib = _load()
    level = LEVELS[resolve_simd(simd)]
    if int(bitdepth) not in (8, 10, 12, 16):
        raise FrameError(f"MS-SSIM takes 8, 10, 12 or 16-bit samples, got {bitdepth}")
    r, rs, d, ds = _pair(ref, dis, bitdepth, 1)
    h, w = r.shape
    check_ms_ssim_size(w, h)
    out = np.full(len(MS_SSIM_KEYS), np.nan, dtype=np.float64)
    rc = lib.vn_float_ms_ssim(
        _ptr(ffi, r),
        _ptr(ffi, d),
        w,
        h,
        rs * r.itemsize,
        ds * d.itemsize,
        int(bitdepth),
        level,
        ffi.cast("double *", out.ctypes.data),
    )
    _check_rc(rc, "MS-SSIM")
    return out


#: A frame pair's chroma planes: reference Cb, Cr, distorted Cb, Cr.
Chroma = tuple[
    NDArray[np.unsignedinteger],
    NDArray[np.unsignedinteger],
    NDArray[np.unsignedinteger],
    NDArray[np.unsignedinteger],
]


class FrameKernels:
    """One clip's calls into the engine: motion SAD, ADM and VIF of a frame into one row.

    The gain limits, the kernel level and (after the first frame) the plane layout
    are checked once; a frame whose planes keep that layout (same shape and dtype,
    rows contiguous) goes straight to C, any other frame through the fully checked
    :func:`vif`, :func:`adm` and :func:`motion_sad`, which validate it or raise.

    Parameters
    ----------
    vif_limits, adm_limits:
        Gain limits of the VIF and ADM features (each 0 to :func:`max_gain_limits`
        of them, in [1, 100]).
    lanes:
        libvmaf's scale-0 ADM masking code path (see :func:`adm`).
    simd:
        Kernel level (see :func:`resolve_simd`).
    metrics:
        PSNR and SSIM settings (None: neither); chroma planes are then given
        to :meth:`run` as ``(ref_cb, ref_cr, dis_cb, dis_cr)``.

    Attributes
    ----------
    size:
        Values in a row: ``len(adm_limits) * len(ADM_KEYS)`` ADM values (per
        limit, in :data:`ADM_KEYS` order), then ``4 * len(vif_limits)`` VIF
        scores (per limit, scales 0..3), then as many counts of capped VIF
        locations (exact integers held as doubles), then the motion SAD
        (NaN when not computed), then with ``metrics`` the values of
        :data:`METRIC_KEYS` (:attr:`metric_slice`).
    locations:
        Locations per VIF scale (set by the first frame scored).
    """

    def __init__(
        self,
        vif_limits: Sequence[float],
        adm_limits: Sequence[float],
        lanes: int,
        simd: str | None = None,
        metrics: MetricSettings | None = None,
    ) -> None:
        self._ffi, self._lib = _load()
        lo, hi = GAIN_LIMIT_RANGE
        self.vif_limits = np.array([float(g) for g in vif_limits], dtype=np.float64)
        self.adm_limits = np.array([float(g) for g in adm_limits], dtype=np.float64)
        most = int(self._lib.VN_MAX_GAIN_LIMITS)
        for limits in (self.vif_limits, self.adm_limits):
            if limits.size > most or not np.all((limits >= lo) & (limits <= hi)):
                raise OptionError(
                    f"give at most {most} gain limits in [{lo:g}, {hi:g}], got {limits.tolist()}"
                )
        self.lanes = int(lanes)
        self.simd = resolve_simd(simd)
        self._level = LEVELS[self.simd]
        self._n_adm = int(self._lib.vn_adm_outputs_per_limit())
        self.adm_width = self._n_adm
        nv, na = self.vif_limits.size, self.adm_limits.size
        self.adm_slice = slice(0, na * self._n_adm)
        self.vif_slice = slice(self.adm_slice.stop, self.adm_slice.stop + 4 * nv)
        self.capped_slice = slice(self.vif_slice.stop, self.vif_slice.stop + 4 * nv)
        self.sad_index = self.capped_slice.stop
        self.metrics = metrics
        n_metrics = int(self._lib.vn_frame_metric_outputs()) if metrics is not None else 0
        assert n_metrics in (0, len(METRIC_KEYS))
        self.metric_slice = slice(self.sad_index + 1, self.sad_index + 1 + n_metrics)
        self.size = self.metric_slice.stop
        self.locations: NDArray[np.int64] | None = None
        self._layout: tuple[tuple[int, int], np.dtype[Any], int] | None = None
        self._chroma_shape: tuple[int, int] | None = None
        self._metrics_ptr = self._ffi.NULL
        if metrics is not None:
            m = self._ffi.new("vn_metrics *")
            m.psnr_planes = metrics.psnr_planes
            m.psnr_peak_sq = metrics.psnr_peak_sq
            for i in range(3):
                m.psnr_max[i] = metrics.psnr_max[i]
            m.ssim = 1 if metrics.ssim else 0
            m.ssim_scale = metrics.ssim_scale
            m.ms_ssim = 1 if metrics.ms_ssim else 0
            self._metrics_ptr = m
        self._vif_ptr = self._ffi.cast("const double *", self.vif_limits.ctypes.data)
        self._adm_ptr = self._ffi.cast("const double *", self.adm_limits.ctypes.data)
        self._u8 = True

    def _fits(self, plane: object) -> bool:
        layout = self._layout
        return (
            layout is not None
            and type(plane) is np.ndarray
            and plane.flags.aligned
            and plane.shape == layout[0]
            and plane.dtype == layout[1]
            and plane.strides[1] == plane.itemsize
            and plane.strides[0] == plane.shape[1] * plane.itemsize
        )

    def run(
        self,
        prev: NDArray[np.unsignedinteger] | None,
        ref: NDArray[np.unsignedinteger],
        dis: NDArray[np.unsignedinteger],
        bitdepth: int,
        features: bool = True,
        chroma: Chroma | None = None,
    ) -> NDArray[np.float64]:
        """Score one frame: a row of :attr:`size` values (features only when ``features``).

        ``prev`` is the previous reference luma plane (None: no motion SAD);
        ``chroma`` the frames' ``(ref_cb, ref_cr, dis_cb, dis_cr)`` planes when
        the metrics ask for chroma PSNR.
        """
        fast = (
            self._layout is not None
            and bitdepth == self._layout[2]
            and self._fits(ref)
            and self._fits(dis)
            and (prev is None or self._fits(prev))
            and self._chroma_fits(chroma)
        )
        if not fast:
            row = np.full(self.size, np.nan, dtype=np.float64)
            return self._run_checked(prev, ref, dis, bitdepth, features, row, chroma)
        # one call for the whole frame: the engine fills every value of the row
        ffi = self._ffi
        row = np.empty(self.size, dtype=np.float64)
        ctype = "const uint8_t *" if self._u8 else "const uint16_t *"
        h, w = ref.shape
        rc = self._lib.vn_frame(
            ffi.NULL if prev is None else ffi.cast(ctype, prev.ctypes.data),
            ffi.cast(ctype, ref.ctypes.data),
            ffi.cast(ctype, dis.ctypes.data),
            w,
            h,
            ref.strides[0],
            bitdepth,
            self._vif_ptr,
            self.vif_limits.size,
            self._adm_ptr,
            self.adm_limits.size,
            self.lanes,
            self._level,
            1 if features else 0,
            self._metrics_ptr,
            self._chroma_pointers([chroma]),
            ffi.cast("double *", row.ctypes.data),
            self.size,
        )
        _check_rc(rc, "frame")
        return row

    def _wants_chroma(self) -> bool:
        return self.metrics is not None and self.metrics.psnr_planes == 3

    def _chroma_fits(self, chroma: Chroma | None) -> bool:
        if not self._wants_chroma():
            return True
        shape = self._chroma_shape
        return (
            chroma is not None
            and shape is not None
            and len(chroma) == 4
            and all(
                type(p) is np.ndarray
                and p.shape == shape
                and p.dtype == self._layout[1]  # type: ignore[index]
                and p.strides == (shape[1] * p.itemsize, p.itemsize)
                for p in chroma
            )
        )

    def _chroma_pointers(self, frames: Sequence[Chroma | None]) -> Any:
        """The engine's chroma pointer array for frames already checked (NULL: no chroma)."""
        ffi = self._ffi
        if not self._wants_chroma():
            return ffi.NULL
        ptrs = ffi.new("const void *[]", 4 * len(frames))
        for i, chroma in enumerate(frames):
            assert chroma is not None
            for j, plane in enumerate(chroma):
                ptrs[4 * i + j] = ffi.cast("const void *", plane.ctypes.data)
        return ptrs

    def run_batch(
        self,
        frames: Sequence[
            tuple[
                NDArray[np.unsignedinteger] | None,
                NDArray[np.unsignedinteger],
                NDArray[np.unsignedinteger],
                bool,
            ]
        ],
        bitdepth: int,
        chroma: Sequence[Chroma | None] | None = None,
    ) -> NDArray[np.float64]:
        """Score ``(prev, ref, dis, features)`` frames: one row each, as :meth:`run` gives.

        ``chroma`` holds each frame's chroma planes (as for :meth:`run`), or is
        None. Frames of the checked layout go to the engine in one call;
        otherwise each frame goes through :meth:`run`.
        """
        planes: Sequence[Chroma | None] = chroma if chroma is not None else [None] * len(frames)
        fast = self.fits(frames, bitdepth, planes)
        if not fast:
            return np.array(
                [
                    self.run(prev, ref, dis, bitdepth, features, c)
                    for (prev, ref, dis, features), c in zip(frames, planes, strict=True)
                ],
                dtype=np.float64,
            ).reshape(len(frames), self.size)
        n = len(frames)
        out = np.empty((n, self.size), dtype=np.float64)
        prevs, refs, flags = self._reference_pointers(frames)
        diss = self._ffi.new("const void *[]", [self._pointer(dis) for _, _, dis, _ in frames])
        rc = self._lib.vn_frames(
            n,
            prevs,
            refs,
            diss,
            flags,
            *self._clip_arguments(bitdepth),
            self._chroma_pointers(planes),
            self._ffi.cast("double *", out.ctypes.data),
            self.size,
        )
        _check_rc(rc, "frame")
        return out

    def _pointer(self, plane: NDArray[np.unsignedinteger] | None) -> Any:
        """The plane's first sample as ``const void *`` (NULL for None)."""
        if plane is None:
            return self._ffi.NULL
        return self._ffi.cast("const void *", plane.ctypes.data)

    def _reference_pointers(self, frames: Sequence[tuple[Any, Any, Any, bool]]) -> tuple[Any, ...]:
        """C arrays of each frame's previous and reference planes, and its features flag."""
        ffi = self._ffi
        prevs = ffi.new("const void *[]", [self._pointer(prev) for prev, _, _, _ in frames])
        refs = ffi.new("const void *[]", [self._pointer(ref) for _, ref, _, _ in frames])
        flags = ffi.new("int[]", [1 if features else 0 for _, _, _, features in frames])
        return prevs, refs, flags

    def _clip_arguments(self, bitdepth: int) -> tuple[Any, ...]:
        """The engine call's arguments that hold for the whole clip: geometry, bit depth,
        gain limits, masking lanes, SIMD level and the extra metrics' settings."""
        h, w = self._layout[0]  # type: ignore[index]
        return (
            w,
            h,
            w * self._layout[1].itemsize,  # type: ignore[index]
            bitdepth,
            self._vif_ptr,
            self.vif_limits.size,
            self._adm_ptr,
            self.adm_limits.size,
            self.lanes,
            self._level,
            self._metrics_ptr,
        )

    def fits(
        self,
        frames: Sequence[
            tuple[
                NDArray[np.unsignedinteger] | None,
                NDArray[np.unsignedinteger],
                NDArray[np.unsignedinteger],
                bool,
            ]
        ],
        bitdepth: int,
        chroma: Sequence[Chroma | None],
    ) -> bool:
        """Whether every plane of ``frames`` keeps the checked layout (straight to C)."""
        return (
            self._layout is not None
            and bitdepth == self._layout[2]
            and all(
                self._fits(ref) and self._fits(dis) and (prev is None or self._fits(prev))
                for prev, ref, dis, _ in frames
            )
            and all(self._chroma_fits(c) for c in chroma)
        )

    @property
    def signature(self) -> tuple[Any, ...] | None:
        """What rows from one engine call depend on besides the planes (None before the
        first frame is checked): kernels of equal signatures give equal rows."""
        if self._layout is None:
            return None
        m = self.metrics
        return (
            tuple(self.vif_limits.tolist()),
            tuple(self.adm_limits.tolist()),
            self.lanes,
            self._level,
            None
            if m is None
            else (
                m.psnr_planes,
                m.psnr_peak_sq,
                tuple(m.psnr_max),
                m.ssim,
                m.ssim_scale,
                m.ms_ssim,
            ),
            self._layout[0],
            str(self._layout[1]),
            self._layout[2],
            self._chroma_shape,
        )

    def run_many(
        self,
        frames: Sequence[
            tuple[
                NDArray[np.unsignedinteger] | None,
                NDArray[np.unsignedinteger],
                Sequence[NDArray[np.unsignedinteger]],
                bool,
            ]
        ],
        bitdepth: int,
        chroma: Sequence[Sequence[Chroma | None]] | None = None,
    ) -> NDArray[np.float64]:
        """Score each ``(prev, ref, [dis, ...], features)`` frame against several distorted
        frames, the reference's share computed once a frame (``vn_frames_many``).

        Every frame gives the same number of distorted frames; ``chroma[f][i]`` holds
        distorted frame ``i``'s chroma planes with frame ``f``'s reference's (as for
        :meth:`run`). Returns rows ``[f, i]``, each equal to :meth:`run`'s on
        ``(prev, ref, dis[i])``.

        Raises
        ------
        FrameError
            A plane outside the checked layout (every plane is checked first, as
            :meth:`run_batch` checks it), or the engine's refusal.
        """
        n = len(frames)
        n_dis = len(frames[0][2]) if n else 0
        if n_dis < 1 or any(len(dis) != n_dis for _, _, dis, _ in frames):
            raise FrameError("give every frame the same number (at least one) of distorted frames")
        planes = chroma if chroma is not None else [[None] * n_dis for _ in range(n)]
        flat = [(prev, ref, d, f) for prev, ref, dis, f in frames for d in dis]
        flat_chroma = [c for per_frame in planes for c in per_frame]
        if len(flat_chroma) != len(flat) or not self.fits(flat, bitdepth, flat_chroma):
            raise FrameError("the frames do not keep the layout of the clip's first frame")
        out = np.empty((n, n_dis, self.size), dtype=np.float64)
        prevs, refs, flags = self._reference_pointers(frames)
        diss = self._ffi.new("const void *[]", [self._pointer(d) for _, _, d, _ in flat])
        rc = self._lib.vn_frames_many(
            n,
            n_dis,
            prevs,
            refs,
            diss,
            flags,
            *self._clip_arguments(bitdepth),
            self._chroma_pointers(flat_chroma),
            self._ffi.cast("double *", out.ctypes.data),
            self.size,
        )
        _check_rc(rc, "frame")
        return out

    def _run_checked(
        self,
        prev: NDArray[np.unsignedinteger] | None,
        ref: NDArray[np.unsignedinteger],
        dis: NDArray[np.unsignedinteger],
        bitdepth: int,
        features: bool,
        row: NDArray[np.float64],
        chroma: Chroma | None = None,
    ) -> NDArray[np.float64]:
        if prev is not None:
            row[self.sad_index] = motion_sad(prev, ref, bitdepth, self.simd)
        if not features:
            return row
        m = self.metrics
        if m is not None:
            if self._wants_chroma() and (chroma is None or len(chroma) != 4):
                raise FrameError("chroma PSNR needs both frames' Cb and Cr planes")
            out = row[self.metric_slice]
            planes = [(ref, dis)]
            if self._wants_chroma():
                assert chroma is not None
                planes += [(chroma[0], chroma[2]), (chroma[1], chroma[3])]
            for p, (r, d) in enumerate(planes[: m.psnr_planes]):
                out[p], out[3 + p], _ = psnr(r, d, bitdepth, m.psnr_peak_sq, m.psnr_max[p])
            if m.ssim:
                out[6:10] = float_ssim(ref, dis, bitdepth, m.ssim_scale, self.simd)
            if m.ms_ssim:
                out[10:] = float_ms_ssim(ref, dis, bitdepth, self.simd)
        if self.adm_limits.size:
            values = adm(ref, dis, bitdepth, self.adm_limits.tolist(), self.lanes, self.simd)
            row[self.adm_slice] = values.ravel()
        if self.vif_limits.size:
            scores, capped, locations = vif(ref, dis, bitdepth, self.vif_limits.tolist(), self.simd)
            row[self.vif_slice] = scores.ravel()
            row[self.capped_slice] = capped.ravel()
            self.locations = locations
        if self._layout is None and isinstance(ref, np.ndarray):
            # the first frame passed every check: later frames of this layout go straight to C
            if self._wants_chroma():
                assert chroma is not None
                shapes = {np.shape(p) for p in chroma}
                if len(shapes) != 1:
                    raise FrameError(f"the frames' chroma planes differ in shape: {shapes}")
                ch, cw = shapes.pop()
                self._chroma_shape = (ch, cw)
                self._metrics_ptr.chroma_width = cw
                self._metrics_ptr.chroma_height = ch
                self._metrics_ptr.chroma_stride = cw * ref.itemsize
            self._layout = (ref.shape, ref.dtype, int(bitdepth))
            self._u8 = ref.dtype == np.uint8
        return row
