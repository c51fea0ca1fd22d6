"""A plugin file without any pass: an error, not a silent no-op."""

from xdsl.passes import ModulePass  # imported, not defined here: not registered

HELPER = 1
