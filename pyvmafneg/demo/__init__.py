"""Demo material: natural clips with camera motion, enhancement operations, the worked comparison.

A consumer of the library, not part of its core. Clips come from
scikit-image's bundled photographs, so nothing is downloaded.

Example::

    from pyvmafneg.demo import map_frames, natural_clip, unsharp_mask

    reference = natural_clip("astronaut", frames=8)
    sharpened = map_frames(reference, lambda y: unsharp_mask(y, amount=1.5))
"""

from ._clips import IMAGES, map_frames, natural_clip
from ._enhance import OPERATIONS, contrast_stretch, gamma, histogram_equalize, unsharp_mask
from ._sample_comparison import build_sample_comparison
from ._worked import run_demo

__all__ = [
    "IMAGES",
    "OPERATIONS",
    "build_sample_comparison",
    "contrast_stretch",
    "gamma",
    "histogram_equalize",
    "map_frames",
    "natural_clip",
    "run_demo",
    "unsharp_mask",
]
