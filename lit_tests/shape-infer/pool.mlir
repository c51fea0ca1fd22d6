// shape-infer on the pools: windows as for conv2d, channels kept; ceil_mode rounds
// the window count up but drops a last window that would start in the end padding;
// global_avg_pool keeps N and C and makes every other axis 1.
// RUN: opt-fuse %s -p shape-infer | filecheck %s

// CHECK-LABEL: func.func @max_pool
// CHECK-SAME:    -> (tensor<1x2x3x3xf32>, tensor<1x2x4x4xf32>)
func.func @max_pool(%x: tensor<1x2x7x7xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.max_pool %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x2x7x7xf32>) -> tensor<*xf32>
  %1 = nn.max_pool %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] ceil_mode : (tensor<1x2x7x7xf32>) -> tensor<*xf32>
  func.return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// Input 4, kernel 2, stride 3, pads 1: floor gives 2 windows, ceil 3, but the third
// would start at 6 - 1 = 5, past the input and its begin padding, so ceil_mode gives 2.
// CHECK-LABEL: func.func @ceil_mode_drops_padding_window
// CHECK-SAME:    -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>)
func.func @ceil_mode_drops_padding_window(%x: tensor<1x1x4x4xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.max_pool %x kernel [2, 2] strides [3, 3] pads [1, 1, 1, 1] dilations [1, 1] : (tensor<1x1x4x4xf32>) -> tensor<*xf32>
  %1 = nn.max_pool %x kernel [2, 2] strides [3, 3] pads [1, 1, 1, 1] dilations [1, 1] ceil_mode : (tensor<1x1x4x4xf32>) -> tensor<*xf32>
  func.return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// CHECK-LABEL: func.func @avg_pool
// CHECK-SAME:    -> (tensor<1x2x3x3xf32>, tensor<1x2x5x5xf32>, tensor<1x2x4x4xf32>)
func.func @avg_pool(%x: tensor<1x2x5x5xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.avg_pool %x kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] count_include_pad : (tensor<1x2x5x5xf32>) -> tensor<*xf32>
  %1 = nn.avg_pool %x kernel [3, 3] strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] auto_pad "SAME_UPPER" : (tensor<1x2x5x5xf32>) -> tensor<*xf32>
  %2 = nn.avg_pool %x kernel [2, 2] strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x2x5x5xf32>) -> tensor<*xf32>
  func.return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// CHECK-LABEL: func.func @global_avg_pool
// CHECK:         nn.global_avg_pool %x : (tensor<2x3x5x7xf32>) -> tensor<2x3x1x1xf32>
// CHECK:         nn.global_avg_pool %y : (tensor<2x3x9xf32>) -> tensor<2x3x1xf32>
func.func @global_avg_pool(%x: tensor<2x3x5x7xf32>, %y: tensor<2x3x9xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.global_avg_pool %x : (tensor<2x3x5x7xf32>) -> tensor<*xf32>
  %1 = nn.global_avg_pool %y : (tensor<2x3x9xf32>) -> tensor<*xf32>
  func.return %0, %1 : tensor<*xf32>, tensor<*xf32>
}
