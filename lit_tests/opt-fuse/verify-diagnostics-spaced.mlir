// --verify-diagnostics reads MLIR's usual annotation spelling, with a space before
// the line offset (`expected-error @+1` then the text in double braces): here the annotated text is not in
// the error, so the check must fail (exit 1) instead of accepting any error.
// RUN: not opt-fuse %s --verify-diagnostics 2>&1 | filecheck %s

// CHECK: opt-fuse: error: unexpected error: {{.*}}Operation nn.bogus is not registered
// CHECK: (expected one of: ['a different error'])
func.func @spaced(%x: tensor<2xf32>) {
  // expected-error @+1 {{a different error}}
  %0 = nn.bogus %x : (tensor<2xf32>) -> tensor<2xf32>
  func.return
}
