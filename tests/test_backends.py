"""One interface for every backend: ``pyvmafneg.score(..., backend=NAME)``.

Every backend scores the same inputs (paths, opened videos, frame lists)
with the same keywords, and gives the scores its own entry point gives;
the backends agree with each other (libvmaf and the reference to 1e-9 with
identical features, FFmpeg to its log's six decimals). Options a backend
cannot honour are refused with the facts attached. Scorers refuse use from
two threads at once.
"""

from __future__ import annotations

import dataclasses
import inspect
import pickle
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from media_helpers import FFMPEG, clip, encode, to_y4m

import pyvmafneg
from pyvmafneg import errors
from pyvmafneg.cli import main
from pyvmafneg.engines import Backend, backend_names, register_backend
from pyvmafneg.engines import score as engine_score
from pyvmafneg.engines._ffmpeg import score_ffmpeg
from pyvmafneg.engines._options import ScoreOptions
from pyvmafneg.engines._registry import score_shared
from pyvmafneg.engines.libvmaf import score_libvmaf
from pyvmafneg.engines.native import NativeScorer, score_native
from pyvmafneg.engines.reference import ReferenceScorer, score_reference
from pyvmafneg.errors import (
    BackendUnavailableError,
    FrameCountMismatchError,
    ResultError,
    ScorerStateError,
    UnsupportedOptionError,
    VmafNegError,
)
from pyvmafneg.io import Frame, open_video
from pyvmafneg.results import Result

#: FFmpeg's logs print 6 decimals: a correctly rounded value is within half a unit.
LOG_PRECISION = 5e-7 + 1e-9


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("backends")
    ref = to_y4m(clip(5), d / "ref.y4m")
    dis = encode(ref, d / "dis.mkv", crf=36)
    return {
        "ref": ref,
        "dis": dis,
        "ref_frames": list(open_video(ref)),
        "dis_frames": list(open_video(dis)),
    }


def _inputs(media: dict[str, Any], kind: str) -> tuple[Any, Any]:
    if kind == "paths":
        return str(media["ref"]), media["dis"]
    if kind == "opened":
        return open_video(media["ref"]), open_video(media["dis"])
    return iter(media["ref_frames"]), iter(media["dis_frames"])


def _same(a: Result, b: Result, tolerance: float = 0.0, *, extra: bool = False) -> None:
    """Same frames, models and numbers; ``extra``: ``a`` may hold features ``b`` has not."""
    np.testing.assert_array_equal(a.frames, b.frames)
    assert set(a.scores) == set(b.scores)
    assert set(a.features) >= set(b.features) if extra else set(a.features) == set(b.features)
    assert (a.default_model, a.neg_model) == (b.default_model, b.neg_model)
    for key in b.keys():
        diff = float(np.max(np.abs(a[key] - b[key])))
        assert diff <= tolerance, f"{key}: {a.backend} and {b.backend} differ by {diff}"


def test_the_three_backends_are_registered() -> None:
    assert backend_names() == ["libvmaf", "ffmpeg", "reference", "native"]


@pytest.mark.parametrize("kind", ["paths", "opened", "frames"])
def test_every_backend_takes_every_input(media: dict[str, Any], kind: str) -> None:
    """Same scores whatever the input form, and the same as each backend's own entry point."""
    own = {
        "libvmaf": _stream(pyvmafneg.Scorer(clip=False), media),
        "reference": _stream(ReferenceScorer(clip=False), media),
        "ffmpeg": score_ffmpeg(media["ref"], media["dis"], clip=False, ffmpeg=FFMPEG),
        "native": _stream(NativeScorer(clip=False), media),
    }
    results = {}
    for name in ("libvmaf", "ffmpeg", "reference", "native"):
        ref, dis = _inputs(media, kind)
        done: list[int] = []
        results[name] = pyvmafneg.score(ref, dis, backend=name, clip=False, progress=done.append)
        assert results[name].backend == name and len(results[name]) == 5
        assert done[-1] == 5
        _same(results[name], own[name])
    # The witnesses agree: the reference bit-exact in features, FFmpeg to its log precision.
    lib = results["libvmaf"]
    for key in lib.features:
        np.testing.assert_array_equal(results["reference"][key], lib[key])
    _same(results["reference"], lib, 1e-9)
    _same(results["native"], lib, 1e-9, extra=True)  # it adds the cap shares
    _same(results["ffmpeg"], lib, LOG_PRECISION)


def _stream(scorer: Any, media: dict[str, Any]) -> Result:
    with scorer:
        for ref, dis in zip(media["ref_frames"], media["dis_frames"], strict=True):
            scorer.feed(ref, dis)
        return scorer.flush()


