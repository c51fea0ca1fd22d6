// shape-infer on nn.batch_norm: the result has the input's shape (the four
// per-channel operands have shape [C]).
// RUN: opt-fuse %s -p shape-infer | filecheck %s

// CHECK-LABEL: func.func @batch_norm
// CHECK:         nn.batch_norm %x, %s, %b, %m, %v epsilon 1.000000e-05 : (tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x4xf32>
func.func @batch_norm(%x: tensor<2x3x4x4xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<*xf32> {
  %0 = nn.batch_norm %x, %s, %b, %m, %v epsilon 1.0e-05 : (tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
