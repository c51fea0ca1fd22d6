// --split-input-file keeps each chunk's line numbers those of the whole file, also
// when a `// -----` line is directly followed by code (no blank line).
// RUN: not opt-fuse %s --split-input-file 2>&1 | filecheck %s

// CHECK: opt-fuse: error: {{.*}}split-input-file-lines.mlir:[[# @LINE + 10]]:{{[0-9]+}}: Operation nn.bogus is not registered
func.func @a() {
  func.return
}
// -----
func.func @b() {
  func.return
}
// -----
func.func @c(%x: tensor<2xf32>) {
  %0 = nn.bogus %x : (tensor<2xf32>) -> tensor<2xf32>
  func.return
}
