// shape-infer on nn.concat: sizes add up along the axis (negative counts from the
// end), every other dim must match.
// RUN: opt-fuse %s -p shape-infer | filecheck %s

// CHECK-LABEL: func.func @axis0
// CHECK:         nn.concat %a, %b axis 0 : (tensor<2x3xf32>, tensor<5x3xf32>) -> tensor<7x3xf32>
func.func @axis0(%a: tensor<2x3xf32>, %b: tensor<5x3xf32>) -> tensor<*xf32> {
  %0 = nn.concat %a, %b axis 0 : (tensor<2x3xf32>, tensor<5x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// CHECK-LABEL: func.func @negative_axis
// CHECK:         nn.concat %a, %b, %a axis -1 : (tensor<2x3x1xf32>, tensor<2x3x4xf32>, tensor<2x3x1xf32>) -> tensor<2x3x6xf32>
// CHECK:         nn.concat %a, %c axis -3 : (tensor<2x3x1xf32>, tensor<5x3x1xf32>) -> tensor<7x3x1xf32>
func.func @negative_axis(%a: tensor<2x3x1xf32>, %b: tensor<2x3x4xf32>, %c: tensor<5x3x1xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.concat %a, %b, %a axis -1 : (tensor<2x3x1xf32>, tensor<2x3x4xf32>, tensor<2x3x1xf32>) -> tensor<*xf32>
  %1 = nn.concat %a, %c axis -3 : (tensor<2x3x1xf32>, tensor<5x3x1xf32>) -> tensor<*xf32>
  func.return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// CHECK-LABEL: func.func @single
// CHECK:         nn.concat %a axis 1 : (tensor<2x3xf32>) -> tensor<2x3xf32>
func.func @single(%a: tensor<2x3xf32>) -> tensor<*xf32> {
  %0 = nn.concat %a axis 1 : (tensor<2x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
