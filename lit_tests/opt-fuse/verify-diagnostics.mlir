// --verify-diagnostics: an error is the expected outcome. The error is printed on
// stdout and the exit code is 0 when the message contains the text of one of the
// chunk's expected-error annotations; it is 1 when the error is another one, or when
// an expected error does not happen. A chunk without errors prints its IR.
// RUN: opt-fuse %s --split-input-file --verify-diagnostics | filecheck %s
// RUN: sed -e 's/is not registered}}/no such text}}/' %s > %t.wrong.mlir
// RUN: not opt-fuse %t.wrong.mlir --split-input-file --verify-diagnostics 2>&1 | filecheck %s --check-prefix=WRONG
// (\x7b and \x7d are braces: a literal annotation on a RUN line would count as one of chunk 1.)
// RUN: sed -e 's|// no error here|// expected-error@+1 \x7b\x7bnever happens\x7d\x7d|' %s > %t.missing.mlir
// RUN: not opt-fuse %t.missing.mlir --split-input-file --verify-diagnostics 2>&1 | filecheck %s --check-prefix=MISSING

// CHECK:      verify-diagnostics.mlir:[[# @LINE + 14]]:{{[0-9]+}}: Operation nn.bogus is not registered
// CHECK:      // -----
// CHECK-NEXT: verify-diagnostics.mlir:[[# @LINE + 20]]:{{[0-9]+}}: Expected ')'
// CHECK:      // -----
// CHECK-NEXT: builtin.module {
// CHECK-NEXT:   func.func @fine

// WRONG:      opt-fuse: error: unexpected error: {{.*}}Operation nn.bogus is not registered
// WRONG:        (expected one of: ['no such text'])

// MISSING: opt-fuse: error: expected error 'never happens' was not produced

func.func @unregistered(%x: tensor<2xf32>) {
  // expected-error@+1 {{is not registered}}
  %0 = nn.bogus %x : (tensor<2xf32>) -> tensor<2xf32>
  func.return
}

// -----

func.func @malformed(%x: tensor<2xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{Expected ')'}}
  %0 = nn.relu %x : (tensor<2xf32> -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

func.func @fine(%x: tensor<2xf32>) -> tensor<*xf32> {
  // no error here
  %0 = nn.relu %x : (tensor<2xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
