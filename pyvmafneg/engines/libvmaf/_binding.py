"""The libvmaf binding: library discovery and the only code that touches cffi.

libvmaf is loaded in cffi's ABI mode (no compiler needed) from, in order:

1. an explicit path (``load_library(path)``, ``library=`` of :func:`pyvmafneg.score`),
2. the environment variable ``PYVMAFNEG_LIBVMAF``,
3. a system libvmaf (``libvmaf.so.3`` / ``libvmaf.3.dylib`` / ``vmaf.dll``
   through the platform's library search),
4. the copy bundled in PyAV's wheel (``site-packages/av.libs/libvmaf-*.so*``).

The declarations bound are in ``libvmaf_api.h`` beside this module. Calls into libvmaf
release the GIL (cffi does so for every call), so threads can overlap I/O and
scoring.
"""

from __future__ import annotations

import ctypes.util
import errno
import glob
import importlib.resources
import importlib.util
import os
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from cffi import FFI

from ...errors import (
    FeatureError,
    FrameError,
    FrameMismatchError,
    FrameRejectedError,
    LibvmafError,
    LibvmafNotFoundError,
    LogFormatError,
    ModelError,
)
from ...io._frame import ClipChecker, Frame, FrameLike
from .._collection import COLLECTION, NEG_COLLECTION, CollectionSpec
from .._features import FeatureSpec
from .._models import ModelSpec, check_model_file
from .._options import available_cpus, check_stable_width, check_threads, exact_cpumask

__all__ = [
    "ENV_VAR",
    "Context",
    "LibraryInfo",
    "Libvmaf",
    "library_info",
    "live_objects",
    "load_library",
]

#: Environment variable naming a libvmaf shared library to load.
ENV_VAR = "PYVMAFNEG_LIBVMAF"


#: libvmaf's ``enum VmafPixelFormat`` values by our pixel format names.
PIX_FMT = {"420": 1, "422": 2, "444": 3, "400": 4}

#: Built-in models whose SpEED chroma features halve the chroma planes first
#: (``ps_0.5``). libvmaf 3.2 crashes (reads out of bounds) on them when the luma
#: size shifted by the chroma subsampling is under :data:`MIN_PRESCALED_CHROMA`
#: in either direction (found by scoring sizes around the edge, 4:2:0 and 4:2:2).
PRESCALED_CHROMA_MODELS = frozenset({"vmaf_v1.0.16_3d0h_2160", "vmaf_v1.0.16_hfr_3d0h_2160"})
#: Smallest luma size >> chroma subsampling those models are scored at (samples).
MIN_PRESCALED_CHROMA = 159
#: Smallest frame side (samples) libvmaf's MS-SSIM accepts: it halves the frame
#: four times and its 11-tap window must fit the fifth scale.
MS_SSIM_MIN_SIDE = 176
#: VMAF v1 models: libvmaf 3.2 refuses frames of 200x200 (and 4:0:0 ones) but
#: accepts 240x240, 1000x184 and 184x1000; frames of fewer samples than this may be
#: refused for their size.
V1_ACCEPTED_AREA = 240 * 240
#: Chroma subsampling shifts (columns, rows) by pixel format.
_CHROMA_SHIFT = {"420": (1, 1), "422": (1, 0), "444": (0, 0)}

_FLAG_DISABLE_CLIP = 1 << 0
_FLAG_ENABLE_TRANSFORM = 1 << 1
_FLAG_DISABLE_TRANSFORM = 1 << 2

_LOG_LEVELS = {"none": 0, "error": 1, "warning": 2, "info": 3, "debug": 4}

_SYSTEM_NAMES = {
    "linux": ("libvmaf.so.3", "libvmaf.so"),
    "darwin": ("libvmaf.3.dylib", "libvmaf.dylib"),
    "win32": ("vmaf.dll", "libvmaf.dll", "libvmaf-3.dll"),
}


def _cdef_text() -> str:
    """The C declarations, from ``libvmaf_api.h`` beside this module."""
    return importlib.resources.files(__package__).joinpath("libvmaf_api.h").read_text()


_FFI: FFI | None = None
_FFI_LOCK = threading.Lock()

_LIVE_LOCK = threading.Lock()
_LIVE = {"contexts": 0, "models": 0, "pictures": 0}


def _count(kind: str, delta: int) -> None:
    """Add ``delta`` to the live count of ``kind`` (see :func:`live_objects`)."""
    with _LIVE_LOCK:
        _LIVE[kind] += delta


def live_objects() -> dict[str, int]:
    """libvmaf objects the binding holds right now, by kind.

    ``contexts`` counts ``VmafContext`` handles opened (``vmaf_init``) and not
    yet closed, ``models`` model handles loaded and not yet destroyed, and
    ``pictures`` pictures allocated or fetched from a context's pool whose
    reference the binding still holds: neither handed to libvmaf by
    ``vmaf_read_pictures`` nor released with ``vmaf_picture_unref``. Once
    every :class:`Context` (and :class:`~pyvmafneg.Scorer`) is closed, all
    three are back where they started, whatever went wrong on the way; the
    counts are kept under a lock and cost a few operations per frame.
    """
    with _LIVE_LOCK:
        return dict(_LIVE)


