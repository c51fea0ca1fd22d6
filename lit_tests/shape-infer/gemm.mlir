// shape-infer on nn.gemm: op(A) @ op(B) is MxN with trans_a / trans_b, and C
// (optional) may be anything that broadcasts to MxN.
// RUN: opt-fuse %s -p shape-infer | filecheck %s

// CHECK-LABEL: func.func @plain
// CHECK:         nn.gemm %a, %b, %c : (tensor<2x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
func.func @plain(%a: tensor<2x4xf32>, %b: tensor<4x3xf32>, %c: tensor<3xf32>) -> tensor<*xf32> {
  %0 = nn.gemm %a, %b, %c : (tensor<2x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// CHECK-LABEL: func.func @trans_b
// CHECK:         nn.gemm %a, %b, %c alpha 5.000000e-01 trans_b : (tensor<2x4xf32>, tensor<3x4xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
func.func @trans_b(%a: tensor<2x4xf32>, %b: tensor<3x4xf32>, %c: tensor<2x1xf32>) -> tensor<*xf32> {
  %0 = nn.gemm %a, %b, %c alpha 0.5 trans_b : (tensor<2x4xf32>, tensor<3x4xf32>, tensor<2x1xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// CHECK-LABEL: func.func @trans_a
// CHECK:         nn.gemm %a, %b trans_a : (tensor<4x2xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
// CHECK:         nn.gemm %a, %bt, %s trans_a trans_b : (tensor<4x2xf32>, tensor<3x4xf32>, tensor<f32>) -> tensor<2x3xf32>
func.func @trans_a(%a: tensor<4x2xf32>, %b: tensor<4x3xf32>, %bt: tensor<3x4xf32>, %s: tensor<f32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.gemm %a, %b trans_a : (tensor<4x2xf32>, tensor<4x3xf32>) -> tensor<*xf32>
  %1 = nn.gemm %a, %bt, %s trans_a trans_b : (tensor<4x2xf32>, tensor<3x4xf32>, tensor<f32>) -> tensor<*xf32>
  func.return %0, %1 : tensor<*xf32>, tensor<*xf32>
}
