"""The FFmpeg backend: score with FFmpeg's ``libvmaf`` filter and parse its log.

The command mirrors what people run by hand, with the details that make it
trustworthy:

* the **distorted** video is the first input and the **reference** the
  second (the filter's order: ``main``, then ``reference``);
* default VMAF and VMAF-NEG in one pass
  (``model='version=vmaf_v0.6.1\\:name=vmaf|version=vmaf_v0.6.1neg\\:name=vmaf_neg'``);
* frame sync that neither repeats nor drifts: both inputs restart their
  timestamps (``setpts=PTS-STARTPTS`` in ``'pts'`` sync; in the default
  ``'index'`` sync every frame is re-stamped by its position, so frame *n*
  always meets frame *n* whatever the frame rates), ``repeatlast=0`` and
  ``shortest=1`` so a last frame is never reused;
* raw YUV passed with ``-f rawvideo -pix_fmt ... -s WxH``;
* no silent sample conversion: both inputs are tagged with one colour range
  (``setrange=pc``), so FFmpeg never rescales one to the other's range, and
  4:0:0 input is widened to 4:2:0 with its luma copied;
* the JSON log parsed into the same :class:`~pyvmafneg.results._result.Result` as the
  in-process backend.

FFmpeg's filter accepts 8- and 10-bit 4:2:0/4:2:2/4:4:4 only; 12/16-bit input
is refused rather than silently converted.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from .._defaults import DEFAULT_SCALER
from ..errors import FFmpegError, FrameCountMismatchError, FrameError, UnsupportedOptionError
from ..io._frame import MIN_SIDE, ClipChecker, FrameLike, iter_pairs
from ..io._prepare import ScalePlan, offset_counts, plan_scaling, prepare_pair
from ..io._rawyuv import ffmpeg_pix_fmt
from ..io._sources import VideoSource, known_frame_count, open_video
from ..results._result import Result
from ._features import FeatureSpec, ffmpeg_feature_option, resolve_features
from ._models import ModelSpec, resolve_models
from ._options import available_cpus, check_stable_width, check_threads
from ._scaffold import EngineOutput, build_result, check_frames

__all__ = [
    "ENV_VAR",
    "SYNC_MODES",
    "build_command",
    "ffmpeg_version",
    "find_ffmpeg",
    "model_option",
    "score_ffmpeg",
]

#: Frame pairing: by position (``'index'``) or by timestamp from zero (``'pts'``).
SYNC_MODES: tuple[str, ...] = ("index", "pts")

#: Lines of FFmpeg's stderr quoted in errors.
STDERR_TAIL = 12


#: Environment variable naming the FFmpeg executable to use (see :func:`find_ffmpeg`).
ENV_VAR = "PYVMAFNEG_FFMPEG"


def _named(text: str, *, from_env: bool) -> str:
    """The executable ``text`` names (a file, or a name on ``PATH``), checked."""
    found = text if os.path.isfile(text) else shutil.which(text)
    where = f" (from {ENV_VAR})" if from_env else " (given explicitly)"
    if from_env:
        advice, options = f"point {ENV_VAR} at an ffmpeg built with libvmaf, or unset it", {}
    else:
        advice = "give the path of an ffmpeg binary built with libvmaf, or {ffmpeg} to search"
        options = {"ffmpeg": None}
    if not found:
        raise FFmpegError(
            f"FFmpeg executable {text!r}{where} not found",
            advice=advice,
            options=options,
            executable=text,
        )
    if not os.access(found, os.X_OK):
        raise FFmpegError(
            f"{found!r}{where} is not executable",
            advice="chmod +x it or pick another ffmpeg",
            executable=found,
        )
    return found


def find_ffmpeg(path: str | os.PathLike[str] | None = None) -> str:
    """Path of the FFmpeg executable to run; every part of the package finds FFmpeg here.

    Search order:

    1. ``path``, when given (a file, or a name looked up on ``PATH``);
    2. the ``PYVMAFNEG_FFMPEG`` environment variable (same form);
    3. the binary ``imageio-ffmpeg`` ships (a dependency; it has libvmaf and libx264);
    4. ``ffmpeg`` on ``PATH``.

    An executable named by (1) or (2) must exist: there is no fall-back to
    the next place, so a typo never silently runs another FFmpeg.

    Raises
    ------
    FFmpegError
        The named executable is missing or not executable, or none was found.
    """
    if path is not None:
        return _named(os.fspath(path), from_env=False)
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return _named(env, from_env=True)
    try:
        import imageio_ffmpeg

        bundled = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):  # not installed, or no binary for this platform
        bundled = None
    if bundled and os.path.isfile(bundled) and os.access(bundled, os.X_OK):
        return bundled
    found = shutil.which("ffmpeg")
    if found:
        return found
    raise FFmpegError(
        "no FFmpeg found",
        advice="install imageio-ffmpeg (pip install imageio-ffmpeg), put ffmpeg on PATH, set "
        f"{ENV_VAR}, or give {{ffmpeg}}, an ffmpeg built with libvmaf",
        options={"ffmpeg": ...},
    )


#: Seconds ``ffmpeg -version`` may take before it is stopped (a real FFmpeg takes milliseconds).
VERSION_TIMEOUT = 30.0


def ffmpeg_version(
    executable: str | os.PathLike[str] | None = None, *, timeout: float | None = None
) -> str:
    """First line of ``ffmpeg -version`` (e.g. ``'ffmpeg version 7.1 ...'``), with its path.

    ``executable`` is found as :func:`find_ffmpeg` finds it. It runs in a process
    group of its own: one that has not answered within ``timeout`` seconds is
    stopped with every process it started (a wrapper script's children too);
    None means :data:`VERSION_TIMEOUT`.
    Raises :class:`~pyvmafneg.errors.FFmpegError` when FFmpeg is missing, fails
    or does not answer in time.
    """
    exe = find_ffmpeg(executable)
    timeout = VERSION_TIMEOUT if timeout is None else float(timeout)
    try:
        proc = subprocess.Popen(
            [exe, "-hide_banner", "-version"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,
        )
    except OSError as exc:
        raise FFmpegError(f"cannot run {exe!r} -version: {exc}") from None
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop_group(proc)
        raise FFmpegError(
            f"{exe!r} -version did not answer within {timeout:g} s; it was stopped, with every "
            "process it started"
        ) from None
    except BaseException:
        _stop_group(proc)
        raise
    first = (stdout or "").splitlines()[:1]
    if proc.returncode != 0 or not first:
        raise FFmpegError(f"{exe!r} -version failed: {(stderr or '').strip()[:200]}")
    line = first[0].split(" Copyright")[0].strip()
    return f"{line} ({exe})"


def _stop_group(proc: subprocess.Popen[str]) -> None:
    """Kill the process group ``proc`` leads (``start_new_session``) and reap ``proc``."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):  # the group is gone already
        pass
    proc.kill()
    proc.wait()
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def _plain(value: str, what: str) -> str:
    """Refuse characters FFmpeg's model option cannot carry (it has no escape for them)."""
    bad = sorted(set(value) & set(":|'\\=,;[]"))
    if bad:
        raise FFmpegError(
            f"the {what} {value!r} contains {' '.join(bad)}, which FFmpeg's libvmaf model "
            "option cannot carry",
            advice="rename it or score with {backend}",
            options={"backend": "libvmaf"},
        )
    return value


def model_option(
    specs: Sequence[ModelSpec],
    *,
    clip: bool = True,
    transform: bool | None = None,
    model_paths: dict[str, str] | None = None,
) -> str:
    """The libvmaf filter's ``model`` value, models separated by ``|``.

    Option separators inside a model are escaped (``\\:``), as the filter
    needs; names containing separators are refused. ``model_paths`` maps JSON
    model sources to the (simple, relative) paths to give FFmpeg.
    """
    parts = []
    for spec in specs:
        if spec.is_path:
            where = (model_paths or {}).get(spec.source, spec.source)
            opts = [f"path={_plain(where, 'model path')}"]
        else:
            opts = [f"version={_plain(spec.source, 'model version')}"]
        opts.append(f"name={_plain(spec.name, 'model name')}")
        if spec.vif_gain_limit is not None:
            opts.append(f"vif.vif_enhn_gain_limit={spec.vif_gain_limit:g}")
        if spec.adm_gain_limit is not None:
            opts.append(f"adm.adm_enhn_gain_limit={spec.adm_gain_limit:g}")
        if not clip:
            opts.append("disable_clip=true")
        if transform:
            opts.append("enable_transform=true")
        parts.append("\\:".join(opts))
    return "|".join(parts)


def _input_args(src: VideoSource) -> list[str]:
    path = os.path.abspath(src.path)
    if src.kind == "raw":
        return [
            "-f",
            "rawvideo",
            "-pix_fmt",
            ffmpeg_pix_fmt(src.pixel_format, src.bitdepth),
            "-s",
            f"{src.width}x{src.height}",
            "-i",
            path,
        ]
    if src.kind == "y4m":
        return ["-f", "yuv4mpegpipe", "-i", path]
    return ["-i", path]


def build_command(
    reference: VideoSource,
    distorted: VideoSource,
    specs: Sequence[ModelSpec],
    *,
    ffmpeg: str = "ffmpeg",
    log_path: str = "vmaf.json",
    log_fmt: str = "json",
    threads: int | None = None,
    subsample: int = 1,
    clip: bool = True,
    transform: bool | None = None,
    frames: int | None = None,
    sync: str = "index",
    model_paths: dict[str, str] | None = None,
    progress: bool = False,
    plan: ScalePlan | None = None,
    offset: int = 0,
    features: Sequence[FeatureSpec] = (),
    convert_bitdepth: int | None = None,
) -> list[str]:
    """The FFmpeg argument list (no shell) for one scoring run.

    ``log_path`` goes into the filter graph unescaped, so keep it a simple
    relative name and run FFmpeg in the directory that should hold it.
    ``plan`` adds FFmpeg's ``scale=W:H:flags=NAME`` filter to the clips it
    scales (the same libswscale call as the in-process scaling); ``offset``
    drops leading frames with ``trim=start_frame=N`` (distorted when
    positive, reference when negative); ``convert_bitdepth`` converts each
    clip of another depth with ``setrange=tv,...,format=yuv420p10le`` (the
    limited-range conversion the in-process path makes, and in one
    libswscale call with the scaling when both apply).
    """
    if sync not in SYNC_MODES:
        raise FFmpegError(f"unknown sync mode {sync!r}; use one of {', '.join(SYNC_MODES)}")
    if log_fmt not in ("json", "xml", "csv"):
        raise FFmpegError(f"unknown log format {log_fmt!r}; use json, xml or csv")
    stamp = "setpts=PTS-STARTPTS" if sync == "pts" else "settb=1/25,setpts=N"

    def chain(skip: int, role: str, src: VideoSource) -> str:
        parts = []
        if skip or frames is not None:
            bounds = [f"start_frame={skip}"] if skip else []
            if frames is not None:
                bounds.append(f"end_frame={skip + int(frames)}")
            parts.append("trim=" + ":".join(bounds))
        parts.append(stamp)
        convert = convert_bitdepth is not None and src.bitdepth != convert_bitdepth
        if convert:
            parts.append("setrange=tv")
        if plan is not None and plan.ffmpeg_filter(role):
            parts.append(plan.ffmpeg_filter(role))
        if convert:
            assert convert_bitdepth is not None
            parts.append(f"format={ffmpeg_pix_fmt(src.pixel_format, convert_bitdepth)}")
        return ",".join(parts)

    options = [
        f"model='{model_option(specs, clip=clip, transform=transform, model_paths=model_paths)}'",
        f"log_fmt={log_fmt}",
        f"log_path={log_path}",
        f"n_threads={int(threads or 0)}",
        f"n_subsample={int(subsample)}",
        *([f"feature='{ffmpeg_feature_option(features)}'"] if features else []),
        "repeatlast=0",
        "shortest=1",
        "eof_action=endall",
    ]
    # Both inputs are tagged full range so FFmpeg never converts one input's range
    # to match the other's (it would rescale samples; VMAF compares them as stored).
    tag = ",setrange=pc"
    if distorted.pixel_format == "400":
        # The filter takes no gray formats: convert to YUV, copying the luma.
        depth = distorted.bitdepth if convert_bitdepth is None else convert_bitdepth
        tag += f",format={ffmpeg_pix_fmt('420', depth)}"
    graph = (
        f"[0:v]{chain(max(offset, 0), 'distorted', distorted)}{tag}[dis];"
        f"[1:v]{chain(max(-offset, 0), 'reference', reference)}{tag}[ref];"
        f"[dis][ref]libvmaf={':'.join(options)}"
    )
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error"]
    if progress:
        cmd += ["-progress", "pipe:1", "-nostats"]
    cmd += _input_args(distorted) + _input_args(reference)
    cmd += ["-filter_complex", graph, "-f", "null", "-"]
    return cmd


def _tail(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-STDERR_TAIL:])


