// fold-batchnorm: Conv -> BatchNorm with constant weights becomes one conv with
// W' = W * s and b' = (b - mean) * s + beta, s = scale / sqrt(var + eps); the
// BatchNorm and the constants only it read are gone. A conv whose result has
// another user, or whose weights are not constants, is left alone.
// RUN: opt-fuse %s -p fold-batchnorm | filecheck %s

// s = [2/2, 0.5/0.5] = [1, 1]: W stays, b' = [(0.5 - 0.25) + 1, (-0.5 - 1) + 0].
// CHECK-LABEL: func.func @conv_bn
// CHECK-NEXT:    %w = nn.constant dense<{{\[}}{{\[}}{{\[}}[1.000000e+00]], {{\[}}[2.000000e+00]]], {{\[}}{{\[}}[3.000000e+00]], {{\[}}[-1.000000e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK-NEXT:    %b = nn.constant dense<[1.250000e+00, -1.500000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %{{.*}} = nn.conv2d %x, %w, %b
// CHECK-NOT:     nn.batch_norm
func.func @conv_bn(%x: tensor<1x2x4x4xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[-1.0]]]]> : tensor<2x2x1x1xf32>
  %b = nn.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %scale = nn.constant dense<[2.0, 0.5]> : tensor<2xf32>
  %beta = nn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %mean = nn.constant dense<[0.25, 1.0]> : tensor<2xf32>
  %var = nn.constant dense<[4.0, 0.25]> : tensor<2xf32>
  %c = nn.conv2d %x, %w, %b strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<*xf32>
  %n = nn.batch_norm %c, %scale, %beta, %mean, %var epsilon 0.0 : (tensor<*xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<*xf32>
  func.return %n : tensor<*xf32>
}

// CHECK-LABEL: func.func @weights_not_constant
// CHECK:         nn.conv2d
// CHECK-NEXT:    nn.batch_norm
func.func @weights_not_constant(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>, %p: tensor<2xf32>) -> tensor<*xf32> {
  %c = nn.conv2d %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<*xf32>
  %n = nn.batch_norm %c, %p, %p, %p, %p epsilon 1.0e-05 : (tensor<*xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<*xf32>
  func.return %n : tensor<*xf32>
}

// CHECK-LABEL: func.func @conv_used_twice
// CHECK:         %c = nn.conv2d
// CHECK-NEXT:    nn.batch_norm %c
func.func @conv_used_twice(%x: tensor<1x2x4x4xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %w = nn.constant dense<1.0> : tensor<2x2x1x1xf32>
  %p = nn.constant dense<1.0> : tensor<2xf32>
  %c = nn.conv2d %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<*xf32>
  %n = nn.batch_norm %c, %p, %p, %p, %p epsilon 1.0e-05 : (tensor<*xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<*xf32>
  func.return %n, %c : tensor<*xf32>, tensor<*xf32>
}
