// An output file that cannot be written is a user error naming the file (exit 1).
// RUN: not opt-fuse %s -o %t.missing-dir/out.mlir 2>&1 | filecheck %s

// CHECK:     opt-fuse: error: {{.*}}out.mlir
// CHECK-NOT: internal error
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  func.return %x : tensor<2xf32>
}