def _ffi() -> FFI:
    global _FFI
    with _FFI_LOCK:
        if _FFI is None:
            ffi = FFI()
            ffi.cdef(_cdef_text())
            _FFI = ffi
        return _FFI


@dataclass(frozen=True)
class LibraryInfo:
    """Which libvmaf was loaded.

    ``source`` is ``'explicit'``, ``'environment'``, ``'system'`` or
    ``'pyav'``; ``version`` is what ``vmaf_version()`` reports.
    """

    path: str
    source: str
    version: str

    def __str__(self) -> str:
        return f"libvmaf {self.version} ({self.source}: {self.path})"


class Libvmaf:
    """A loaded libvmaf shared library (use :func:`load_library`)."""

    def __init__(self, path: str, source: str) -> None:
        self.ffi = _ffi()
        try:
            self.lib = self.ffi.dlopen(path)
        except OSError as exc:
            raise LibvmafNotFoundError(
                f"could not load libvmaf from {path!r}: {exc}",
                advice="give the path of a libvmaf shared library (libvmaf.so.3, "
                f"libvmaf.3.dylib or vmaf.dll), or {{library}} and unset {ENV_VAR} to use the "
                "system or PyAV copy",
                options={"library": None},
                path=path,
            ) from exc
        try:
            version = self.ffi.string(self.lib.vmaf_version()).decode("ascii", "replace")
            self.lib.vmaf_model_load  # noqa: B018 - probe a 2.x+ symbol
            self.lib.vmaf_read_pictures  # noqa: B018
        except AttributeError as exc:
            raise LibvmafNotFoundError(
                f"{path!r} is not a usable libvmaf (missing symbol: {exc}); libvmaf 2.x or 3.x "
                f"is needed"
            ) from exc
        self.has_picture_pool = _has_symbol(self.lib, "vmaf_preallocate_pictures")
        self.info = LibraryInfo(path=path, source=source, version=version)

    def __repr__(self) -> str:
        return f"<Libvmaf {self.info}>"

    def check(self, rc: int, function: str, hint: str = "") -> None:
        """Raise :class:`LibvmafError` for a non-zero libvmaf status."""
        if rc == 0:
            return
        errno = -rc if rc < 0 else rc
        reason = os.strerror(errno) if errno > 0 else "error"
        msg = f"libvmaf {function}() failed with {rc} ({reason})"
        if hint:
            msg += f": {hint}"
        raise LibvmafError(msg, function=function, code=rc)


def _has_symbol(lib: object, name: str) -> bool:
    try:
        getattr(lib, name)
    except AttributeError:
        return False
    return True


def _pyav_candidates() -> list[str]:
    spec = importlib.util.find_spec("av")
    if spec is None or not spec.submodule_search_locations:
        return []
    found: list[str] = []
    for location in spec.submodule_search_locations:
        root = Path(location).parent
        for sub in ("av.libs", "av/.dylibs", "av.libs/.dylibs"):
            found.extend(sorted(glob.glob(str(root / sub / "libvmaf*.so*"))))
            found.extend(sorted(glob.glob(str(root / sub / "libvmaf*.dylib"))))
            found.extend(sorted(glob.glob(str(root / sub / "vmaf*.dll"))))
    return found


def _system_candidates() -> list[str]:
    names = list(_SYSTEM_NAMES.get(sys.platform, _SYSTEM_NAMES["linux"]))
    if not sys.platform.startswith("linux"):
        # On Linux dlopen() of the names above already searches what find_library
        # would (the loader cache, LD_LIBRARY_PATH, the default directories), and
        # find_library would spawn ldconfig and a compiler to do it again.
        found = ctypes.util.find_library("vmaf")
        if found:
            names.append(found)
    prefix = os.environ.get("CONDA_PREFIX")
    if prefix:
        names.extend(glob.glob(os.path.join(prefix, "lib", "libvmaf.so*")))
    return names


_CACHE: dict[str, Libvmaf] = {}
_CACHE_LOCK = threading.Lock()


def load_library(path: str | os.PathLike[str] | None = None) -> Libvmaf:
    """Load libvmaf, following the discovery order in this module's docstring.

    Parameters
    ----------
    path:
        Explicit library file to load; it must load, there is no fallback.

    Raises
    ------
    LibvmafNotFoundError
        When no candidate loads; the message says how to get one.
    """
    key = "" if path is None else os.fspath(path)
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        lib = _discover(key)
        _CACHE[key] = lib
        return lib


def _discover(explicit: str) -> Libvmaf:
    if explicit:
        if os.path.dirname(explicit) and not os.path.exists(explicit):
            raise LibvmafNotFoundError(
                f"libvmaf file {explicit!r} does not exist; give the path of a libvmaf "
                "shared library (libvmaf.so.3, libvmaf.3.dylib or vmaf.dll)"
            )
        return Libvmaf(explicit, "explicit")
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        if os.path.dirname(env) and not os.path.exists(env):
            raise LibvmafNotFoundError(
                f"{ENV_VAR}={env!r} names no file; point it at a libvmaf shared library "
                f"or unset it to use the system or PyAV copy"
            )
        return Libvmaf(env, "environment")
    tried: list[str] = []
    for name in _system_candidates():
        try:
            return Libvmaf(name, "system")
        except LibvmafNotFoundError as exc:
            tried.append(str(exc))
    for name in _pyav_candidates():
        try:
            return Libvmaf(name, "pyav")
        except LibvmafNotFoundError as exc:
            tried.append(str(exc))
    raise LibvmafNotFoundError(
        "no libvmaf shared library found. Install one: `pip install 'av>=19'` (its wheel "
        "bundles libvmaf 3.2), or your system's package (apt install libvmaf-dev, dnf install "
        "libvmaf, brew install libvmaf, conda install -c conda-forge libvmaf), or set "
        f"{ENV_VAR}=/path/to/libvmaf.so.3"
    )


