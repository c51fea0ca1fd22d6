// An op that no dialect defines is reported with its file and line.
// RUN: not opt-fuse %s 2>&1 | filecheck %s

// CHECK: opt-fuse: error: {{.*}}unregistered-op.mlir:[[# @LINE + 3]]:{{[0-9]+}}: Operation nn.bogus is not registered
func.func @f(%x: tensor<2xf32>) -> tensor<*xf32> {
  %0 = nn.relu %x : (tensor<2xf32>) -> tensor<*xf32>
  %1 = nn.bogus %0 : (tensor<*xf32>) -> tensor<*xf32>
  func.return %1 : tensor<*xf32>
}
