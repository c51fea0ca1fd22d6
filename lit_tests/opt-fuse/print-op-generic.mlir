// --print-op-generic prints MLIR's generic form (properties in <{...}>), and that
// form parses back to the same ops: the custom form after the round trip is the
// one printed directly.
// RUN: opt-fuse %s --print-op-generic | filecheck %s --check-prefix=GENERIC
// RUN: opt-fuse %s --print-op-generic | opt-fuse | filecheck %s

// GENERIC:      "func.func"() <{sym_name = "generic", function_type = (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<*xf32>}> ({
// GENERIC:        %c = "nn.constant"() <{value = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>}> : () -> tensor<2xf32>
// GENERIC-NEXT:   %0 = "nn.conv2d"(%x, %w, %c) <{strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64}>
// GENERIC-NEXT:   %1 = "nn.reduce_sum"(%0) <{axes = array<i64: 1>, keepdims}>
// GENERIC-NEXT:   %2 = "nn.clip"(%1) <{max = 6.000000e+00 : f32}>
// GENERIC-NEXT:   %3 = "nn.softmax"(%2) <{axis = 1 : i64, to_last_axis}>
// GENERIC-NEXT:   %4 = "nn.pad"(%3) <{pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, mode = "constant", value = 0.000000e+00 : f32}>
// GENERIC-NEXT:   %5 = "nn.gemm"(%c, %c) <{trans_a,
// GENERIC-NEXT:   "func.return"(%4)

// CHECK-LABEL: func.func @generic
// CHECK-NEXT:    %c = nn.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %0 = nn.conv2d %x, %w, %c strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<*xf32>
// CHECK-NEXT:    %1 = nn.reduce_sum %0 axes [1] keepdims : (tensor<*xf32>) -> tensor<*xf32>
// CHECK-NEXT:    %2 = nn.clip %1 max 6.000000e+00 : (tensor<*xf32>) -> tensor<*xf32>
// CHECK-NEXT:    %3 = nn.softmax %2 axis 1 to_last_axis : (tensor<*xf32>) -> tensor<*xf32>
// CHECK-NEXT:    %4 = nn.pad %3 pads [0, 0, 1, 1, 0, 0, 1, 1] mode "constant" value 0.000000e+00 : (tensor<*xf32>) -> tensor<*xf32>
// CHECK-NEXT:    %5 = nn.gemm %c, %c trans_a : (tensor<2xf32>, tensor<2xf32>) -> tensor<*xf32>
// CHECK-NEXT:    func.return %4 : tensor<*xf32>
func.func @generic(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<*xf32> {
  %c = nn.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = nn.conv2d %x, %w, %c strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<*xf32>
  %1 = nn.reduce_sum %0 axes [1] keepdims : (tensor<*xf32>) -> tensor<*xf32>
  %2 = nn.clip %1 max 6.0 : (tensor<*xf32>) -> tensor<*xf32>
  %3 = nn.softmax %2 axis 1 to_last_axis : (tensor<*xf32>) -> tensor<*xf32>
  %4 = nn.pad %3 pads [0, 0, 1, 1, 0, 0, 1, 1] mode "constant" value 0.0 : (tensor<*xf32>) -> tensor<*xf32>
  %5 = nn.gemm %c, %c trans_a : (tensor<2xf32>, tensor<2xf32>) -> tensor<*xf32>
  func.return %4 : tensor<*xf32>
}