def library_info(path: str | os.PathLike[str] | None = None) -> LibraryInfo:
    """Which libvmaf :func:`load_library` picks, and its version."""
    return load_library(path).info


def _model_config(lib: Libvmaf, name: str, flags: int) -> tuple[Any, Any]:
    """A ``VmafModelConfig`` naming the model ``name``, and the name's buffer (which the
    caller keeps while libvmaf may read the name)."""
    buffer = lib.ffi.new("char[]", name.encode())
    cfg = lib.ffi.new("VmafModelConfig *")
    cfg.name = buffer
    cfg.flags = flags
    return buffer, cfg


def _feature_dictionary(lib: Libvmaf, key: str, value: float) -> Any:
    """A libvmaf feature dictionary holding ``key=value`` (the caller hands it to libvmaf).

    Raises :class:`~pyvmafneg.errors.ModelError` when libvmaf rejects the entry.
    """
    d = lib.ffi.new("VmafFeatureDictionary **")
    rc = lib.lib.vmaf_feature_dictionary_set(d, key.encode(), repr(float(value)).encode())
    if rc:
        if d[0] != lib.ffi.NULL:
            lib.lib.vmaf_feature_dictionary_free(d)
        raise ModelError(f"libvmaf rejected {key}={value!r} (status {rc})")
    return d[0]


class _LoadedModel:
    """A libvmaf model handle plus the spec that made it."""

    def __init__(self, lib: Libvmaf, spec: ModelSpec, flags: int) -> None:
        ffi = lib.ffi
        self.spec = spec
        self._lib = lib
        self._name, cfg = _model_config(lib, spec.name, flags)
        handle = ffi.new("VmafModel **")
        if spec.is_path:
            check_model_file(spec.source)  # libvmaf crashes on some damaged models
            rc = lib.lib.vmaf_model_load_from_path(handle, cfg, os.fsencode(spec.source))
            hint = f"{spec.source!r} is not a readable libvmaf JSON model"
        else:
            rc = lib.lib.vmaf_model_load(handle, cfg, spec.source.encode())
            hint = f"this libvmaf ({lib.info.version}) has no built-in model {spec.source!r}"
        if rc:
            raise ModelError(f"could not load model {spec.source!r} (libvmaf status {rc}): {hint}")
        self.ptr = handle[0]
        _count("models", 1)
        try:
            for extractor, key, value in (
                ("vif", "vif_enhn_gain_limit", spec.vif_gain_limit),
                ("adm", "adm_enhn_gain_limit", spec.adm_gain_limit),
            ):
                if value is not None:
                    self._overload(extractor, key, value)
        except BaseException:
            self.destroy()
            raise

    def _overload(self, extractor: str, key: str, value: float) -> None:
        dictionary = _feature_dictionary(self._lib, key, value)
        # libvmaf takes ownership of the dictionary, whatever the outcome.
        rc = self._lib.lib.vmaf_model_feature_overload(self.ptr, extractor.encode(), dictionary)
        self._lib.check(rc, "vmaf_model_feature_overload", f"could not set {key}={value!r}")

    def destroy(self) -> None:
        if getattr(self, "ptr", None) is not None:
            self._lib.lib.vmaf_model_destroy(self.ptr)
            self.ptr = None
            _count("models", -1)


