// shape-infer on nn.reduce_{sum,mean,max}: reduced axes are dropped, or kept as 1
// with keepdims; negative axes count from the end; empty axes reduce every axis.
// RUN: opt-fuse %s -p shape-infer | filecheck %s

// CHECK-LABEL: func.func @keepdims
// CHECK:         nn.reduce_sum %x axes [1] keepdims : (tensor<2x3x4xf32>) -> tensor<2x1x4xf32>
// CHECK:         nn.reduce_sum %x axes [1] : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
func.func @keepdims(%x: tensor<2x3x4xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.reduce_sum %x axes [1] keepdims : (tensor<2x3x4xf32>) -> tensor<*xf32>
  %1 = nn.reduce_sum %x axes [1] : (tensor<2x3x4xf32>) -> tensor<*xf32>
  func.return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// CHECK-LABEL: func.func @negative_axes
// CHECK:         nn.reduce_mean %x axes [-1] keepdims : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
// CHECK:         nn.reduce_max %x axes [-3, 2] : (tensor<2x3x4xf32>) -> tensor<3xf32>
func.func @negative_axes(%x: tensor<2x3x4xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.reduce_mean %x axes [-1] keepdims : (tensor<2x3x4xf32>) -> tensor<*xf32>
  %1 = nn.reduce_max %x axes [-3, 2] : (tensor<2x3x4xf32>) -> tensor<*xf32>
  func.return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// CHECK-LABEL: func.func @empty_axes
// CHECK:         nn.reduce_sum %x axes [] keepdims : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
// CHECK:         nn.reduce_max %x axes [] : (tensor<2x3x4xf32>) -> tensor<f32>
func.func @empty_axes(%x: tensor<2x3x4xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.reduce_sum %x axes [] keepdims : (tensor<2x3x4xf32>) -> tensor<*xf32>
  %1 = nn.reduce_max %x axes [] : (tensor<2x3x4xf32>) -> tensor<*xf32>
  func.return %0, %1 : tensor<*xf32>, tensor<*xf32>
}
