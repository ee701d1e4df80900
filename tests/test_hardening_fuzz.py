"""Property-based fuzzing of the parsers that read untrusted bytes.

Any byte string given to the Y4M header parser, the Y4M reader or the log
reader (JSON, XML, CSV) must come back as a parsed value or as one of the
package's own errors (a :class:`~pyvmafneg.errors.VmafNegError`), never as
another exception type. Besides arbitrary bytes, the inputs include headers
built from valid and damaged tags, and mutations of real logs the package
and libvmaf wrote, which reach far deeper into the parsers than random bytes.

The runs are deterministic (``derandomize=True``) and sized to take a few
seconds; ``PYVMAFNEG_FUZZ_EXAMPLES=5000 python3 -m pytest tests/test_hardening_fuzz.py``
searches longer.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyvmafneg
from pyvmafneg.demo._clips import map_frames, natural_clip
from pyvmafneg.errors import FrameSizeLimitError, TruncatedInputError, VmafNegError
from pyvmafneg.io._frame import BITDEPTHS, PIXEL_FORMATS
from pyvmafneg.io._sources import open_video
from pyvmafneg.io._y4m import Y4MInfo, parse_header, read_y4m, write_y4m
from pyvmafneg.results._logs import read_log, result_from_logs, to_xml

#: Fuzzing runs thousands of examples: part of the full suite, not the quick tier.
pytestmark = pytest.mark.slow

FUZZ = settings(
    derandomize=True,
    max_examples=int(os.environ.get("PYVMAFNEG_FUZZ_EXAMPLES", "300")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

#: One scratch directory for the whole module; each example overwrites its file.
_SCRATCH = Path(tempfile.mkdtemp(prefix="pyvmafneg-fuzz-"))
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)


def _scratch(name: str, data: bytes) -> Path:
    path = _SCRATCH / name
    path.write_bytes(data)
    return path


def _only_package_errors(call: Callable[[], Any]) -> Any:
    """Run ``call``; a VmafNegError is an accepted outcome, anything else fails the test."""
    try:
        return call()
    except VmafNegError:
        return None


# -- Y4M ------------------------------------------------------------------------------

_GOOD_TAGS = [
    b"W64",
    b"H48",
    b"W33",
    b"H1",
    b"F25:1",
    b"F30000:1001",
    b"F0:0",
    b"Ip",
    b"I?",
    b"A1:1",
    b"A0:0",
    b"C420jpeg",
    b"C420mpeg2",
    b"C420paldv",
    b"C422",
    b"C444",
    b"C444alpha",
    b"Cmono",
    b"C420p10",
    b"C422p12",
    b"C444p16",
    b"Cmono12",
    b"XCOLORRANGE=FULL",
    b"XCOLORRANGE=LIMITED",
    b"XYSCSS=420JPEG",
]
_TAG_TEXT = st.text(alphabet="0123456789:-+_.eEpPx?tbmC jJ\t\r\xe9", max_size=12)


@st.composite
def _y4m_header_lines(draw: st.DrawFn) -> bytes:
    """Header lines near the valid ones: valid tags, damaged tags and stray bytes."""
    tags = draw(
        st.lists(
            st.one_of(
                st.sampled_from(_GOOD_TAGS),
                st.builds(
                    lambda tag, text: tag + text.encode("utf-8"),
                    st.sampled_from([b"W", b"H", b"F", b"I", b"A", b"C", b"X", b"Z"]),
                    _TAG_TEXT,
                ),
                st.binary(max_size=6),
            ),
            max_size=9,
        )
    )
    magic = draw(st.sampled_from([b"YUV4MPEG2", b"YUV4MPEG2", b"YUV4MPEG", b"yuv4mpeg2", b""]))
    sep = draw(st.sampled_from([b" ", b" ", b"  ", b"\t"]))
    end = draw(st.sampled_from([b"\n", b"\n", b"\r\n", b""]))
    return sep.join([magic, *tags]) + end


def _check_header(line: bytes) -> None:
    info = _only_package_errors(lambda: parse_header(line, "<fuzz>"))
    if info is None:
        return
    assert isinstance(info, Y4MInfo)
    assert info.width >= 1 and info.height >= 1
    assert info.pixel_format in PIXEL_FORMATS and info.bitdepth in BITDEPTHS
    itemsize = 1 if info.bitdepth == 8 else 2
    assert info.frame_size == sum(r * c for r, c in info.plane_shapes()) * itemsize
    assert info.header_size == len(line) + (0 if line.endswith(b"\n") else 1)


@FUZZ
@given(st.binary(max_size=120))
def test_y4m_header_parser_on_arbitrary_bytes(line: bytes) -> None:
    _check_header(line)
    _check_header(b"YUV4MPEG2 " + line)


@FUZZ
@given(_y4m_header_lines())
def test_y4m_header_parser_on_nearly_valid_headers(line: bytes) -> None:
    _check_header(line)


@cache
def _real_y4m(bitdepth: int, pixel_format: str) -> bytes:
    frames = natural_clip(
        "camera", frames=2, width=17, height=16, bitdepth=bitdepth, pixel_format=pixel_format
    )
    path = _SCRATCH / f"real-{bitdepth}-{pixel_format}.y4m"
    write_y4m(frames, path)
    return path.read_bytes()


_TOKENS = [
    b"FRAME\n",
    b"FRAME",
    b"\n",
    b" ",
    b"YUV4MPEG2 ",
    b"W999999999",
    b"H0",
    b"C420p10",
    b"Cmono",
    b"It",
    b"F1:0",
    b"\x00",
    b"\xff\xfe",
    b"99999999999999999999999999",
    b"-1",
    b"1e999",
    b"null",
    b"NaN",
    b"[]",
    b"{}",
    b'"x"',
    b"<",
    b"/>",
    b'"',
    b",",
    b"frameNum",
    b"vmaf_neg",
    b"true",
]


@st.composite
def _mutations(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` after a few deletions, insertions, replacements, duplications or a cut."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "insert", "replace", "duplicate", "truncate"]))
        n = len(out)
        start = draw(st.integers(0, n))
        stop = draw(st.integers(start, min(n, start + 64)))
        token = draw(st.one_of(st.sampled_from(_TOKENS), st.binary(min_size=1, max_size=8)))
        if kind == "delete":
            del out[start:stop]
        elif kind == "insert":
            out[start:start] = token
        elif kind == "replace":
            out[start:stop] = token
        elif kind == "duplicate":
            out[stop:stop] = out[start:stop]
        else:
            del out[start:]
    return bytes(out)


def _read_every_frame(path: Path) -> int:
    count = 0
    for frame in open_video(path, kind="y4m"):
        assert frame.width >= 1 and frame.height >= 1
        count += 1
    return count


@FUZZ
@given(st.data())
def test_y4m_reader_on_mutated_files(data: st.DataObject) -> None:
    """Damaged Y4M files yield frames or a package error, whatever their header claims."""
    original = _real_y4m(*data.draw(st.sampled_from([(8, "420"), (10, "444"), (8, "400")])))
    path = _scratch("mutated.y4m", data.draw(_mutations(original)))
    _only_package_errors(lambda: _read_every_frame(path))


def test_y4m_header_claiming_a_huge_frame_is_refused_without_allocating_it() -> None:
    """A header can claim terabytes per frame; the reader refuses the size before reading."""
    path = _scratch("huge.y4m", b"YUV4MPEG2 W10000000 H10000000\nFRAME\nabc")
    with pytest.raises(FrameSizeLimitError, match="10000000x10000000") as err:
        list(read_y4m(path))
    assert (err.value.width, err.value.height) == (10_000_000, 10_000_000)
    with pytest.raises(FrameSizeLimitError):
        open_video(path)
    # Within the limit, a header claiming more than the file holds is a truncation.
    path = _scratch("long.y4m", b"YUV4MPEG2 W8000 H4000\nFRAME\nabc")
    with pytest.raises(TruncatedInputError, match="ends inside frame 0") as trunc:
        list(read_y4m(path))
    assert "truncated" in str(trunc.value)


# -- logs -----------------------------------------------------------------------------


_LOG_NAMES = ["ours.json", "ours.csv", "ours.xml", "libvmaf.json", "libvmaf.xml", "libvmaf.csv"]


@cache
def _real_logs() -> dict[str, bytes]:
    """Logs of a short sharpened clip as this package and libvmaf write them."""
    ref = natural_clip("coffee", frames=3, width=48, height=40)
    dis = map_frames(ref, lambda y: np.clip(y.astype(np.int32) * 9 // 8, 0, 255).astype(np.uint8))
    with pyvmafneg.Scorer(clip=False) as scorer:
        for r, d in zip(ref, dis, strict=True):
            scorer.feed(r, d)
        result = scorer.flush()
        for fmt in ("json", "xml", "csv"):
            scorer.write_libvmaf_log(str(_SCRATCH / f"libvmaf.{fmt}"), fmt)
    result.write(_SCRATCH / "ours.json")
    result.write(_SCRATCH / "ours.csv")
    to_xml(result, _SCRATCH / "ours.xml")
    return {name: (_SCRATCH / name).read_bytes() for name in _LOG_NAMES}


def _check_log(data: bytes, name: str = "fuzz.log") -> None:
    """read_log, then combining into a Result and checking it, as ``pyvmafneg check`` does."""
    path = _scratch(name, data)
    log = _only_package_errors(lambda: read_log(path))
    if log is None:
        return
    assert len(log) >= 1
    assert set(log.model_keys) <= set(log.metrics)
    assert all(v.shape == log.frames.shape for v in log.metrics.values())
    loaded = _only_package_errors(lambda: result_from_logs([log]))
    if loaded is not None:
        _only_package_errors(lambda: pyvmafneg.check(loaded.result).verdict)


def test_real_logs_parse() -> None:
    """The seeds of the mutation fuzzing are themselves valid."""
    for name, data in _real_logs().items():
        log = read_log(_scratch(name, data))
        assert len(log) == 3 and {"vmaf", "vmaf_neg"} <= set(log.model_keys), name


@FUZZ
@given(st.binary(max_size=300))
def test_log_reader_on_arbitrary_bytes(data: bytes) -> None:
    _check_log(data)
    # the byte-order marks of UTF-16 (either order) and UTF-32 take the wide decoders
    for prefix in (
        b"{",
        b"[",
        b"<",
        b"Frame,vmaf,vmaf_neg\n",
        b"\xff\xfe",
        b"\xfe\xff",
        b"\xff\xfe\0\0",
    ):
        _check_log(prefix + data)


@FUZZ
@given(st.sampled_from(_LOG_NAMES), st.data())
def test_log_reader_on_mutated_real_logs(name: str, data: st.DataObject) -> None:
    _check_log(data.draw(_mutations(_real_logs()[name])), name)


_JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.sampled_from(["vmaf", "vmaf_neg", "integer_adm2", "0", "1e999", "nan"]),
)
_JSON_VALUES = st.recursive(
    _JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.one_of(st.sampled_from(["vmaf", "vmaf_neg", "default_model"]), st.text()),
            inner,
            max_size=3,
        ),
    ),
    max_leaves=8,
)
_METRIC_NAMES = st.sampled_from(["vmaf", "vmaf_neg", "integer_adm2", "integer_adm2_egl_1", "x"])


@st.composite
def _json_logs(draw: st.DrawFn) -> dict[str, Any]:
    """JSON documents shaped like VMAF logs, with any value in any slot."""
    frames = draw(
        st.lists(
            st.one_of(
                st.fixed_dictionaries(
                    {
                        "frameNum": st.one_of(st.integers(-2, 10**25), _JSON_SCALARS),
                        "metrics": st.one_of(
                            st.dictionaries(_METRIC_NAMES, _JSON_VALUES, max_size=4),
                            _JSON_VALUES,
                        ),
                    }
                ),
                _JSON_VALUES,
            ),
            max_size=4,
        )
    )
    doc: dict[str, Any] = {"frames": frames}
    for key, strategy in (
        ("version", _JSON_VALUES),
        ("fps", _JSON_VALUES),
        ("pooled_metrics", st.dictionaries(_METRIC_NAMES, _JSON_VALUES, max_size=3)),
        (
            "pyvmafneg",
            st.fixed_dictionaries(
                {},
                optional={
                    "clipped": _JSON_VALUES,
                    "pooled": _JSON_VALUES,
                    "models": _JSON_VALUES,
                    "gap": st.one_of(
                        _JSON_VALUES,
                        st.fixed_dictionaries(
                            {"default_model": _JSON_VALUES, "neg_model": _JSON_VALUES}
                        ),
                    ),
                },
            ),
        ),
    ):
        if draw(st.booleans()):
            doc[key] = draw(strategy)
    return doc


@FUZZ
@given(_json_logs())
def test_log_reader_on_log_shaped_json(doc: dict[str, Any]) -> None:
    _check_log(json.dumps(doc).encode())


@FUZZ
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.sampled_from(["0", "1", "-1", "nan", "inf", "99999999999999999999", "", " "]),
                st.text(alphabet='0123456789.e-+,"\r\n x', max_size=8),
            ),
            min_size=1,
            max_size=4,
        ),
        max_size=4,
    )
)
def test_log_reader_on_log_shaped_csv(rows: list[list[str]]) -> None:
    body = "\n".join(",".join(row) for row in rows)
    _check_log(("Frame,vmaf,vmaf_neg,\n" + body).encode())
    _check_log(("Frame,vmaf,vmaf_neg\n" + body).encode())


@FUZZ
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["frameNum", "vmaf", "vmaf_neg", "integer_adm2"]),
            st.one_of(
                st.sampled_from(["0", "1", "-1", "nan", "1e999", "99999999999999999999"]),
                st.text(alphabet="0123456789.e-x ", max_size=6),
            ),
            max_size=4,
        ),
        max_size=4,
    ),
    st.booleans(),
)
def test_log_reader_on_log_shaped_xml(frames: list[dict[str, str]], own: bool) -> None:
    def attrs(d: dict[str, str]) -> str:
        return " ".join(f'{k}="{v}"' for k, v in d.items())

    body = "".join(f"<frame {attrs(f)}/>" for f in frames)
    extra = '<pyvmafneg clipped="false" default_model="vmaf" neg_model="vmaf_neg"/>' if own else ""
    text = f'<VMAF version="x"><frames>{body}</frames>{extra}</VMAF>'
    _check_log(text.encode())
