# A plugin whose top level raises: one error naming the file and this line.
from xdsl.passes import ModulePass

SCALE = 1 / 0
