// Malformed IR text: one error on stderr with file:line:col, the line and a caret
// (exit 1, no traceback).
// RUN: not opt-fuse %s 2>&1 | filecheck %s --strict-whitespace

// CHECK:      opt-fuse: error: {{.*}}parse-error.mlir:[[# @LINE + 5]]:36: Expected ')'
// CHECK-NEXT: {{^}}  %0 = nn.relu %x : (tensor<2xf32> -> tensor<*xf32>{{$}}
// CHECK-NEXT: {{^}}                                   ^{{$}}
// CHECK-NOT:  Traceback
func.func @f(%x: tensor<2xf32>) -> tensor<*xf32> {
  %0 = nn.relu %x : (tensor<2xf32> -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
