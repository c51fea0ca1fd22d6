# lit configuration for opt-fuse's FileCheck tests (lit injects `config`).
#
#   lit -v lit_tests            (from the repository root; or: pytest tests/test_lit.py)
#
# RUN lines use `opt-fuse`, run as `python -m tools.opt_fuse` with the Python
# that runs lit (so nothing needs installing), and `filecheck`, found next to
# that Python. The repository root is this file's parent's parent, so a fresh
# clone works wherever it lives.

import os
import sys

import lit.formats

config.name = "opt-fuse"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".onnxtxt"]
config.excludes = ["lit.cfg.py", "Output"]
config.test_source_root = os.path.dirname(os.path.abspath(__file__))
config.test_exec_root = config.test_source_root

repo_root = os.path.dirname(config.test_source_root)

# RUN lines get a clean environment: keep PATH, with the venv's bin (filecheck) first.
config.environment["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
config.environment["PYTHONPATH"] = repo_root

# Substitutions are regexes. `opt-fuse` is replaced only as a word of its own, never
# inside a path such as lit_tests/opt-fuse/cli.mlir or an option such as --x=opt-fuse-y.
config.substitutions.append(("%python", sys.executable))
config.substitutions.append((r"(?<![\w/.=-])opt-fuse(?![\w/.-])", f"{sys.executable} -m tools.opt_fuse"))
