// --split-input-file: each `// -----` chunk is parsed and transformed on its own
// (both define @f), and the outputs are joined by `// -----`. Without the flag the
// chunks are one module, where the second @f is a redefinition.
// RUN: opt-fuse %s --split-input-file -p shape-infer | filecheck %s
// RUN: not opt-fuse %s -p shape-infer 2>&1 | filecheck %s --check-prefix=WHOLE

// CHECK-LABEL: func.func @f
// CHECK-SAME:    (%x: tensor<2xf32>) -> tensor<2xf32>
// CHECK:       // -----
// CHECK-LABEL: func.func @f
// CHECK-SAME:    (%x: tensor<3x4xf32>) -> tensor<3x4xf32>

// WHOLE: opt-fuse: error: {{.*}}Redefinition of symbol "f"
func.func @f(%x: tensor<2xf32>) -> tensor<*xf32> {
  %0 = nn.relu %x : (tensor<2xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

func.func @f(%x: tensor<3x4xf32>) -> tensor<*xf32> {
  %0 = nn.neg %x : (tensor<3x4xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