class _LoadedCollection:
    """A libvmaf bootstrapped model collection (its main model and the resampled ones).

    The plain collection is libvmaf's built-in ``vmaf_b_v0.6.3`` with the
    twin's gain limits overloaded on every model
    (``vmaf_model_collection_feature_overload``), or the bundled file where
    libvmaf has no built-in models; the NEG twin is the bundled
    ``vmaf_b_v0.6.3neg.json``, which carries the same limits in its
    ``feature_opts_dicts``, loaded from its path (``from_file=True`` loads
    the bundled file of either twin).
    """

    def __init__(
        self, lib: Libvmaf, spec: CollectionSpec, flags: int, *, from_file: bool | None = None
    ) -> None:
        ffi = lib.ffi
        self.spec = spec
        self._lib = lib
        self._name, cfg = _model_config(lib, spec.name, flags)
        model = ffi.new("VmafModel **")
        handle = ffi.new("VmafModelCollection **")
        self.ptr = None
        self.model = None
        if not _has_symbol(lib.lib, "vmaf_model_collection_load_from_path"):
            raise LibvmafError(
                f"this libvmaf ({lib.info.version}) has no model-collection API, which model "
                "intervals need; use libvmaf 2.x or 3.x, or the native backend",
                function="vmaf_model_collection_load",
            )
        use_file = spec.is_neg if from_file is None else from_file
        rc = 1
        if not use_file:
            rc = lib.lib.vmaf_model_collection_load(model, handle, cfg, COLLECTION.encode())
            overloads = self._limits(spec)
        if rc:  # the bundled file (also where libvmaf was built without its models)
            stem = NEG_COLLECTION if spec.is_neg else COLLECTION
            resource = importlib.resources.files("pyvmafneg").joinpath(
                "model_files", f"{stem}.json"
            )
            with importlib.resources.as_file(resource) as path:
                rc = lib.lib.vmaf_model_collection_load_from_path(
                    model, handle, cfg, os.fsencode(path)
                )
            overloads = () if spec.is_neg else self._limits(spec)
        if rc:
            raise ModelError(
                f"could not load the model collection {spec.describe()!r} (libvmaf status "
                f"{rc}): this libvmaf ({lib.info.version}) reads neither its built-in "
                f"{COLLECTION} nor the bundled file"
            )
        self.ptr, self.model = handle[0], model[0]
        _count("models", 1)
        try:
            for extractor, key, value in overloads:
                self._overload(extractor, key, value)
        except BaseException:
            self.destroy()
            raise

    @staticmethod
    def _limits(spec: CollectionSpec) -> tuple[tuple[str, str, float], ...]:
        return tuple(
            (extractor, key, value)
            for extractor, key, value in (
                ("vif", "vif_enhn_gain_limit", spec.vif_gain_limit),
                ("adm", "adm_enhn_gain_limit", spec.adm_gain_limit),
            )
            if value != 100.0
        )

    def _overload(self, extractor: str, key: str, value: float) -> None:
        dictionary = _feature_dictionary(self._lib, key, value)
        # libvmaf copies the dictionary for every resampled model and keeps it for the main one.
        holder = self._lib.ffi.new("VmafModelCollection **", self.ptr)
        rc = self._lib.lib.vmaf_model_collection_feature_overload(
            self.model, holder, extractor.encode(), dictionary
        )
        self._lib.check(
            rc, "vmaf_model_collection_feature_overload", f"could not set {key}={value!r}"
        )

    def destroy(self) -> None:
        if getattr(self, "ptr", None) is not None:
            self._lib.lib.vmaf_model_collection_destroy(self.ptr)
            self._lib.lib.vmaf_model_destroy(self.model)
            self.ptr = self.model = None
            _count("models", -1)


