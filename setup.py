"""Build entry: compiles the native engine (``csrc/``) with cffi in API mode.

Project metadata lives in ``pyproject.toml``. The C extension
``pyvmafneg.engines.native._engine`` is optional: when no C compiler is
available the install still succeeds and ``backend="native"`` raises
:class:`pyvmafneg.BackendUnavailableError` saying how to build it.
"""

from setuptools import setup
from setuptools.command.build_ext import build_ext


class OptionalBuildExt(build_ext):
    """Build extensions, but let the install go on without the native engine."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any build failure leaves the engine out
            self.warn(f"the native engine was not built ({exc}); the libvmaf backend still works")

    def build_extension(self, ext) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            self.warn(f"the native engine was not built ({exc}); the libvmaf backend still works")


setup(
    cffi_modules=["pyvmafneg/engines/native/_build.py:ffibuilder"],
    cmdclass={"build_ext": OptionalBuildExt},
    # The engine uses only the stable ABI (cffi builds it with Py_LIMITED_API, as
    # ``_engine.abi3.so``): one wheel serves CPython 3.12 and later.
    options={"bdist_wheel": {"py_limited_api": "cp312"}},
)