def test_every_backend_takes_the_common_keywords(media: dict[str, Any]) -> None:
    """frames, subsample and a gain-limit model: one call shape, the same numbers."""
    # VIF limits to 0.01 and whole ADM limits are exact on libvmaf's SIMD paths.
    models = ["vmaf_v0.6.1:name=vmaf", "vmaf_v0.6.1:name=capped:vif_egl=1.2:adm_egl=2"]
    kw = dict(frames=4, subsample=2, clip=False)
    lib = pyvmafneg.score(media["ref"], media["dis"], models, backend="libvmaf", **kw)
    assert list(lib.frames) == [0, 2]
    ref = pyvmafneg.score(
        media["ref_frames"], media["dis_frames"], models, backend="reference", **kw
    )
    ffm = pyvmafneg.score(media["ref_frames"], media["dis_frames"], models, backend="ffmpeg", **kw)
    nat = pyvmafneg.score(str(media["ref"]), str(media["dis"]), models, backend="native", **kw)
    _same(nat, lib, 1e-9, extra=True)
    _same(ref, lib, 1e-9)
    _same(ffm, lib, LOG_PRECISION)


@pytest.mark.parametrize(
    "function",
    [engine_score, score_shared, score_ffmpeg, score_libvmaf, score_native, score_reference],
)
def test_every_scoring_function_declares_the_common_keywords(function: Any) -> None:
    """Each takes every ScoreOptions field as a keyword with the field's default (the
    registry hands them all over; the engines gather them from their arguments)."""
    parameters = inspect.signature(function).parameters
    for field in dataclasses.fields(ScoreOptions):
        parameter = parameters[field.name]
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, field.name
        assert parameter.default == field.default, field.name


@pytest.mark.parametrize("backend", ["libvmaf", "ffmpeg", "reference", "native"])
def test_frame_count_mismatch_carries_the_counts(media: dict[str, Any], backend: str) -> None:
    with pytest.raises(FrameCountMismatchError) as info:
        pyvmafneg.score(media["ref_frames"], media["dis_frames"][:3], backend=backend)
    exc = info.value
    assert (exc.distorted_frames, exc.common, exc.requested) == (3, 3, None)
    assert exc.options == {"frames": 3} and "pass frames=3" in str(exc)


@pytest.mark.parametrize(
    ("backend", "option", "value", "supported_by"),
    [
        ("reference", "threads", 2, ("libvmaf", "ffmpeg", "native")),
        ("reference", "library", "/some/libvmaf.so", ("libvmaf",)),
        ("ffmpeg", "cpumask", 0x38, ("libvmaf", "reference")),
        ("libvmaf", "ffmpeg", FFMPEG, ("ffmpeg",)),
    ],
)
def test_options_a_backend_cannot_honour_are_refused(
    backend: str, option: str, value: Any, supported_by: tuple[str, ...]
) -> None:
    frames = clip(2)
    with pytest.raises(UnsupportedOptionError) as info:
        pyvmafneg.score(frames, frames, backend=backend, **{option: value})
    exc = info.value
    assert (exc.backend, exc.option, exc.value) == (backend, option, value)
    assert exc.supported_by == supported_by
    assert f"leave out {option}= or use backend={supported_by[0]!r}" in str(exc)


def test_ffmpeg_cannot_force_the_transform_off() -> None:
    frames = clip(2)
    with pytest.raises(UnsupportedOptionError) as info:
        pyvmafneg.score(frames, frames, backend="ffmpeg", transform=False)
    assert (info.value.option, info.value.value) == ("transform", False)


def test_unknown_backend() -> None:
    with pytest.raises(BackendUnavailableError) as info:
        pyvmafneg.score(clip(1), clip(1), backend="vmafgpu")
    assert info.value.backend == "vmafgpu"
    assert info.value.available[:3] == ("libvmaf", "ffmpeg", "reference")


def test_a_backend_is_one_registry_entry(media: dict[str, Any]) -> None:
    entry = Backend("libvmaf-again", "libvmaf once more", ".libvmaf._scorer:score_libvmaf")
    register_backend(entry)
    try:
        again = pyvmafneg.score(media["ref"], media["dis"], backend="libvmaf-again")
        _same(again, pyvmafneg.score(media["ref"], media["dis"], backend="libvmaf"))
        with pytest.raises(UnsupportedOptionError):  # it declared no optional keywords
            pyvmafneg.score(media["ref"], media["dis"], backend="libvmaf-again", threads=1)
        missing = Backend("gone", "cannot load", ".no_such_module:score")
        register_backend(missing)
        with pytest.raises(BackendUnavailableError, match="'gone' backend is not available"):
            pyvmafneg.score(media["ref"], media["dis"], backend="gone")
    finally:
        from pyvmafneg.engines import _registry

        _registry._BACKENDS.pop("libvmaf-again", None)
        _registry._BACKENDS.pop("gone", None)


