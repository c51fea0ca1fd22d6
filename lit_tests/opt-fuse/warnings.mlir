// A pass's warning goes to stderr as `opt-fuse: warning: <pass>: <op and where>: <what>`,
// and the run goes on: the IR is printed and the exit code is 0. fold-constants warns
// about an op it could compute but does not, because of max-elements.
// RUN: opt-fuse %s -p 'fold-constants{max-elements=4}' 2> %t.err | filecheck %s
// RUN: filecheck %s --check-prefix=WARN < %t.err
// RUN: opt-fuse %s -p 'fold-constants' 2>&1 | filecheck %s --check-prefix=NONE

// WARN:      opt-fuse: warning: fold-constants: 'nn.add' at {{.*}}warnings.mlir:[[# @LINE + 11]]:3: not folded: its result would be a constant of 6 elements (max-elements=4); it is computed at run time
// WARN-NOT:  warning

// CHECK-LABEL: func.func @f
// CHECK:         nn.add %c, %c

// NONE-NOT:  warning
// NONE-LABEL: func.func @f
// NONE-NEXT:    nn.constant dense<2.000000e+00> : tensor<2x3xf32>
func.func @f() -> tensor<*xf32> {
  %c = nn.constant dense<1.0> : tensor<2x3xf32>
  %0 = nn.add %c, %c : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
