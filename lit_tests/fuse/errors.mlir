// nn.fused verifier and parser errors: one line each, pointing at the op.
// RUN: opt-fuse %s -p fuse --split-input-file --verify-diagnostics | filecheck %s

// CHECK: nn.fused: all results must have one shape (the loop nest's), got
func.func @two_shapes(%x: tensor<4xf32>, %y: tensor<2xf32>) -> (tensor<4xf32>, tensor<2xf32>) {
  // expected-error@+1 {{all results must have one shape}}
  %a, %b = nn.fused anchor "nn.relu" kind "elementwise" (%p = %x : tensor<4xf32>, %q = %y : tensor<2xf32>) -> (tensor<4xf32>, tensor<2xf32>) {
    %0 = nn.relu %p : (tensor<4xf32>) -> tensor<4xf32>
    %1 = nn.relu %q : (tensor<2xf32>) -> tensor<2xf32>
    nn.yield %0, %1 : tensor<4xf32>, tensor<2xf32>
  }
  func.return %a, %b : tensor<4xf32>, tensor<2xf32>
}

// -----

// CHECK: nn.yield's types must be the results' types
func.func @yield_types(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{nn.yield's types must be the results' types}}
  %a = nn.fused anchor "nn.reduce_sum" kind "reduction" (%p = %x : tensor<4xf32>) -> tensor<4xf32> {
    %0 = nn.reduce_sum %p axes [0] : (tensor<4xf32>) -> tensor<f32>
    nn.yield %0 : tensor<f32>
  }
  func.return %a : tensor<4xf32>
}

// -----

// CHECK: errors.mlir:[[# @LINE + 3]]:39: unknown fusion kind 'speedy'
func.func @unknown_kind(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{unknown fusion kind 'speedy'}}
  %a = nn.fused anchor "nn.relu" kind "speedy" (%p = %x : tensor<4xf32>) -> tensor<4xf32> {
    nn.yield %p : tensor<4xf32>
  }
  func.return %a : tensor<4xf32>
}