def _is_file_input(obj: Any) -> bool:
    return isinstance(obj, (VideoSource, str, bytes, os.PathLike))


def _as_source(obj: VideoSource | str | bytes | os.PathLike[str]) -> VideoSource:
    return obj if isinstance(obj, VideoSource) else open_video(os.fsdecode(obj))


def _spool(
    reference: Iterable[FrameLike],
    distorted: Iterable[FrameLike],
    folder: Path,
    frames: int | None,
    bitdepth: int | None,
) -> tuple[VideoSource, VideoSource]:
    """Write two frame iterables as raw YUV files FFmpeg can read; return them opened."""
    check = ClipChecker(bitdepth)
    paths = (folder / "reference.yuv", folder / "distorted.yuv")
    count = 0
    with open(paths[0], "wb") as ref_out, open(paths[1], "wb") as dis_out:
        for count, (ref, dis) in enumerate(iter_pairs(reference, distorted, frames), start=1):
            pair = check(ref, dis, count - 1)
            for frame, out in zip(pair, (ref_out, dis_out), strict=True):
                for plane in frame.planes:
                    data = plane if frame.bitdepth == 8 else plane.astype("<u2", copy=False)
                    out.write(data.tobytes())
    if check.geometry is None:
        raise FrameError("no frames were given; the clips are empty")
    width, height, bits, fmt = check.geometry
    return tuple(  # type: ignore[return-value]
        VideoSource(
            path=str(path),
            kind="raw",
            width=width,
            height=height,
            pixel_format=fmt,
            bitdepth=bits,
            frame_count=count,
        )
        for path in paths
    )


