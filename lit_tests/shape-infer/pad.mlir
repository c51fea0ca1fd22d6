// shape-infer on nn.pad: each axis grows by its begin and end pad (pads are
// [begin..., end...]); negative pads crop.
// RUN: opt-fuse %s -p shape-infer | filecheck %s

// CHECK-LABEL: func.func @pad
// CHECK:         nn.pad %x pads [0, 0, 1, 2, 0, 0, 3, 4] mode "constant" value 0.000000e+00 : (tensor<1x2x3x3xf32>) -> tensor<1x2x7x9xf32>
func.func @pad(%x: tensor<1x2x3x3xf32>) -> tensor<*xf32> {
  %0 = nn.pad %x pads [0, 0, 1, 2, 0, 0, 3, 4] mode "constant" value 0.0 : (tensor<1x2x3x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// CHECK-LABEL: func.func @negative
// CHECK:         nn.pad %x pads [-1, 2, 0, -3] mode "edge" value 0.000000e+00 : (tensor<4x5xf32>) -> tensor<3x4xf32>
func.func @negative(%x: tensor<4x5xf32>) -> tensor<*xf32> {
  %0 = nn.pad %x pads [-1, 2, 0, -3] mode "edge" value 0.0 : (tensor<4x5xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// CHECK-LABEL: func.func @reflect
// CHECK:         nn.pad %x pads [2, 1, 2, 1] mode "reflect" value 0.000000e+00 : (tensor<3x2xf32>) -> tensor<7x4xf32>
func.func @reflect(%x: tensor<3x2xf32>) -> tensor<*xf32> {
  %0 = nn.pad %x pads [2, 1, 2, 1] mode "reflect" value 0.0 : (tensor<3x2xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
