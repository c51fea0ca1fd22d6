// --mlir-print-debuginfo prints each op's location: ops parsed from text remember
// file:line:col (ONNX ops carry their node name: lit_tests/import/locations.onnxtxt),
// and the location survives passes and round trips through the printed text.
// RUN: opt-fuse %s --mlir-print-debuginfo -p shape-infer | filecheck %s
// RUN: opt-fuse %s --mlir-print-debuginfo | opt-fuse --mlir-print-debuginfo | filecheck %s --check-prefix=ROUNDTRIP

// CHECK-LABEL: func.func @f
// CHECK-NEXT:    nn.relu %x : (tensor<2xf32>) -> tensor<2xf32> loc("{{.*}}print-debuginfo.mlir":[[# @LINE + 6]]:3)
// CHECK-NEXT:    func.return {{.*}} loc("{{.*}}print-debuginfo.mlir":[[# @LINE + 6]]:3)
// CHECK-NEXT:  } loc("{{.*}}print-debuginfo.mlir":[[# @LINE + 3]]:1)

// ROUNDTRIP:   nn.relu %x : (tensor<2xf32>) -> tensor<*xf32> loc("{{.*}}print-debuginfo.mlir":[[# @LINE + 2]]:3)
func.func @f(%x: tensor<2xf32>) -> tensor<*xf32> {
  %0 = nn.relu %x : (tensor<2xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
