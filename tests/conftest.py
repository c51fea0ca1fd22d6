"""Suite-wide settings.

The compile cache (compiler/compile_cache.py) is off for the suite, and points at a private
temporary directory in case a test turns it on: tests must never write into the user's
~/.cache, and a warm cache would turn the compiles other tests mean to exercise (errors,
toolchain failures, clang flags) into silent hits, differently depending on test order and
on which xdist worker ran what. tests/test_compile_cache.py turns it on with its own
directory per test. Subprocesses (the tools, lit) inherit both variables.
"""

import atexit
import os
import shutil
import tempfile

os.environ["OPT_FUSE_CACHE"] = "0"
_cache_dir = tempfile.mkdtemp(prefix="opt-fuse-test-cache-")
os.environ["OPT_FUSE_CACHE_DIR"] = _cache_dir
atexit.register(shutil.rmtree, _cache_dir, ignore_errors=True)


SLOW_FIRST = (
    "tests/test_lit.py::",
    "tests/test_sanitizers.py::test_fuzz_graphs_are_clean",
    "tests/test_fusion_fuzz.py::",
    "tests/test_model_fuzz.py::test_whole_models_match_onnxruntime",
    "tests/test_light_models.py::test_light_model_with_random_weights_matches_onnxruntime",
    "tests/test_aarch64.py::test_light_model_on_aarch64",
)
"""Tests that take minutes each (the whole lit suite is one of them), started first so the
two xdist workers end together instead of one finishing the lit suite alone at the end."""


def pytest_collection_modifyitems(items: list) -> None:  # noqa: ANN001  (pytest's hook signature)
    def rank(item) -> int:  # noqa: ANN001
        return next((i for i, prefix in enumerate(SLOW_FIRST) if item.nodeid.startswith(prefix)), len(SLOW_FIRST))

    items.sort(key=rank)  # stable: the order within each rank is kept
