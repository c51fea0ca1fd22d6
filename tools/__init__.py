"""Command-line entry points: opt-fuse (tools/opt_fuse.py) and opt-fuse-compile (tools/compile.py)."""

import argparse
import os
import sys
from collections.abc import Callable

from compiler.errors import OptFuseError


def run_guarded(prog: str, run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a tool: a user error prints one line and exits 1, a bug exits 2; `--debug` re-raises both."""
    try:
        return run(args)
    except BrokenPipeError:  # the reader went away (`opt-fuse ... | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OptFuseError as error:
        if args.debug:
            raise
        sys.stderr.write(f"{prog}: error: {error}\n")
        return 1
    except Exception as error:  # a bug in opt-fuse, not in the input
        if args.debug:
            raise
        sys.stderr.write(f"{prog}: internal error: {type(error).__name__}: {error}\n(run with --debug for the traceback)\n")
        return 2
