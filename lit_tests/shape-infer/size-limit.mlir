// No tensor may take more than 2**47 bytes (128 TiB, the address space; below it no size
// or offset in the generated i64 arithmetic can wrap): the first op result or input past
// it is reported, at the bounds for symbolic dims.
// RUN: opt-fuse %s -p shape-infer --split-input-file --verify-diagnostics | filecheck %s

// CHECK: shape-infer: 'nn.expand' at {{.*}}size-limit.mlir:[[# @LINE + 3]]:3: the result [1048576, 1048576, 1048576] takes 4611686018427387904 bytes (4 EiB), past the limit of 140737488355328 bytes
func.func @expand_past_the_limit(%x: tensor<1xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{past the limit of 140737488355328 bytes}}
  %0 = nn.expand %x shape <[1048576, 1048576, 1048576]> : (tensor<1xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// CHECK: shape-infer: @input_at_the_bounds: input %x: [batch, 4] takes 1125899906842624 bytes (1 PiB) at the bounds, past the limit
func.func @input_at_the_bounds(%x: tensor<?x4xf32, #nn.dims<[batch, 4]>>) -> tensor<*xf32> attributes {nn.dim_bounds = {batch = 70368744177664 : i64}} {
  %0 = nn.relu %x : (tensor<?x4xf32, #nn.dims<[batch, 4]>>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// Just within the limit: 2**45 floats are 2**47 bytes.
// CHECK-LABEL: func.func @at_the_limit
// CHECK: nn.relu {{.*}} -> tensor<35184372088832xf32>
func.func @at_the_limit(%x: tensor<35184372088832xf32>) -> tensor<*xf32> {
  %0 = nn.relu %x : (tensor<35184372088832xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
