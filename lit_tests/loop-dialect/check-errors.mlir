// loop.check's verifier: the condition is an i1, and the message is required.
// RUN: opt-fuse %s --split-input-file --verify-diagnostics | filecheck %s

// CHECK:      check-errors.mlir:[[# @LINE + 4]]:{{[0-9]+}}: {{.*}}operand 'condition' at position 0 does not verify:
// CHECK-NEXT: Expected attribute i1 but got index
func.func @not_a_bool(%n: index) {
  // expected-error@+1 {{i1}}
  "loop.check"(%n) <{message = "n"}> : (index) -> ()
  func.return
}

// -----

// CHECK: check-errors.mlir:[[# @LINE + 3]]:{{[0-9]+}}: {{.*}}property 'message' expected in operation 'loop.check'
func.func @no_message(%ok: i1) {
  // expected-error@+1 {{message}}
  "loop.check"(%ok) : (i1) -> ()
  func.return
}
