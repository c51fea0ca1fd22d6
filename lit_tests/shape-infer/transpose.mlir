// shape-infer on nn.transpose: result dim i is input dim perm[i]; an empty perm
// (the ONNX default) reverses the axes.
// RUN: opt-fuse %s -p shape-infer | filecheck %s

// CHECK-LABEL: func.func @perm
// CHECK:         nn.transpose %x perm [0, 2, 1] : (tensor<2x3x4xf32>) -> tensor<2x4x3xf32>
// CHECK:         nn.transpose %x perm [2, 0, 1] : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
func.func @perm(%x: tensor<2x3x4xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.transpose %x perm [0, 2, 1] : (tensor<2x3x4xf32>) -> tensor<*xf32>
  %1 = nn.transpose %x perm [2, 0, 1] : (tensor<2x3x4xf32>) -> tensor<*xf32>
  func.return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// CHECK-LABEL: func.func @default_perm
// CHECK:         nn.transpose %x perm [] : (tensor<2x3x4x5xf32>) -> tensor<5x4x3x2xf32>
func.func @default_perm(%x: tensor<2x3x4x5xf32>) -> tensor<*xf32> {
  %0 = nn.transpose %x perm [] : (tensor<2x3x4x5xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
