// A plugin that cannot be loaded is one error naming the file (exit 1, no traceback
// unless --debug): missing, not Python, raising at its top level (with the line),
// not parsing, defining no pass, options on a class that is not a dataclass, a
// name already taken. A plugin pass that raises names the pass, its plugin and its line.
// RUN: not opt-fuse %s --load-pass-plugin %S/Inputs/missing.py 2>&1 | filecheck %s --check-prefix=MISSING
// RUN: not opt-fuse %s --load-pass-plugin %s 2>&1 | filecheck %s --check-prefix=NOTPY
// RUN: not opt-fuse %s --load-pass-plugin %S/Inputs/raises.py 2>&1 | filecheck %s --check-prefix=RAISES
// RUN: not opt-fuse %s --load-pass-plugin %S/Inputs/raises.py --debug 2>&1 | filecheck %s --check-prefix=DEBUG
// RUN: not opt-fuse %s --load-pass-plugin %S/Inputs/syntax_error.py 2>&1 | filecheck %s --check-prefix=SYNTAX
// RUN: not opt-fuse %s --load-pass-plugin %S/Inputs/no_pass.py 2>&1 | filecheck %s --check-prefix=NOPASS
// RUN: not opt-fuse %s --load-pass-plugin %S/Inputs/not_dataclass.py 2>&1 | filecheck %s --check-prefix=DATACLASS
// RUN: not opt-fuse %s --load-pass-plugin %S/Inputs/name_taken.py 2>&1 | filecheck %s --check-prefix=TAKEN
// RUN: not opt-fuse %s --load-pass-plugin %S/Inputs/crashes.py -p crash 2>&1 | filecheck %s --check-prefix=CRASH

// MISSING:     opt-fuse: error: cannot load pass plugin '{{.*}}Inputs/missing.py': no such file
// NOTPY:       opt-fuse: error: cannot load pass plugin '{{.*}}plugin-errors.mlir': a pass plugin is a Python file (.py)
// RAISES:      opt-fuse: error: pass plugin '{{.*}}Inputs/raises.py' failed to load: ZeroDivisionError: division by zero (at {{.*}}Inputs/raises.py:4)
// RAISES-NOT:  Traceback
// DEBUG:       Traceback
// DEBUG:       ZeroDivisionError: division by zero
// SYNTAX:      opt-fuse: error: pass plugin '{{.*}}syntax_error.py' does not parse: {{.*}}syntax_error.py:2:{{[0-9]+}}: invalid syntax
// NOPASS:      opt-fuse: error: pass plugin '{{.*}}no_pass.py' defines no pass: a pass is a @dataclass(frozen=True) subclass of xdsl.passes.ModulePass
// DATACLASS:   opt-fuse: error: pass plugin '{{.*}}not_dataclass.py': pass class Forgetful declares options (level) but is not a @dataclass(frozen=True)
// TAKEN:       opt-fuse: error: pass plugin '{{.*}}name_taken.py': pass 'fuse' (class MyFuse) is already registered by opt-fuse
// CRASH:       opt-fuse: error: pass 'crash' (pass plugin '{{.*}}crashes.py') raised IndexError: list index out of range at {{.*}}Inputs/crashes.py:14
// CRASH-NOT:   internal error
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  func.return %x : tensor<2xf32>
}