def score_ffmpeg(
    reference: VideoSource | str | os.PathLike[str] | Iterable[FrameLike],
    distorted: VideoSource | str | os.PathLike[str] | Iterable[FrameLike],
    models: Iterable[ModelSpec | str] | ModelSpec | str | None = None,
    *,
    threads: int | None = None,
    subsample: int = 1,
    clip: bool = True,
    transform: bool | None = None,
    bitdepth: int | None = None,
    frames: int | None = None,
    progress: Callable[[int], None] | None = None,
    ffmpeg: str | os.PathLike[str] | None = None,
    log_path: str | os.PathLike[str] | None = None,
    log_fmt: str = "json",
    sync: str = "index",
    timeout: float | None = None,
    scale: str | None = DEFAULT_SCALER,
    size: tuple[int, int] | str | None = None,
    offset: int = 0,
    features: Iterable[str | FeatureSpec] | str | None = None,
    convert_bitdepth: int | None = None,
) -> Result:
    """Score with FFmpeg's libvmaf filter (``pyvmafneg.score(..., backend='ffmpeg')``).

    Parameters
    ----------
    reference, distorted:
        Opened :class:`~pyvmafneg.io.VideoSource` objects or paths, which
        FFmpeg reads itself, or frame iterables, which are prepared in-process
        (``scale``, ``size``, ``offset``) and written to temporary raw YUV
        files first (``bitdepth`` reads bare ``uint16`` arrays).
    models, threads, subsample, clip, transform, frames:
        As for :func:`pyvmafneg.score`. ``transform=False`` cannot be
        forced through FFmpeg and is refused.
    progress:
        Called with the number of frames FFmpeg has processed.
    ffmpeg:
        FFmpeg executable (default: see :func:`find_ffmpeg`).
    log_path, log_fmt:
        Keep FFmpeg's own log here, in ``json``, ``xml`` or ``csv``.
    sync:
        ``'index'`` (default) pairs frame n with frame n; ``'pts'`` pairs by
        timestamp after ``setpts=PTS-STARTPTS`` (both inputs must share a
        frame rate).
    timeout:
        Seconds before FFmpeg is stopped (None: no limit).
    scale, size, offset:
        As for :func:`pyvmafneg.score`: FFmpeg's ``scale=W:H:flags=NAME``
        filter scales what :func:`pyvmafneg.io.plan_scaling` says, and
        ``trim=start_frame=N`` drops the offset's leading frames.
    convert_bitdepth:
        Convert both clips to this many bits (8 or 10 for FFmpeg's filter):
        ``format=yuv420p10le`` and the like on files, the same libswscale
        conversion in-process on frame iterables.
    features:
        Extra libvmaf extractors, passed as the filter's ``feature`` option
        (``name=psnr|name=cambi\\:full_ref=true``).

    Raises
    ------
    FFmpegError
        FFmpeg missing, failing (its stderr tail is quoted) or writing no log.
    FrameMismatchError
        Inputs that cannot be paired.
    UnsupportedOptionError
        ``transform=False``.
    """
    check_frames(frames)
    if transform is False:
        raise UnsupportedOptionError(
            "FFmpeg's libvmaf filter can enable the score transform but not force it off",
            advice="use {transform} (the model's setting) or {backend}",
            options={"transform": None, "backend": "libvmaf"},
            backend="ffmpeg",
            option="transform",
            value=False,
            supported_by=("libvmaf", "reference", "native"),
        )
    threads, subsample = check_threads(threads, subsample)
    threads = min(threads, available_cpus())  # as in-process: extra workers only cost memory
    specs = resolve_models(models)
    extra = resolve_features(features)
    exe = find_ffmpeg(ffmpeg)
    with tempfile.TemporaryDirectory(prefix="pyvmafneg-ffmpeg-") as tmp:
        tmpdir = Path(tmp)
        if _is_file_input(reference) and _is_file_input(distorted):
            ref, dis = _as_source(reference), _as_source(distorted)  # type: ignore[arg-type]
        else:
            pair = prepare_pair(
                reference,
                distorted,
                scale=scale,
                size=size,
                offset=offset,
                bitdepth=bitdepth,
                convert_bitdepth=convert_bitdepth,
            )
            ref, dis = _spool(pair.reference, pair.distorted, tmpdir, frames, bitdepth)
            offset = 0  # prepared in-process: the spooled frames pair one to one
            convert_bitdepth = None  # converted in-process too
        plan, expected = _check_inputs(ref, dis, frames, scale, size, offset, convert_bitdepth)
        model_paths = {}
        for i, spec in enumerate(specs):
            if spec.is_path:
                if not os.path.isfile(spec.source):
                    raise FFmpegError(f"model file {spec.source!r} does not exist")
                local = f"model{i}.json"
                shutil.copyfile(spec.source, tmpdir / local)
                model_paths[spec.source] = local
        log_name = f"vmaf.{log_fmt}"
        cmd = build_command(
            ref,
            dis,
            specs,
            ffmpeg=exe,
            log_path=log_name,
            log_fmt=log_fmt,
            threads=threads,
            subsample=subsample,
            clip=clip,
            transform=transform,
            frames=frames,
            sync=sync,
            model_paths=model_paths,
            progress=progress is not None,
            plan=plan,
            offset=offset,
            features=extra,
            convert_bitdepth=convert_bitdepth,
        )
        stderr_path = tmpdir / "stderr.txt"
        started = time.perf_counter()
        rc = _run(cmd, tmpdir, stderr_path, progress, timeout)
        elapsed = time.perf_counter() - started
        produced = tmpdir / log_name
        if rc != 0:
            tail = _tail(stderr_path)
            hint = "".join(f" ({local} is a copy of {src})" for src, local in model_paths.items())
            advice, options = "", {}
            if "No such filter" in tail and "libvmaf" in tail:
                hint += " This FFmpeg was built without libvmaf."
                advice = "use imageio-ffmpeg's binary ({ffmpeg}) or {backend}"
                options = {"ffmpeg": None, "backend": "libvmaf"}
            raise FFmpegError(
                f"FFmpeg failed (exit status {rc}) scoring {dis.path!r} against "
                f"{ref.path!r}.{hint}\nCommand: {' '.join(cmd)}\nFFmpeg said:\n{tail}",
                advice=advice,
                options=options,
                executable=exe,
            )
        if not produced.exists() or produced.stat().st_size == 0:
            raise FFmpegError(
                f"FFmpeg exited cleanly but wrote no VMAF log; its stderr:\n{_tail(stderr_path)}",
                executable=exe,
            )
        if log_path is not None:
            shutil.copyfile(produced, log_path)
        from ..results._logs import read_log

        log = read_log(produced)
    expected_scored = None if expected is None else len(range(0, expected, int(subsample)))
    if expected_scored is not None and len(log) != expected_scored:
        raise FFmpegError(
            f"FFmpeg scored {len(log)} frames but {expected_scored} were expected; its frame "
            "sync dropped or repeated frames (check both inputs decode completely)",
            executable=exe,
        )
    scores = {}
    for spec in specs:
        if spec.name not in log.metrics:
            raise FFmpegError(
                f"FFmpeg's log has no scores for model {spec.name!r}; metrics found: "
                f"{', '.join(list(log.metrics)[:8])}",
                executable=exe,
            )
        scores[spec.name] = log.metrics[spec.name]
    names = {s.name for s in specs}
    found = {k: v for k, v in log.metrics.items() if k not in names}
    output = EngineOutput(log.frames, scores, found, version=log.version)
    return build_result(output, specs, backend="ffmpeg", clip=clip, elapsed=elapsed)


