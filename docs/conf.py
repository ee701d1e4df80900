"""Sphinx configuration of the pyvmafneg documentation.

Build it (offline, warnings as errors) with::

    python3 -m pip install -e '.[docs]'
    python3 -m sphinx -W --keep-going -b html docs docs/_build/html

The pages are Markdown (MyST); the API reference is read from the docstrings
(autodoc; napoleon reads their numpydoc and Google sections) and the
command-line reference from the argument parser itself
(``docs/_ext/cli_reference.py``), so neither can drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

project = "pyvmafneg"
author = "the pyvmafneg authors"
copyright = "the pyvmafneg authors; BSD-2-Clause-Patent"  # noqa: A001


def _release() -> str:
    from pyvmafneg._version import package_version

    return package_version()


release = _release()
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "sphinx.ext.napoleon",
    "cli_reference",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

# MyST: headings get anchors so pages can link to sections; ``$`` math is not used.
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# autodoc: members in source order; type hints in the signature, where readers look.
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "show-inheritance": True}

# Docstrings: numpydoc sections (Parameters, Returns, Attributes ...) as in
# NumPy and scikit-image; the NumPy reference's modules use the Google layout
# (Args:, Returns:). Napoleon reads both, numpydoc only the first.
napoleon_numpy_docstring = True
napoleon_google_docstring = True
napoleon_use_rtype = False

# Offline: nothing is fetched at build time (no intersphinx inventories).
html_theme = "alabaster"
html_static_path: list[str] = []
html_title = f"pyvmafneg {release}"
html_theme_options = {
    "description": "VMAF and VMAF-NEG in-process, with the enhancement-gain gap made plain",
    "fixed_sidebar": True,
}
smartquotes = False  # option names keep their two hyphens
