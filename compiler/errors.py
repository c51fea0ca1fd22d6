"""User-facing errors.

Anything a user can cause (a bad model, an unsupported op, a wrong input, a
missing toolchain) raises a subclass of `OptFuseError`. The tools print its
message alone and exit non-zero; only `--debug` shows a traceback. Anything
else escaping is a bug in opt-fuse, and is reported as one.
"""


class OptFuseError(Exception):
    """An error caused by the input or the environment, with a message for the user."""


class ModelImportError(OptFuseError):
    """The ONNX model is malformed or uses something the importer does not support."""


class ShapeError(OptFuseError):
    """Shapes are inconsistent; the message names the op and its location."""


class ToolchainError(OptFuseError):
    """No usable clang, or clang failed; the message carries the command to reproduce it."""


class RuntimeInputError(OptFuseError):
    """Inputs given to a compiled model do not match its signature."""


class PipelineError(OptFuseError):
    """A pass pipeline string is malformed, names an unknown pass or has a bad option."""
