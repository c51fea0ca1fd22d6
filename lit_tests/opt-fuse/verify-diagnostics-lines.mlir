// --verify-diagnostics checks the line as well as the text, like mlir-opt: an error
// that names a line of this file must be the line the annotation points at
// (@+N, @-N, @above, @below, or the annotation's own line). Errors that name no
// line (an ONNX node) are matched by text alone.
// RUN: opt-fuse %s --split-input-file --verify-diagnostics -p shape-infer | filecheck %s
// RUN: sed -e 's|expected-error@below|expected-error@above|' %s > %t.wrong-line.mlir
// RUN: not opt-fuse %t.wrong-line.mlir --split-input-file --verify-diagnostics -p shape-infer 2>&1 | filecheck %s --check-prefix=WRONG

// CHECK: shape-infer: 'nn.add' at {{.*}}:[[# @LINE + 11]]:3: shapes [2] and [3] cannot be broadcast together
// CHECK: // -----
// CHECK: shape-infer: 'nn.matmul' at {{.*}}:[[# @LINE + 16]]:3: contraction dims differ
// CHECK: // -----
// CHECK: shape-infer: 'nn.sub' at {{.*}}:[[# @LINE + 22]]:3:

// WRONG:      opt-fuse: error: unexpected error: shape-infer: 'nn.add' at {{.*}}:[[# @LINE + 5]]
// WRONG-NEXT:   (expected one of: ['cannot be broadcast'])
// WRONG-NEXT: opt-fuse: error: expected error 'cannot be broadcast' was not produced (at line [[# @LINE + 1]])
func.func @below(%a: tensor<2xf32>, %b: tensor<3xf32>) -> tensor<*xf32> {
  // expected-error@below {{cannot be broadcast}}
  %0 = nn.add %a, %b : (tensor<2xf32>, tensor<3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

func.func @above(%a: tensor<3x4xf32>, %b: tensor<5x6xf32>) -> tensor<*xf32> {
  %0 = nn.matmul %a, %b : (tensor<3x4xf32>, tensor<5x6xf32>) -> tensor<*xf32>
  // expected-error@-1 {{contraction dims differ}}
  func.return %0 : tensor<*xf32>
}

// -----

func.func @same_line(%a: tensor<2xf32>, %b: tensor<4xf32>) -> tensor<*xf32> {
  %0 = nn.sub %a, %b : (tensor<2xf32>, tensor<4xf32>) -> tensor<*xf32> // expected-error {{cannot be broadcast}}
  func.return %0 : tensor<*xf32>
}