class Context:
    """One libvmaf scoring session (a ``VmafContext`` and its models).

    This is the low-level layer under :class:`pyvmafneg.Scorer`: it validates
    every pair (:class:`~pyvmafneg.io._frame.ClipChecker`) before anything reaches
    C and copies each plane into a picture libvmaf allocated itself, so
    libvmaf never reads memory it does not own. ``bitdepth`` says how to read
    bare ``uint16`` arrays.
    """

    def __init__(
        self,
        specs: Sequence[ModelSpec],
        *,
        threads: int | None = None,
        subsample: int = 1,
        clip: bool = True,
        transform: bool | None = None,
        cpumask: int = 0,
        log_level: str = "none",
        library: Libvmaf | None = None,
        bitdepth: int | None = None,
        features: Sequence[FeatureSpec] = (),
        collections: Sequence[CollectionSpec] = (),
    ) -> None:
        self.threads, self.subsample = check_threads(threads, subsample)
        self.lib = library or load_library()
        self._models: list[_LoadedModel] = []
        self._collections: list[_LoadedCollection] = []
        self._collection_specs = tuple(collections)
        self._ctx = None
        self._checker = ClipChecker(bitdepth)
        self._pool_ready = False
        self._pool = False
        self.frames_read = 0
        self.flushed = False
        self.failed = False
        # Each libvmaf worker keeps its own feature buffers (tens of MB a thread
        # at 1080p), and workers beyond the CPUs cannot run at once: start no more.
        self.threads = min(self.threads, available_cpus())
        self._log_level = log_level
        self._specs = tuple(specs)
        self._features = tuple(features)
        flags = 0 if clip else _FLAG_DISABLE_CLIP
        if transform is True:
            flags |= _FLAG_ENABLE_TRANSFORM
        elif transform is False:
            flags |= _FLAG_DISABLE_TRANSFORM
        self._flags = flags
        self._open(int(cpumask))

    def _open(self, cpumask: int) -> None:
        """Start the libvmaf context with ``cpumask`` and load the models and features."""
        ffi, lib = self.lib.ffi, self.lib.lib
        cfg = ffi.new("VmafConfiguration *")
        cfg.log_level = _LOG_LEVELS.get(self._log_level, 0)
        cfg.n_threads = self.threads
        cfg.n_subsample = self.subsample
        cfg.cpumask = cpumask
        self.cpumask = cpumask
        cfg.gpumask = 0
        handle = ffi.new("VmafContext **")
        self.lib.check(lib.vmaf_init(handle, cfg[0]), "vmaf_init")
        self._ctx = handle[0]
        _count("contexts", 1)
        try:
            for spec in self._specs:
                model = _LoadedModel(self.lib, spec, self._flags)
                self._models.append(model)
                self.lib.check(
                    lib.vmaf_use_features_from_model(self._ctx, model.ptr),
                    "vmaf_use_features_from_model",
                    f"could not set up the feature extractors of {spec.source!r}",
                )
            for cspec in self._collection_specs:
                loaded = _LoadedCollection(self.lib, cspec, self._flags)
                self._collections.append(loaded)
                self.lib.check(
                    lib.vmaf_use_features_from_model(self._ctx, loaded.model),
                    "vmaf_use_features_from_model",
                    f"could not set up the feature extractors of {cspec.describe()!r}",
                )
                self.lib.check(
                    lib.vmaf_use_features_from_model_collection(self._ctx, loaded.ptr),
                    "vmaf_use_features_from_model_collection",
                    f"could not set up the feature extractors of {cspec.describe()!r}",
                )
            for feature in self._features:
                self._use_feature(feature)
        except BaseException:
            self.close()
            raise

    def _use_feature(self, feature: FeatureSpec) -> None:
        """Register an extra feature extractor with its options."""
        ffi, lib = self.lib.ffi, self.lib.lib
        d = ffi.new("VmafFeatureDictionary **")
        for key, value in feature.options:
            rc = lib.vmaf_feature_dictionary_set(d, key.encode(), value.encode())
            if rc:
                if d[0] != ffi.NULL:
                    lib.vmaf_feature_dictionary_free(d)
                raise FeatureError(
                    f"libvmaf rejected the option {key}={value} of {feature.describe()!r} "
                    f"(status {rc})",
                    feature=feature.describe(),
                )
        rc = lib.vmaf_use_feature(self._ctx, feature.extractor.encode(), d[0])
        if rc:
            # An extractor libvmaf does not know leaves the options with the caller;
            # otherwise libvmaf has taken them, whatever the outcome.
            if rc == -errno.EINVAL and d[0] != ffi.NULL:
                lib.vmaf_feature_dictionary_free(d)
            raise FeatureError(
                f"libvmaf {self.lib.info.version} could not set up the feature extractor "
                f"{feature.describe()!r} (status {rc}): it has no such extractor or refuses "
                "its options",
                feature=feature.describe(),
            )

    # -- feeding --------------------------------------------------------------
    def _check_prescaled_chroma(self, frame: Frame) -> None:
        """Refuse frames too small for the models libvmaf 3.2 would crash on."""
        shift = _CHROMA_SHIFT.get(frame.pixel_format)
        crashing = sorted(m.spec.version for m in self._models) if shift else []
        crashing = [v for v in crashing if v in PRESCALED_CHROMA_MODELS]
        if not crashing or shift is None:
            return
        width, height = frame.width >> shift[0], frame.height >> shift[1]
        if min(width, height) >= MIN_PRESCALED_CHROMA:
            return
        need = (MIN_PRESCALED_CHROMA << shift[0], MIN_PRESCALED_CHROMA << shift[1])
        raise FrameError(
            f"{frame.describe()} frames are too small for {', '.join(crashing)}: libvmaf "
            f"{self.lib.info.version} reads past its buffers (and crashes) when these models "
            f"halve chroma planes under {MIN_PRESCALED_CHROMA} samples a side",
            advice=f"score frames of at least {need[0]}x{need[1]} with these models, or "
            "choose another model",
        )

    def read(self, reference: FrameLike, distorted: FrameLike) -> int:
        """Validate and queue one frame pair; returns its index."""
        if self._ctx is None or self.flushed:
            raise LibvmafError("this libvmaf context is closed or flushed", function="read")
        if self.failed:
            raise LibvmafError(
                "libvmaf already rejected a frame of this clip; start a new scorer",
                function="read",
            )
        index = self.frames_read
        reference, distorted = self._checker(reference, distorted, index)
        if index == 0:
            exact = exact_cpumask(reference.width, self.cpumask)
            if exact != self.cpumask:
                # No picture has reached libvmaf yet: start again on its scalar code.
                self.close()
                self._open(exact)
            check_stable_width(reference.width, self.cpumask)
            self._check_prescaled_chroma(reference)
        if not self._pool_ready:
            self._pool_ready = True
            self._setup_pool()
        ffi, lib = self.lib.ffi, self.lib.lib
        ref_pic = ffi.new("VmafPicture *")
        dis_pic = ffi.new("VmafPicture *")
        self._fill(ref_pic, reference)
        try:
            self._fill(dis_pic, distorted)
        except BaseException:
            self._release(ref_pic)
            raise
        rc = lib.vmaf_read_pictures(self._ctx, ref_pic, dis_pic, index)
        if rc:
            # A refused pair stays the caller's: libvmaf released neither reference, and
            # a picture from the pool that is never returned would block vmaf_close.
            self._release(ref_pic)
            self._release(dis_pic)
            self.failed = True
            raise self._rejected(rc, index, reference)
        _count("pictures", -2)  # libvmaf took over both references
        self.frames_read += 1
        return index

    def _rejected(self, rc: int, index: int, frame: Frame) -> FrameRejectedError:
        """The error for a pair libvmaf refused: what it was computing, and a cause
        only where one is known to apply to this frame."""
        models = tuple(
            dict.fromkeys(
                [m.spec.version for m in self._models] + [c.model for c in self._collection_specs]
            )
        )
        features = tuple(f.describe() for f in self._features)
        computing = []
        if models:
            computing.append(f"model{'s' if len(models) > 1 else ''} {', '.join(models)}")
        if features:
            computing.append(f"feature{'s' if len(features) > 1 else ''} {', '.join(features)}")
        status = f"{rc} ({os.strerror(-rc)})" if rc < 0 else str(rc)
        message = (
            f"libvmaf {self.lib.info.version} refused frame {index} ({frame.describe()}): "
            f"vmaf_read_pictures() returned {status} while computing " + " and ".join(computing)
        )
        known = []
        v1 = [m for m in models if m.startswith("vmaf_v1")]
        if v1 and frame.pixel_format == "400":
            known.append(f"VMAF v1 models ({', '.join(v1)}) need colour frames")
        elif v1 and frame.width * frame.height < V1_ACCEPTED_AREA:
            known.append(
                f"libvmaf refuses VMAF v1 models ({', '.join(v1)}) on small frames "
                "(200x200 is refused, 240x240 is not)"
            )
        side = min(frame.width, frame.height)
        if side < MS_SSIM_MIN_SIDE and any(f.extractor == "float_ms_ssim" for f in self._features):
            known.append(
                f"MS-SSIM needs at least {MS_SSIM_MIN_SIDE} samples a side (the frames have {side})"
            )
        advice = "; ".join(known)
        advice += (", so " if advice else "") + (
            "pick other models or features, or score larger frames"
        )
        return FrameRejectedError(
            message,
            advice=advice,
            function="vmaf_read_pictures",
            code=rc,
            index=index,
            width=frame.width,
            height=frame.height,
            pixel_format=frame.pixel_format,
            bitdepth=frame.bitdepth,
            models=models,
            features=features,
        )

    def _setup_pool(self) -> None:
        if not (self.threads > 0 and self.lib.has_picture_pool):
            return
        w, h, bpc, fmt = self._checker.geometry  # type: ignore[misc]
        cfg = self.lib.ffi.new("VmafPictureConfiguration *")
        cfg.pic_params.w, cfg.pic_params.h = _allocated_size(w, h, fmt)
        cfg.pic_params.bpc = bpc
        cfg.pic_params.pix_fmt = PIX_FMT[fmt]
        # Two pictures per pair per worker plus slack keeps every worker busy
        # while bounding memory: fetching blocks once all are in flight.
        cfg.pic_cnt = 4 * self.threads + 4
        rc = self.lib.lib.vmaf_preallocate_pictures(self._ctx, cfg[0])
        self._pool = rc == 0

    def _fill(self, pic: object, frame: Frame) -> None:
        lib = self.lib.lib
        width, height = _allocated_size(frame.width, frame.height, frame.pixel_format)
        if self._pool:
            rc = lib.vmaf_fetch_preallocated_picture(self._ctx, pic)
            self.lib.check(rc, "vmaf_fetch_preallocated_picture")
        else:
            rc = lib.vmaf_picture_alloc(
                pic, PIX_FMT[frame.pixel_format], frame.bitdepth, width, height
            )
            hint = f"cannot allocate a {frame.describe()} picture"
            self.lib.check(rc, "vmaf_picture_alloc", hint)
        _count("pictures", 1)
        try:
            rows = [int(pic.h[i]) for i in range(3)]  # type: ignore[attr-defined]
            if (width, height) != frame.shape[::-1]:
                # the picture's sizes become the frame's, as libvmaf sets them (chroma
                # rounded down); its planes keep the room of the larger allocation
                ss_w, ss_h = _CHROMA_SHIFT[frame.pixel_format]
                pic.w[0], pic.h[0] = frame.width, frame.height  # type: ignore[attr-defined]
                for i in (1, 2):
                    pic.w[i] = frame.width >> ss_w  # type: ignore[attr-defined]
                    pic.h[i] = frame.height >> ss_h  # type: ignore[attr-defined]
            _copy_planes(self.lib.ffi, pic, frame, rows)
        except BaseException:
            self._release(pic)
            raise

    def _release(self, pic: object) -> None:
        """Drop the binding's reference to a picture it allocated or fetched."""
        self.lib.lib.vmaf_picture_unref(pic)
        _count("pictures", -1)

    def flush(self) -> None:
        """Tell libvmaf the clip has ended (completes temporal features)."""
        if self.flushed:
            return
        if self._ctx is None:
            raise LibvmafError("this libvmaf context is closed", function="flush")
        lib = self.lib.lib
        self.lib.check(
            lib.vmaf_read_pictures(self._ctx, self.lib.ffi.NULL, self.lib.ffi.NULL, 0),
            "vmaf_read_pictures",
            "flushing the feature extractors failed",
        )
        self.flushed = True

    # -- reading ----------------------------------------------------------------
    @property
    def indices(self) -> list[int]:
        """Frame indices libvmaf computed (all, or every ``subsample``-th)."""
        return [i for i in range(self.frames_read) if i % self.subsample == 0]

    def model_scores(self, spec_name: str) -> np.ndarray:
        """Per-frame scores of the model named ``spec_name`` (after flush)."""
        model = next(m for m in self._models if m.spec.name == spec_name)
        score = self.lib.ffi.new("double *")
        out = np.empty(len(self.indices))
        for k, i in enumerate(self.indices):
            rc = self.lib.lib.vmaf_score_at_index(self._ctx, model.ptr, score, i)
            self.lib.check(
                rc,
                "vmaf_score_at_index",
                f"model {spec_name!r} has no score for frame {i}: one of its features could "
                "not be computed for these frames (too small, or missing chroma for VMAF v1)",
            )
            out[k] = score[0]
        return out

    #: libvmaf's pooling methods (``enum VmafPoolingMethod``) by name.
    POOLING_METHODS = {"min": 1, "max": 2, "mean": 3, "harmonic_mean": 4}

    def libvmaf_pooled(self, spec_name: str, method: str) -> float:
        """libvmaf's own pooled score of a model over every frame read (after flush).

        ``method`` is one of :data:`POOLING_METHODS` (``'mean'``,
        ``'harmonic_mean'``, ``'min'``, ``'max'``); the value is in VMAF
        points, as libvmaf's ``vmaf_score_pooled`` computes it.
        """
        model = next(m for m in self._models if m.spec.name == spec_name)
        indices = self.indices
        out = self.lib.ffi.new("double *")
        rc = self.lib.lib.vmaf_score_pooled(
            self._ctx, model.ptr, self.POOLING_METHODS[method], out, indices[0], indices[-1]
        )
        self.lib.check(rc, "vmaf_score_pooled")
        return float(out[0])

    def collection_outputs(self, model: str) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        """libvmaf's outputs of the collection twin of ``model`` (after flush).

        Returns the per-frame ``score`` (the main model), ``bagging``,
        ``stddev``, ``low`` and ``high`` (the 95 % interval), and the same
        pooled as libvmaf pools them (``vmaf_score_pooled_model_collection``,
        mean). The pooled call computes every frame's outputs and stores them
        under the collection's name; the per-frame values are read back from
        there.
        """
        loaded = next(c for c in self._collections if c.spec.model == model)
        ffi, lib = self.lib.ffi, self.lib.lib
        indices = self.indices
        pooled_score = ffi.new("VmafModelCollectionScore *")
        rc = lib.vmaf_score_pooled_model_collection(
            self._ctx,
            loaded.ptr,
            self.POOLING_METHODS["mean"],
            pooled_score,
            indices[0],
            indices[-1],
        )
        self.lib.check(rc, "vmaf_score_pooled_model_collection")
        boot = pooled_score.bootstrap
        pooled = {
            "bagging": float(boot.bagging_score),
            "stddev": float(boot.stddev),
            "low": float(boot.ci.p95.lo),
            "high": float(boot.ci.p95.hi),
        }
        value = ffi.new("double *")
        main = np.empty(len(indices))
        for k, i in enumerate(indices):
            rc = lib.vmaf_score_at_index(self._ctx, loaded.model, value, i)
            self.lib.check(rc, "vmaf_score_at_index", f"no {loaded.spec.describe()} at frame {i}")
            main[k] = value[0]
        per_frame = {"score": main}
        name = loaded.spec.name
        for key, suffix in (
            ("bagging", "_bagging"),
            ("stddev", "_stddev"),
            ("low", "_ci_p95_lo"),
            ("high", "_ci_p95_hi"),
        ):
            values = np.empty(len(indices))
            for k, i in enumerate(indices):
                rc = lib.vmaf_feature_score_at_index(
                    self._ctx, f"{name}{suffix}".encode(), value, i
                )
                self.lib.check(rc, "vmaf_feature_score_at_index", f"no {name}{suffix} at {i}")
                values[k] = value[0]
            per_frame[key] = values
        return per_frame, pooled

    @property
    def collection_names(self) -> tuple[str, ...]:
        """Names libvmaf stores the collections' scores under (prefixes of their features)."""
        return tuple(c.spec.name for c in self._collections)

    @property
    def uses_picture_pool(self) -> bool:
        """True once pictures come from libvmaf's own pool (worker threads, libvmaf 3)."""
        return self._pool

    def feature_scores(self, name: str) -> np.ndarray | None:
        """Per-frame values of feature ``name``, or None if libvmaf has none.

        ``name`` is the log's (aliased) name, e.g. ``integer_adm2``; libvmaf
        stores some features under their long internal names
        (``VMAF_integer_feature_adm2_score``), which are tried too.
        """
        score = self.lib.ffi.new("double *")
        indices = self.indices
        if not indices:
            return np.empty(0)
        for candidate in _internal_names(name):
            key = candidate.encode()
            if self.lib.lib.vmaf_feature_score_at_index(self._ctx, key, score, indices[0]):
                continue
            out = np.empty(len(indices))
            for k, i in enumerate(indices):
                rc = self.lib.lib.vmaf_feature_score_at_index(self._ctx, key, score, i)
                self.lib.check(rc, "vmaf_feature_score_at_index", f"no {name!r} at frame {i}")
                out[k] = score[0]
            return out
        return None

    def feature_names(self) -> list[str]:
        """Names of every feature libvmaf stored, as its JSON log names them."""
        if not self.frames_read:
            return []
        model_names = {m.spec.name for m in self._models}
        with tempfile.TemporaryDirectory(prefix="pyvmafneg-") as tmp:
            path = os.path.join(tmp, "log.json")
            self.write_output(path, "json")
            import json

            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        frames = data.get("frames") or [{}]
        names = list(frames[0].get("metrics", {}))
        prefixes = self.collection_names
        return [n for n in names if n not in model_names and not n.startswith(prefixes)]

    def write_output(self, path: str | os.PathLike[str], fmt: str = "json") -> None:
        """Let libvmaf write its own log (``json``, ``xml`` or ``csv``)."""
        formats = {"xml": 1, "json": 2, "csv": 3}
        if fmt not in formats:
            raise LogFormatError(f"unknown libvmaf output format {fmt!r}; use json, xml or csv")
        rc = self.lib.lib.vmaf_write_output(self._ctx, os.fsencode(os.fspath(path)), formats[fmt])
        self.lib.check(rc, "vmaf_write_output", f"could not write {os.fspath(path)!r}")

    def close(self) -> None:
        """Free the context and models (idempotent)."""
        if self._ctx is not None:
            ctx, self._ctx = self._ctx, None
            self.lib.lib.vmaf_close(ctx)
            _count("contexts", -1)
        for model in self._models:
            model.destroy()
        self._models = []
        for collection in self._collections:
            collection.destroy()
        self._collections = []

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def _internal_names(name: str) -> list[str]:
    """The log name of a feature and the internal names libvmaf may store it under."""
    names = [name]
    if name.startswith("integer_"):
        names.append(f"VMAF_integer_feature_{name[len('integer_') :]}_score")
    else:
        names.append(f"VMAF_feature_{name}_score")
        names.append(f"{name.capitalize()}_feature_{name}_score")  # e.g. CAMBI's
    return names


