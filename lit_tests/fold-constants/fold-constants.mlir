// fold-constants: an nn op whose operands are all constants becomes the constant
// it computes, evaluated with numpy from the op's own scalar semantics; chains
// fold in order, and the constants nothing reads any more are erased.
// RUN: opt-fuse %s -p fold-constants | filecheck %s
// RUN: opt-fuse %s -p 'fold-constants{max-elements=6}' | filecheck %s --check-prefix=LIMIT

// CHECK-LABEL: func.func @chain
// CHECK-NEXT:    %m = nn.constant dense<{{\[}}[1.700000e+01, 2.200000e+01, 2.700000e+01], [2.200000e+01, 2.900000e+01, 3.600000e+01], [2.700000e+01, 3.600000e+01, 4.500000e+01]]> : tensor<3x3xf32>
// CHECK-NEXT:    %r = nn.constant dense<[1.000000e+01, 2.500000e+01]> : tensor<2xf32>
// CHECK-NEXT:    %sm = nn.constant dense<[0.0900305733, 0.244728461, 0.665240943]> : tensor<3xf32>
// CHECK-NEXT:    %y = nn.add %x, %sm
// CHECK-NEXT:    func.return %y, %m, %r
// LIMIT-LABEL: func.func @chain
// LIMIT-NEXT:    %s = nn.constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 3.000000e+00], [4.000000e+00, 5.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>
// LIMIT-NEXT:    %t = nn.constant
// LIMIT-NEXT:    %m = nn.matmul %t, %s
// LIMIT-NEXT:    %p = nn.pad %s
// LIMIT-NEXT:    %r = nn.reduce_sum %p
// LIMIT-NEXT:    %sm = nn.constant
func.func @chain(%x: tensor<2x3xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %a = nn.constant dense<[[1.0, 4.0, 9.0], [16.0, 25.0, 36.0]]> : tensor<2x3xf32>
  %b = nn.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %s = nn.sqrt %a : (tensor<2x3xf32>) -> tensor<*xf32>
  %t = nn.transpose %s perm [1, 0] : (tensor<*xf32>) -> tensor<*xf32>
  %m = nn.matmul %t, %s : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  %p = nn.pad %s pads [0, 1, 0, 1] mode "reflect" value 0.0 : (tensor<*xf32>) -> tensor<*xf32>
  %r = nn.reduce_sum %p axes [1] : (tensor<*xf32>) -> tensor<*xf32>
  %sm = nn.softmax %b axis 0 : (tensor<3xf32>) -> tensor<*xf32>
  %y = nn.add %x, %sm : (tensor<2x3xf32>, tensor<*xf32>) -> tensor<*xf32>
  func.return %y, %m, %r : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}
