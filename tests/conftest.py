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
