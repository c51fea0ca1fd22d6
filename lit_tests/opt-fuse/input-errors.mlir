// A missing input file is one clear error; `-` reads IR text from stdin.
// RUN: not opt-fuse %t.does-not-exist.mlir 2>&1 | filecheck %s --check-prefix=MISSING
// RUN: opt-fuse - -p shape-infer < %s | filecheck %s --check-prefix=STDIN
// RUN: opt-fuse -p shape-infer < %s | filecheck %s --check-prefix=STDIN

// MISSING: opt-fuse: error: cannot read '{{.*}}does-not-exist.mlir': No such file or directory

// STDIN-LABEL: func.func @f
// STDIN-SAME:    -> tensor<2xf32>
func.func @f(%x: tensor<2xf32>) -> tensor<*xf32> {
  %0 = nn.relu %x : (tensor<2xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
