# lit configuration for tests of your own passes: copy this file next to them.
#
#   lit -v docs/tutorial            (or the folder you copied it to)
#
# RUN lines use `opt-fuse` (run as `python -m tools.opt_fuse` with the Python that
# runs lit) and `filecheck` (found next to that Python): with opt-fuse installed in
# the active environment (scripts/setup.sh), this works from any folder. Inside the
# opt-fuse repository it uses the repository's sources, installed or not.

import os
import sys

import lit.formats

config.name = "opt-fuse-plugin-tests"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir"]
config.excludes = ["lit.cfg.py", "Output"]
config.test_source_root = os.path.dirname(os.path.abspath(__file__))
config.test_exec_root = config.test_source_root

config.environment["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
repo = os.path.dirname(os.path.dirname(config.test_source_root))
if os.path.isfile(os.path.join(repo, "tools", "opt_fuse.py")):
    config.environment["PYTHONPATH"] = repo
config.substitutions.append(("%python", sys.executable))
config.substitutions.append((r"(?<![\w/.=-])opt-fuse(?![\w/.-])", f"{sys.executable} -m tools.opt_fuse"))
