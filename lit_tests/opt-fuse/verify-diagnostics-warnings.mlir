// --verify-diagnostics checks expected-warning annotations like expected-error ones:
// each warning must be expected (text and line), each expected warning must come.
// Annotations may point at the next line (@+1), a line further (@+N), the line before
// (@-N, @above), or their own line (no @).
// RUN: opt-fuse %s --split-input-file --verify-diagnostics -p 'fold-constants{max-elements=4}' | filecheck %s
// Too strict a bound: the warning of chunk 1 is unexpected there.
// RUN: not opt-fuse %s --split-input-file --verify-diagnostics -p 'fold-constants{max-elements=1}' 2>&1 | filecheck %s --check-prefix=UNEXPECTED
// No bound at all: the expected warnings do not come.
// RUN: not opt-fuse %s --split-input-file --verify-diagnostics -p fold-constants 2>&1 | filecheck %s --check-prefix=MISSING
// (\x7b and \x7d are braces: a literal annotation on a RUN line would count as one.)
// RUN: sed -e 's|// expected-warning@+2 |// expected-warning@+1 |' %s > %t.line.mlir
// RUN: not opt-fuse %t.line.mlir --split-input-file --verify-diagnostics -p 'fold-constants{max-elements=4}' 2>&1 | filecheck %s --check-prefix=LINE

// CHECK-LABEL: func.func @next_line
// CHECK:       // -----
// CHECK-LABEL: func.func @offsets
// CHECK:       // -----
// CHECK-LABEL: func.func @no_warning

// UNEXPECTED: opt-fuse: error: unexpected warning: fold-constants: 'nn.neg' at {{.*}}:[[# @LINE + 16]]:3: not folded: its result would be a constant of 2 elements (max-elements=1)
// UNEXPECTED: opt-fuse: error: unexpected warning: fold-constants: 'nn.neg' at {{.*}}:[[# @LINE + 34]]

// MISSING: opt-fuse: error: expected warning 'not folded: its result would be a constant of 6 elements' was not produced (at line [[# @LINE + 11]])
// MISSING: opt-fuse: error: expected warning 'of 8 elements' was not produced (at line [[# @LINE + 22]])
// MISSING: opt-fuse: error: expected warning 'of 6 elements' was not produced (at line [[# @LINE + 22]])

// LINE:      opt-fuse: error: unexpected warning: fold-constants: 'nn.neg' at {{.*}}:[[# @LINE + 19]]
// LINE-NEXT:   (expected one of: ['of 8 elements', 'of 6 elements'])
// LINE-NEXT: opt-fuse: error: expected warning 'of 8 elements' was not produced (at line [[# @LINE + 16]])

func.func @next_line() -> tensor<*xf32> {
  %c = nn.constant dense<1.0> : tensor<2x3xf32>
  // expected-warning@+1 {{not folded: its result would be a constant of 6 elements}}
  %0 = nn.add %c, %c : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<*xf32>
  %small = nn.constant dense<1.0> : tensor<2xf32>
  %1 = nn.neg %small : (tensor<2xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

func.func @offsets() -> (tensor<*xf32>, tensor<*xf32>) {
  %c = nn.constant dense<1.0> : tensor<2x4xf32>
  // expected-warning@+2 {{of 8 elements}}
  %d = nn.constant dense<1.0> : tensor<3x2xf32>
  %0 = nn.neg %c : (tensor<2x4xf32>) -> tensor<*xf32>
  %1 = nn.relu %d : (tensor<3x2xf32>) -> tensor<*xf32> // expected-warning {{of 6 elements}}
  func.return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

func.func @no_warning() -> tensor<*xf32> {
  %c = nn.constant dense<1.0> : tensor<2xf32>
  %0 = nn.neg %c : (tensor<2xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