def _check_inputs(
    ref: VideoSource,
    dis: VideoSource,
    frames: int | None,
    scale: str | None,
    size: tuple[int, int] | str | None,
    offset: int,
    convert_bitdepth: int | None = None,
) -> tuple[ScalePlan | None, int | None]:
    """Refuse inputs FFmpeg's filter would pair or convert wrongly.

    Returns the scaling plan and the number of frames expected (None: unknown).
    """
    from ..io._sources import match_sources

    match_sources(
        ref,
        dis,
        frames=frames,
        scale=scale,
        size=size,
        offset=offset,
        convert_bitdepth=convert_bitdepth,
    )
    plan = plan_scaling((ref.width, ref.height), (dis.width, dis.height), scale=scale, size=size)
    width, height = plan.size if plan is not None else (ref.width, ref.height)
    for src in (ref, dis):
        depth = src.bitdepth if convert_bitdepth is None else convert_bitdepth
        if depth not in (8, 10):
            what = "" if depth == src.bitdepth else f" (converted to {depth} bits)"
            raise FFmpegError(
                f"{src.path!r} is {src.bitdepth}-bit{what}, but FFmpeg's libvmaf filter takes only "
                "8- and 10-bit input (FFmpeg would convert it silently)",
                advice="score 12/16-bit video with {backend}",
                options={"backend": "libvmaf"},
            )
    if min(width, height) < MIN_SIDE:
        raise FrameError(
            f"frames are {width}x{height}; libvmaf needs at least {MIN_SIDE}x{MIN_SIDE} "
            "pixels (smaller frames crash FFmpeg's libvmaf filter or compute undefined values)",
            advice="upscale the clip first",
        )
    check_stable_width(width, None)
    if frames is not None:
        return plan, int(frames)
    n_ref, n_dis = offset_counts(offset, known_frame_count(ref), known_frame_count(dis))
    if n_ref is not None and n_dis is not None and n_ref != n_dis:
        common = min(n_ref, n_dis)
        raise FrameCountMismatchError(
            f"reference {ref.path!r} has {n_ref} frames but distorted {dis.path!r} has {n_dis}",
            advice="pass {frames} to score the common prefix",
            options={"frames": common},
            reference_frames=n_ref,
            distorted_frames=n_dis,
            common=common,
        )
    return plan, n_ref if n_ref is not None else n_dis


def _run(
    cmd: list[str],
    cwd: Path,
    stderr_path: Path,
    progress: Callable[[int], None] | None,
    timeout: float | None,
) -> int:
    deadline = None if timeout is None else time.monotonic() + timeout
    with open(stderr_path, "wb") as err:
        try:
            proc = subprocess.Popen(
                cmd,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if progress is not None else subprocess.DEVNULL,
                stderr=err,
            )
        except OSError as exc:
            raise FFmpegError(f"could not start FFmpeg {cmd[0]!r}: {exc}") from None
        try:
            if progress is not None and proc.stdout is not None:
                for raw in proc.stdout:
                    line = raw.decode("ascii", errors="replace").strip()
                    if line.startswith("frame="):
                        try:
                            progress(int(line[6:]))
                        except ValueError:
                            pass
                    if deadline is not None and time.monotonic() > deadline:
                        raise subprocess.TimeoutExpired(cmd, timeout or 0)
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            return proc.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise FFmpegError(f"FFmpeg did not finish within {timeout} s and was stopped") from None
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            if proc.stdout is not None:
                proc.stdout.close()
