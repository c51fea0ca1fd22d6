// shape-infer on nn.conv2d: out = (in + pad_begin + pad_end - ((k - 1) * dilation + 1)) / stride + 1
// per spatial axis, M output channels from the weight, groups, and auto_pad (SAME_UPPER,
// SAME_LOWER: out = ceil(in / stride); VALID ignores the pads).
// RUN: opt-fuse %s -p shape-infer | filecheck %s

// CHECK-LABEL: func.func @stride_pad
// CHECK:         -> tensor<1x16x4x4xf32>
func.func @stride_pad(%x: tensor<1x3x8x8xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<16xf32>) -> tensor<*xf32> {
  %0 = nn.conv2d %x, %w, %b strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// Different strides and kernel sizes per axis: H (10 - 3) / 3 + 1 = 3, W (8 - 1) / 2 + 1 = 4.
// CHECK-LABEL: func.func @per_axis
// CHECK:         -> tensor<2x2x3x4xf32>
func.func @per_axis(%x: tensor<2x1x10x8xf32>, %w: tensor<2x1x3x1xf32>) -> tensor<*xf32> {
  %0 = nn.conv2d %x, %w strides [3, 2] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<2x1x10x8xf32>, tensor<2x1x3x1xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// A 3x3 kernel with dilation 2 spans 5: 9 - 5 + 1 = 5.
// CHECK-LABEL: func.func @dilation
// CHECK:         -> tensor<1x4x5x5xf32>
func.func @dilation(%x: tensor<1x3x9x9xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> {
  %0 = nn.conv2d %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [2, 2] groups 1 : (tensor<1x3x9x9xf32>, tensor<4x3x3x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// pads are [top, left, bottom, right]: only W is padded here.
// CHECK-LABEL: func.func @groups_asymmetric_pads
// CHECK:         -> tensor<1x6x4x6xf32>
func.func @groups_asymmetric_pads(%x: tensor<1x4x6x6xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<*xf32> {
  %0 = nn.conv2d %x, %w strides [1, 1] pads [0, 1, 0, 1] dilations [1, 1] groups 2 : (tensor<1x4x6x6xf32>, tensor<6x2x3x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// CHECK-LABEL: func.func @depthwise
// CHECK:         -> tensor<1x4x3x3xf32>
func.func @depthwise(%x: tensor<1x4x5x5xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<*xf32> {
  %0 = nn.conv2d %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 4 : (tensor<1x4x5x5xf32>, tensor<4x1x3x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// SAME_*: out = ceil(7 / 2) = 4 whatever the pads attribute says.
// CHECK-LABEL: func.func @same
// CHECK-SAME:    -> (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x7x7xf32>)
func.func @same(%x: tensor<1x3x7x7xf32>, %w: tensor<8x3x3x3xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.conv2d %x, %w strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] auto_pad "SAME_UPPER" groups 1 : (tensor<1x3x7x7xf32>, tensor<8x3x3x3xf32>) -> tensor<*xf32>
  %1 = nn.conv2d %x, %w strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] auto_pad "SAME_LOWER" groups 1 : (tensor<1x3x7x7xf32>, tensor<8x3x3x3xf32>) -> tensor<*xf32>
  %2 = nn.conv2d %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [2, 2] auto_pad "SAME_UPPER" groups 1 : (tensor<1x3x7x7xf32>, tensor<8x3x3x3xf32>) -> tensor<*xf32>
  func.return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// VALID means no padding, even if pads are given.
// CHECK-LABEL: func.func @valid
// CHECK:         -> tensor<1x8x5x5xf32>
func.func @valid(%x: tensor<1x3x7x7xf32>, %w: tensor<8x3x3x3xf32>) -> tensor<*xf32> {
  %0 = nn.conv2d %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] auto_pad "VALID" groups 1 : (tensor<1x3x7x7xf32>, tensor<8x3x3x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
