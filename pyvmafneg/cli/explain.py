"""``pyvmafneg explain``: where VMAF-NEG's gain cap bites, frame by frame."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from ..engines._models import GAIN_LIMIT_RANGE, check_gain_limit
from .common import add_input_arguments, count, open_pair


def _limit(text: str) -> float:
    try:
        return check_gain_limit(text, "--gain-limit")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain",
        help="show, frame by frame, where the enhancement-gain cap bites",
        description="For each frame, report with the NumPy reference of libvmaf's features "
        "(or, with --engine native, the compiled engine) the share of locations where the gain "
        "cap acted (per VIF scale; per ADM scale and band), every VIF and ADM feature without "
        "and with the cap from the same pass, and the VMAF each implies (v0.6.1, unclipped; "
        "capped at 1.0 that is VMAF-NEG). With "
        "--maps, also save per-frame PNG maps of the gain before and after the cap.",
    )
    add_input_arguments(p)
    p.add_argument(
        "--gain-limit",
        type=_limit,
        default=1.0,
        metavar="X",
        help="the cap to examine, in [{:g}, {:g}] (default 1.0, VMAF-NEG's)".format(
            *GAIN_LIMIT_RANGE
        ),
    )
    p.add_argument("--frames", type=count(1), metavar="N", help="explain only the first N frames")
    p.add_argument(
        "--maps",
        metavar="DIR",
        help="save per-frame PNG maps (gain before/after the cap, cap mask) in DIR "
        "(needs matplotlib)",
    )
    p.add_argument(
        "--engine",
        choices=("reference", "native"),
        default="reference",
        help="reference (default): the NumPy reference, per band, with --maps; native: the "
        "compiled engine's cap-share features (per VIF and ADM scale), much faster, no maps",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def _native_report(args: argparse.Namespace, ref, dis) -> int:
    """Per-frame cap shares from the native engine's features, one scoring pass."""
    import pyvmafneg

    from ..engines._models import feature_suffix

    limit = args.gain_limit
    capped = f"vmaf_v0.6.1:name=capped:vif_enhn_gain_limit={limit:g}:adm_enhn_gain_limit={limit:g}"
    result = pyvmafneg.score(
        ref,
        dis,
        ["vmaf_v0.6.1:name=vmaf", capped],
        backend="native",
        clip=False,
        frames=args.frames,
    )
    sfx = feature_suffix(limit)
    keys = [f"integer_vif_scale{s}" for s in range(4)] + ["integer_adm2"]
    keys += [f"integer_adm_scale{s}" for s in range(4)]
    frames = []
    for i in range(len(result)):
        frames.append(
            {
                "frameNum": i,
                "vmaf": float(result["vmaf"][i]),
                "vmaf_capped": float(result["capped"][i]),
                "vif_cap_share": [
                    float(result[f"integer_vif_cap_share_scale{s}{sfx}"][i]) for s in range(4)
                ],
                "adm_cap_share": [
                    float(result[f"integer_adm_cap_share_scale{s}{sfx}"][i]) for s in range(4)
                ],
                "uncapped": {k: float(result[k][i]) for k in keys},
                "capped": {k: float(result[f"{k}{sfx}"][i]) for k in keys},
            }
        )
    name = "VMAF-NEG" if limit == 1.0 else f"VMAF at gain limit {limit:g}"
    summary = {
        "frames": len(frames),
        "vmaf": result.pooled("vmaf").mean,
        "vmaf_capped": result.pooled("capped").mean,
        "vif_cap_share": [
            result.pooled(f"integer_vif_cap_share_scale{s}{sfx}").mean for s in range(4)
        ],
        "adm_cap_share": [
            result.pooled(f"integer_adm_cap_share_scale{s}{sfx}").mean for s in range(4)
        ],
    }
    if args.json:
        doc = {"engine": "native", "gain_limit": limit, "model": "vmaf_v0.6.1", "clipped": False}
        from .._outputs import json_text  # not at import: the parser stays light

        print(json_text({**doc, "frames": frames, "summary": summary}))
        return 0
    pct = "{:6.2f}%".format
    for f in frames:
        print(
            f"frame {f['frameNum']}: VMAF {f['vmaf']:8.4f}  {name} {f['vmaf_capped']:8.4f}  "
            f"drop {f['vmaf'] - f['vmaf_capped']:+.4f}"
        )
        print("  feature      cap held at the limit   uncapped     capped")
        for s in range(4):
            key = f"integer_vif_scale{s}"
            print(
                f"  vif_scale{s}   {pct(100 * f['vif_cap_share'][s])} of locations      "
                f"{f['uncapped'][key]:10.6f} {f['capped'][key]:10.6f}"
            )
        for s in range(4):
            key = f"integer_adm_scale{s}"
            print(
                f"  adm_scale{s}   {pct(100 * f['adm_cap_share'][s])} of coefficients   "
                f"{f['uncapped'][key]:10.6f} {f['capped'][key]:10.6f}"
            )
    vif = " ".join(f"{100 * x:.2f}%" for x in summary["vif_cap_share"])
    adm = " ".join(f"{100 * x:.2f}%" for x in summary["adm_cap_share"])
    print(
        f"{summary['frames']} frames, gain limit {limit:g} (native engine): mean VMAF "
        f"{summary['vmaf']:.4f}, {name} {summary['vmaf_capped']:.4f}; mean cap share per "
        f"VIF scale {vif}; per ADM scale {adm}"
    )
    return 0


def run(args: argparse.Namespace) -> int:
    from ..engines.reference._explain import (
        explain_frames,
        format_frame,
        format_summary,
        summarize,
    )

    if args.engine == "native":
        if args.maps:
            print(
                "pyvmafneg explain: error: --maps needs --engine reference (the native engine "
                "counts where the cap acts but keeps no maps)",
                file=sys.stderr,
            )
            return 2
        ref, dis, warnings = open_pair(args)
        for text in warnings:
            print(f"pyvmafneg explain: warning: {text}", file=sys.stderr)
        return _native_report(args, ref, dis)
    save = None
    if args.maps is not None:
        from .._outputs import check_output_dir
        from ..verdict._capmaps import save_cap_maps

        check_output_dir(args.maps, "--maps directory")
        save = save_cap_maps
    ref, dis, warnings = open_pair(args)
    for text in warnings:
        print(f"pyvmafneg explain: warning: {text}", file=sys.stderr)
    caps = []
    # With both lengths known, open_pair has already checked them and frames print as
    # they come; otherwise a clip may turn out shorter at its end, so the report is held
    # back until every frame paired and the error, if any, is all that is printed.
    held: list[str] | None = [] if None in (ref.frame_count, dis.frame_count) else None
    for cap in explain_frames(
        ref, dis, gain_limit=args.gain_limit, frames=args.frames, keep_maps=save is not None
    ):
        if save is not None:
            for path in save(cap, args.maps):
                print(f"map written to {path}", file=sys.stderr)
        if not args.json:
            if held is None:
                print(format_frame(cap))
            else:
                held.append(format_frame(cap))
        caps.append(dataclasses.replace(cap, vif_maps=None, adm_maps=None))
    for text in held or ():
        print(text)
    summary = summarize(caps)
    if args.json:
        doc = {
            "gain_limit": args.gain_limit,
            "model": caps[0].model,
            "clipped": caps[0].clipped,
            "frames": [c.as_dict() for c in caps],
            "summary": summary.as_dict(),
        }
        from .._outputs import json_text  # not at import: the parser stays light

        print(json_text(doc))
    else:
        print(format_summary(summary))
    return 0
