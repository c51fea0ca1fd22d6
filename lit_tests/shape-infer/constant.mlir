// shape-infer with nn.constant operands: a constant's type is its value's, and ops
// reading it broadcast against it like any other operand.
// RUN: opt-fuse %s -p shape-infer | filecheck %s

// CHECK-LABEL: func.func @constant
// CHECK-SAME:    -> (tensor<2x3xf32>, tensor<3xf32>)
// CHECK-NEXT:    %[[W:.*]] = nn.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK-NEXT:    %[[S:.*]] = nn.constant dense<5.000000e-01> : tensor<2x1xf32>
// CHECK-NEXT:    %[[A:.*]] = nn.add %x, %[[W]] : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[B:.*]] = nn.mul %[[A]], %[[S]] : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    func.return %[[B]], %[[W]] : tensor<2x3xf32>, tensor<3xf32>
func.func @constant(%x: tensor<2x3xf32>) -> (tensor<*xf32>, tensor<3xf32>) {
  %w = nn.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %s = nn.constant dense<0.5> : tensor<2x1xf32>
  %0 = nn.add %x, %w : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<*xf32>
  %1 = nn.mul %0, %s : (tensor<*xf32>, tensor<2x1xf32>) -> tensor<*xf32>
  func.return %1, %w : tensor<*xf32>, tensor<3xf32>
}
