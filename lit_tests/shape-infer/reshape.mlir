// shape-infer on nn.reshape (-1 is inferred, 0 copies the input dim unless allowzero)
// and nn.flatten (axis splits the dims into two products; negative counts from the end).
// RUN: opt-fuse %s -p shape-infer | filecheck %s

// CHECK-LABEL: func.func @reshape
// CHECK-SAME:    -> (tensor<6x4xf32>, tensor<2x12xf32>, tensor<24xf32>, tensor<2x3x2x2xf32>, tensor<1x24x1xf32>)
func.func @reshape(%x: tensor<2x3x4xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.reshape %x shape [6, 4] : (tensor<2x3x4xf32>) -> tensor<*xf32>
  %1 = nn.reshape %x shape [0, -1] : (tensor<2x3x4xf32>) -> tensor<*xf32>
  %2 = nn.reshape %x shape [-1] : (tensor<2x3x4xf32>) -> tensor<*xf32>
  %3 = nn.reshape %x shape [0, 0, -1, 2] : (tensor<2x3x4xf32>) -> tensor<*xf32>
  %4 = nn.reshape %x shape [1, -1, 1] : (tensor<2x3x4xf32>) -> tensor<*xf32>
  func.return %0, %1, %2, %3, %4 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// With allowzero, 0 is a real size of zero.
// CHECK-LABEL: func.func @allowzero
// CHECK:         nn.reshape %x shape [0, 3] allowzero : (tensor<0x3xf32>) -> tensor<0x3xf32>
func.func @allowzero(%x: tensor<0x3xf32>) -> tensor<*xf32> {
  %0 = nn.reshape %x shape [0, 3] allowzero : (tensor<0x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// CHECK-LABEL: func.func @flatten
// CHECK-SAME:    -> (tensor<2x60xf32>, tensor<1x120xf32>, tensor<120x1xf32>, tensor<24x5xf32>)
func.func @flatten(%x: tensor<2x3x4x5xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.flatten %x axis 1 : (tensor<2x3x4x5xf32>) -> tensor<*xf32>
  %1 = nn.flatten %x axis 0 : (tensor<2x3x4x5xf32>) -> tensor<*xf32>
  %2 = nn.flatten %x axis 4 : (tensor<2x3x4x5xf32>) -> tensor<*xf32>
  %3 = nn.flatten %x axis -1 : (tensor<2x3x4x5xf32>) -> tensor<*xf32>
  func.return %0, %1, %2, %3 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}
