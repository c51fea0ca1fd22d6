// shape-infer on nn.softmax: the shape is the input's, for any axis (negative too)
// and with to_last_axis.
// RUN: opt-fuse %s -p shape-infer | filecheck %s

// CHECK-LABEL: func.func @softmax
// CHECK:         nn.softmax %x axis -1 : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
// CHECK:         nn.softmax %x axis 0 : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
// CHECK:         nn.softmax %x axis 1 to_last_axis : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
func.func @softmax(%x: tensor<2x3x4xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.softmax %x axis -1 : (tensor<2x3x4xf32>) -> tensor<*xf32>
  %1 = nn.softmax %x axis 0 : (tensor<2x3x4xf32>) -> tensor<*xf32>
  %2 = nn.softmax %x axis 1 to_last_axis : (tensor<2x3x4xf32>) -> tensor<*xf32>
  func.return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}
