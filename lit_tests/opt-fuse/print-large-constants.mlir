// Constants of more than 16 elements print as dense_resource<__elided__> unless
// --print-large-constants; 16 elements and splats always print in full.
// RUN: opt-fuse %s | filecheck %s --check-prefix=ELIDED
// RUN: opt-fuse %s --print-large-constants | filecheck %s --check-prefix=FULL

// ELIDED-LABEL: func.func @weights
// ELIDED-NEXT:    %big = nn.constant dense_resource<__elided__> : tensor<17xf32>
// ELIDED-NEXT:    %small = nn.constant dense<[0.000000e+00, 1.000000e+00, {{.*}}, 1.500000e+01]> : tensor<16xf32>
// ELIDED-NEXT:    %splat = nn.constant dense<1.000000e+00> : tensor<100xf32>

// FULL-LABEL: func.func @weights
// FULL-NEXT:    %big = nn.constant dense<[0.000000e+00, 1.000000e+00, {{.*}}, 1.500000e+01, 1.600000e+01]> : tensor<17xf32>
// FULL-NEXT:    %small = nn.constant dense<[0.000000e+00, 1.000000e+00, {{.*}}, 1.500000e+01]> : tensor<16xf32>
// FULL-NEXT:    %splat = nn.constant dense<1.000000e+00> : tensor<100xf32>
func.func @weights(%x: tensor<17xf32>) -> tensor<*xf32> {
  %big = nn.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0]> : tensor<17xf32>
  %small = nn.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0]> : tensor<16xf32>
  %splat = nn.constant dense<1.0> : tensor<100xf32>
  %0 = nn.add %x, %big : (tensor<17xf32>, tensor<17xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