def _allocated_size(width: int, height: int, pixel_format: str) -> tuple[int, int]:
    """Luma size to allocate a libvmaf picture with so that it holds every chroma sample.

    libvmaf sizes subsampled chroma planes ``w >> 1`` by ``h >> 1`` (4:2:0) where
    FFmpeg and Y4M store ``(w + 1) // 2`` by ``(h + 1) // 2``, yet its CIEDE repeats
    each chroma sample over the luma samples it covers, so the last luma column
    and row of an odd-sized frame read chroma column ``w >> 1`` and row ``h >> 1``:
    past the end of each chroma row, and of the V plane (whatever the memory
    holds). A picture one sample wider/taller than the frame has room for them;
    its sizes are then set back to the frame's.
    """
    if pixel_format == "420":
        return width + width % 2, height + height % 2
    if pixel_format == "422":
        return width + width % 2, height
    return width, height


def _copy_planes(ffi: FFI, pic: object, frame: Frame, rows: list[int]) -> None:
    """Copy a frame's planes into a libvmaf picture, checking every bound.

    ``rows`` are the rows allocated for each plane (at least ``pic.h``). Every byte
    of those rows is written: the frame's samples, its odd last chroma row and
    column where the picture has room for them (libvmaf's CIEDE reads them), and
    zeros in the rest of each stride, so what libvmaf reads never depends on what
    the memory held before.
    """
    itemsize = 1 if frame.bitdepth == 8 else 2
    base = [int(ffi.cast("uintptr_t", pic.data[i])) for i in range(3)]  # type: ignore[attr-defined]
    for i, plane in enumerate(frame.planes):
        w, h, stride = int(pic.w[i]), int(pic.h[i]), int(pic.stride[i])  # type: ignore[attr-defined]
        stored = plane.shape
        if i > 0 and plane.shape[0] - h in (0, 1) and plane.shape[1] - w in (0, 1):
            # libvmaf rounds subsampled chroma sizes down (w >> 1) where FFmpeg
            # and Y4M round up; the odd last chroma row/column lies outside the
            # picture's sizes, in the room checked below.
            plane = plane[:h, :w]
        if (h, w) != plane.shape:
            raise FrameMismatchError(
                f"plane {i} is {plane.shape[1]}x{plane.shape[0]} but libvmaf allocated "
                f"{w}x{h} for a {frame.describe()} picture"
            )
        if pic.data[i] == ffi.NULL or stride < w * itemsize:  # type: ignore[attr-defined]
            raise LibvmafError(f"libvmaf returned an unusable picture plane {i}", function="alloc")
        room = rows[i]
        # the planes lie one after another, each ``stride * rows`` bytes (vmaf_picture_alloc);
        # anything else and only the picture's own rows are written
        if room < h or (i < 2 and base[i + 1] - base[i] != stride * room):
            room = h
        buf = ffi.buffer(pic.data[i], stride * room)  # type: ignore[attr-defined]
        dst = np.frombuffer(buf, dtype=plane.dtype).reshape(room, stride // itemsize)
        if i > 0 and stored[0] <= room and stored[1] * itemsize <= stride:
            plane = frame.planes[i]
        np.copyto(dst[: plane.shape[0], : plane.shape[1]], plane)
        dst[: plane.shape[0], plane.shape[1] :] = 0
        dst[plane.shape[0] :] = 0
