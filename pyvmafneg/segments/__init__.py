"""One long pair scored as contiguous segments in parallel, stitched into one exact Result.

Example::

    from pyvmafneg.segments import score_segments

    run = score_segments("ref.mkv", "dist.mkv", segments=8, store="title.results.jsonl")
    print(run.result.pooled("vmaf").mean, run.reused, run.retried)
"""

from ._plan import SegmentTask, plan_ranges
from ._resume import default_store
from ._run import SegmentRun, score_segments

__all__ = ["SegmentRun", "SegmentTask", "default_store", "plan_ranges", "score_segments"]
