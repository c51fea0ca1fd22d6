// Symbolic-dim errors: each names the op, its location and the symbol.
// RUN: opt-fuse %s -p shape-infer --split-input-file --verify-diagnostics | filecheck %s

// A symbol is a size that varies at run time: broadcasting it against another
// number than 1 is a conflict.
// CHECK: shape-infer: 'nn.add' at {{.*}}symbolic-errors.mlir:[[# @LINE + 3]]:3: shapes [batch, 4] and [3, 4] cannot be broadcast together
func.func @broadcast_conflict(%a: tensor<?x4xf32, #nn.dims<[batch, 4]>>, %b: tensor<3x4xf32>) -> tensor<*xf32> attributes {nn.dim_bounds = {batch = 8 : i64}} {
  // expected-error@+1 {{cannot be broadcast together}}
  %0 = nn.add %a, %b : (tensor<?x4xf32, #nn.dims<[batch, 4]>>, tensor<3x4xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// Forcing a symbol to equal a constant (here k = 4 by a contraction) is refused too.
// CHECK: shape-infer: 'nn.matmul' at {{.*}}symbolic-errors.mlir:[[# @LINE + 3]]:3: contraction dims differ: [2, k] @ [4, 3]
func.func @symbol_forced_to_constant(%a: tensor<2x?xf32, #nn.dims<[2, k]>>, %b: tensor<4x3xf32>) -> tensor<*xf32> attributes {nn.dim_bounds = {k = 8 : i64}} {
  // expected-error@+1 {{contraction dims differ}}
  %0 = nn.matmul %a, %b : (tensor<2x?xf32, #nn.dims<[2, k]>>, tensor<4x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// Two different symbols are two independent sizes.
// CHECK: shape-infer: 'nn.concat' at {{.*}}symbolic-errors.mlir:[[# @LINE + 3]]:3: inputs [a, 4] and [b, 4] differ outside axis 1
func.func @two_symbols(%a: tensor<?x4xf32, #nn.dims<[a, 4]>>, %b: tensor<?x4xf32, #nn.dims<[b, 4]>>) -> tensor<*xf32> attributes {nn.dim_bounds = {a = 2 : i64, b = 2 : i64}} {
  // expected-error@+1 {{differ outside axis 1}}
  %0 = nn.concat %a, %b axis 1 : (tensor<?x4xf32, #nn.dims<[a, 4]>>, tensor<?x4xf32, #nn.dims<[b, 4]>>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// A -1 that is not an exact quotient.
// CHECK: shape-infer: 'nn.reshape' at {{.*}}symbolic-errors.mlir:[[# @LINE + 3]]:3: cannot reshape [batch, 6] into [4, -1]: batch * 6 is not a multiple of 4
func.func @reshape_not_multiple(%x: tensor<?x6xf32, #nn.dims<[batch, 6]>>) -> tensor<*xf32> attributes {nn.dim_bounds = {batch = 8 : i64}} {
  // expected-error@+1 {{is not a multiple of 4}}
  %0 = nn.reshape %x shape [4, -1] : (tensor<?x6xf32, #nn.dims<[batch, 6]>>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// A slice whose bounds would need clamping at run time.
// CHECK: shape-infer: 'nn.slice' at {{.*}}symbolic-errors.mlir:[[# @LINE + 3]]:3: a slice [0:3:1] of the symbolic dim seq needs its bounds clamped at run time, which is not supported
func.func @slice_clamped(%x: tensor<?xf32, #nn.dims<[seq]>>) -> tensor<*xf32> attributes {nn.dim_bounds = {seq = 8 : i64}} {
  // expected-error@+1 {{needs its bounds clamped}}
  %0 = nn.slice %x starts [0] ends [3] axes [0] steps [1] : (tensor<?xf32, #nn.dims<[seq]>>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// Every symbol of the inputs needs a bound.
// CHECK: shape-infer: @unbounded: symbolic dim 'seq' of input %x has no upper bound; give one with --dim-bound seq=<max>
func.func @unbounded(%x: tensor<?x?xf32, #nn.dims<[batch, seq]>>) -> tensor<*xf32> attributes {nn.dim_bounds = {batch = 8 : i64}} {
  %0 = nn.relu %x : (tensor<?x?xf32, #nn.dims<[batch, seq]>>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// A `?` without a name.
// CHECK: 'nn.relu' at {{.*}}symbolic-errors.mlir:[[# @LINE + 3]]:3: invalid IR: nn.relu: tensor<?x4xf32>: a `?` dim needs a name
func.func @unnamed(%x: tensor<?x4xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{needs a name}}
  %0 = nn.relu %x : (tensor<?x4xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