def test_cli_names_the_flags(media: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["score", "-r", str(media["ref"]), "-d", str(media["dis"]), "-q"]
    assert main([*argv, "--backend", "reference", "--threads", "2"]) == 2
    line = capsys.readouterr().err.strip()
    assert line == (
        "pyvmafneg score: error: the reference backend cannot honour threads=2; "
        "leave out --threads N or use --backend libvmaf"
    )
    assert main([*argv, "--backend", "ffmpeg", "--transform", "off"]) == 2
    assert "use --transform model (the model's setting) or --backend libvmaf" in (
        capsys.readouterr().err
    )


class _SlowPlanes(Sequence):
    """A (Y,) frame whose conversion waits: keeps a feed() busy on its thread."""

    def __init__(self, luma: np.ndarray) -> None:
        self.luma = luma
        self.entered = threading.Event()
        self.release = threading.Event()

    def __len__(self) -> int:
        self.entered.set()
        assert self.release.wait(30)
        return 1

    def __getitem__(self, index: int) -> np.ndarray:  # type: ignore[override]
        return [self.luma][index]


@pytest.mark.parametrize(
    "make",
    [pyvmafneg.Scorer, ReferenceScorer, NativeScorer],
    ids=["libvmaf", "reference", "native"],
)
def test_a_scorer_is_not_used_by_two_threads_at_once(make: Any) -> None:
    """A second thread's feed() while one is running is refused; handing over is fine."""
    luma = clip(1)[0].luma
    slow = _SlowPlanes(luma)
    errors_seen: list[BaseException] = []
    with make() as scorer:

        def first() -> None:
            try:
                scorer.feed(slow, luma)
            except BaseException as exc:  # reported below
                errors_seen.append(exc)

        worker = threading.Thread(target=first)
        worker.start()
        assert slow.entered.wait(30)
        with pytest.raises(ScorerStateError, match="in use by another thread"):
            scorer.feed(luma, luma)
        with pytest.raises(ScorerStateError, match="in use by another thread"):
            scorer.flush()
        slow.release.set()
        worker.join(30)
        assert not errors_seen and scorer.frames_fed == 1
        # Now free: this thread carries on with the same scorer.
        assert scorer.feed(luma, luma) == 1
        result = scorer.flush()
    assert list(result.frames) == [0, 1]


def test_every_error_is_reachable_and_derives_from_the_base() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        if isinstance(cls, type):
            # Errors derive from the base; the package's warnings are plain warnings.
            assert issubclass(cls, VmafNegError) != issubclass(cls, Warning), name
            assert getattr(pyvmafneg, name) is cls, name


def test_errors_keep_their_facts_across_processes() -> None:
    exc = FrameCountMismatchError(
        "the distorted clip ended after 3 frames",
        advice="pass {frames} to score the common prefix",
        options={"frames": 3},
        reference_frames=None,
        distorted_frames=3,
        common=3,
    )
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is FrameCountMismatchError and str(back) == str(exc)
    assert (back.distorted_frames, back.common, back.options) == (3, 3, {"frames": 3})
    assert back.describe(lambda k, v: f"--{k} {v}").endswith(
        "pass --frames 3 to score the common prefix"
    )


def test_pooling_nothing_is_a_result_error() -> None:
    with pytest.raises(ResultError, match="cannot pool an empty series"):
        pyvmafneg.pool([])


def test_frames_of_any_kind(media: dict[str, Any]) -> None:
    """Bare luma arrays score like Frame objects with every backend."""
    ref: list[Frame] = media["ref_frames"][:2]
    dis: list[Frame] = media["dis_frames"][:2]
    for name in ("libvmaf", "ffmpeg", "reference", "native"):
        as_frames = pyvmafneg.score(ref, dis, backend=name)
        gray = [Frame((f.luma,), 8, "400") for f in ref], [Frame((f.luma,), 8, "400") for f in dis]
        as_luma = pyvmafneg.score([f.luma for f in ref], [f.luma for f in dis], backend=name)
        _same(as_luma, pyvmafneg.score(*gray, backend=name))
        assert as_frames.backend == name


def test_paths_must_exist() -> None:
    for backend in backend_names():
        with pytest.raises(errors.InputFileError, match="does not exist") as info:
            pyvmafneg.score("/no/such.y4m", "/no/such.y4m", backend=backend)
        assert info.value.path == "/no/such.y4m"


_RANGES = [("threads", -1), ("threads", 4096), ("subsample", 0), ("frames", 0)]


@pytest.mark.parametrize(
    ("backend", "keyword", "value"),
    [
        (backend, keyword, value)
        for backend in ("libvmaf", "ffmpeg", "reference", "native")
        for keyword, value in _RANGES
        if (backend, keyword) != ("reference", "threads")  # refused as unsupported, above
    ],
)
def test_out_of_range_options_name_the_option(backend: str, keyword: str, value: int) -> None:
    frames = clip(2)
    with pytest.raises(errors.OptionError) as info:
        pyvmafneg.score(frames, frames, backend=backend, **{keyword: value})
    assert (info.value.option, info.value.value) == (keyword, value)


@pytest.mark.parametrize("model", ["vmaf_v9", "/no/such/model.json", "vmaf_v0.6.1:frobnicate=1"])
def test_model_errors_name_the_model(model: str) -> None:
    frames = clip(1)
    with pytest.raises(errors.ModelError) as info:
        pyvmafneg.score(frames, frames, [model])
    assert info.value.model == model
