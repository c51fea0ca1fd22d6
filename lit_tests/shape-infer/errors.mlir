// shape-infer errors: each names the op and its file:line:col location, and says
// what is wrong. Every `// -----` chunk fails on its own; --verify-diagnostics
// checks the error against the expected-error text and prints it.
// RUN: opt-fuse %s -p shape-infer --split-input-file --verify-diagnostics | filecheck %s

// CHECK: shape-infer: 'nn.add' at {{.*}}errors.mlir:[[# @LINE + 3]]:3: shapes [2, 3] and [4] cannot be broadcast together
func.func @broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{cannot be broadcast together}}
  %0 = nn.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// CHECK: shape-infer: 'nn.matmul' at {{.*}}errors.mlir:[[# @LINE + 3]]:3: contraction dims differ: [3, 4] @ [5, 6]
func.func @matmul(%a: tensor<3x4xf32>, %b: tensor<5x6xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{contraction dims differ}}
  %0 = nn.matmul %a, %b : (tensor<3x4xf32>, tensor<5x6xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// CHECK: shape-infer: 'nn.gemm' at {{.*}}errors.mlir:[[# @LINE + 3]]:3: contraction dims differ: op(A) is 2x4, op(B) is 3x4
func.func @gemm(%a: tensor<2x4xf32>, %b: tensor<3x4xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{contraction dims differ}}
  %0 = nn.gemm %a, %b : (tensor<2x4xf32>, tensor<3x4xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// CHECK: shape-infer: 'nn.conv2d' at {{.*}}errors.mlir:[[# @LINE + 3]]:3: 3 input channels, weight [8, 4, 3, 3] and groups=1 do not agree
func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{do not agree}}
  %0 = nn.conv2d %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// 4 channels in 3 groups: the groups do not divide the channels.
// CHECK: shape-infer: 'nn.conv2d' at {{.*}}errors.mlir:[[# @LINE + 3]]:3: 4 input channels, weight [6, 2, 3, 3] and groups=3 do not agree
func.func @conv_groups(%x: tensor<1x4x8x8xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{groups=3 do not agree}}
  %0 = nn.conv2d %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 3 : (tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// CHECK: shape-infer: 'nn.reshape' at {{.*}}errors.mlir:[[# @LINE + 3]]:3: cannot reshape [2, 3, 4] (24 elements) into [5, 5]
func.func @reshape_count(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{cannot reshape}}
  %0 = nn.reshape %x shape [5, 5] : (tensor<2x3x4xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// CHECK: shape-infer: 'nn.reshape' at {{.*}}errors.mlir:[[# @LINE + 3]]:3: cannot reshape [2, 3, 4] into [5, -1]
func.func @reshape_infer(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{cannot reshape}}
  %0 = nn.reshape %x shape [5, -1] : (tensor<2x3x4xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// CHECK: shape-infer: 'nn.transpose' at {{.*}}errors.mlir:[[# @LINE + 3]]:3: perm [0, 0, 1] is not a permutation of the 3 axes
func.func @bad_perm(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{is not a permutation}}
  %0 = nn.transpose %x perm [0, 0, 1] : (tensor<2x3x4xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// CHECK: shape-infer: 'nn.transpose' at {{.*}}errors.mlir:[[# @LINE + 3]]:3: perm [1, 0] is not a permutation of the 3 axes
func.func @short_perm(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{is not a permutation}}
  %0 = nn.transpose %x perm [1, 0] : (tensor<2x3x4xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// CHECK: shape-infer: 'nn.concat' at {{.*}}errors.mlir:[[# @LINE + 3]]:3: inputs [2, 3] and [4, 5] differ outside axis 1
func.func @concat(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{differ outside axis 1}}
  %0 = nn.concat %a, %b axis 1 : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// CHECK: shape-infer: 'nn.reduce_sum' at {{.*}}errors.mlir:[[# @LINE + 3]]:3: axis 3 is out of range for rank 3
func.func @reduce_axis(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{out of range}}
  %0 = nn.reduce_sum %x axes [3] : (tensor<2x3x4xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// The operand only gets its shape from shape-infer, so the parser accepts the
// declared 4x4; shape-infer then finds 2x3.
// CHECK: shape-infer: 'nn.neg' at {{.*}}errors.mlir:[[# @LINE + 4]]:3: the result is declared tensor<4x4xf32> but is tensor<2x3xf32>
func.func @declared_after_inference(%x: tensor<2x3xf32>) -> tensor<4x4xf32> {
  %0 = nn.relu %x : (tensor<2x3xf32>) -> tensor<*xf32>
  // expected-error@+1 {{the result is declared tensor<4x4xf32> but is tensor<2x3xf32>}}
  %1 = nn.neg %0 : (tensor<*xf32>) -> tensor<4x4xf32>
  func.return %1 : tensor<4x4xf32>
}

// -----

// With static operands, the verifier rejects the wrong result type as soon as the IR is read.
// CHECK: 'nn.add' at {{.*}}errors.mlir:[[# @LINE + 3]]:3: invalid IR: nn.add: result shape [2, 2] does not match the inferred [2, 3]
func.func @declared_static(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x2xf32> {
  // expected-error@+1 {{does not match the inferred [2, 3]}}
  %0 = nn.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x2xf32>
  func.return %0 : tensor<2x2xf32>
}
