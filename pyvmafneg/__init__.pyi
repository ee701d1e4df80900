# The public names of ``import pyvmafneg``: the one list.
#
# ``pyvmafneg/__init__.py`` reads this file when the package is imported: every
# name imported here ``as`` itself is in ``pyvmafneg.__all__`` and is imported
# from its module on first use. Type checkers read it as the package's stub.
# Everything else is one import away: the errors in ``pyvmafneg.errors``, the
# engines in ``pyvmafneg.engines``, readers and writers in ``pyvmafneg.io``,
# results in ``pyvmafneg.results``, and so on.

from . import cli as cli
from . import comparison as comparison
from . import demo as demo
from . import engines as engines
from . import errors as errors
from . import io as io
from . import results as results
from . import segments as segments
from . import verdict as verdict

# Scoring
from ._score import score as score
from ._score import score_many as score_many
from .engines._models import BUILTIN_MODELS as BUILTIN_MODELS
from .engines._models import DEFAULT_MODELS as DEFAULT_MODELS
from .engines._models import ModelSpec as ModelSpec
from .engines._models import parse_model as parse_model
from .engines._registry import backend_names as backend_names
from .engines.libvmaf._binding import library_info as library_info
from .engines.libvmaf._binding import load_library as load_library
from .engines.libvmaf._scorer import Scorer as Scorer

# The errors most callers catch (every one is in pyvmafneg.errors)
from .errors import BackendUnavailableError as BackendUnavailableError
from .errors import FrameError as FrameError
from .errors import FrameMismatchError as FrameMismatchError
from .errors import InputFileError as InputFileError
from .errors import LibvmafNotFoundError as LibvmafNotFoundError
from .errors import ModelError as ModelError
from .errors import OptionError as OptionError
from .errors import VmafNegError as VmafNegError

# Inputs
from .io._frame import Frame as Frame
from .io._frame import as_frame as as_frame
from .io._sources import VideoSource as VideoSource
from .io._sources import open_video as open_video
from .io._sync import SyncResult as SyncResult
from .io._sync import find_offset as find_offset

# Results and the check
from .results._logs import read_log as read_log
from .results._result import Pooled as Pooled
from .results._result import Result as Result
from .results._result import pool as pool
from .verdict._check import CheckReport as CheckReport
from .verdict._check import check as check

__version__: str
