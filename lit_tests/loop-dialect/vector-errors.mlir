// loop.vector_load / loop.vector_store's verifier: a one-dimensional vector of the buffer's
// element type, one index per dim; a mismatch is an error at the op, with its location.
// RUN: opt-fuse %s --split-input-file --verify-diagnostics | filecheck %s

// CHECK: vector-errors.mlir:[[# @LINE + 3]]:{{[0-9]+}}: {{.*}}vector<2x8xf32> is not a one-dimensional, fixed-size vector
func.func @two_dims(%x: memref<4x64xf32>, %i: index) {
  // expected-error@+1 {{one-dimensional}}
  %v = loop.vector_load %x[%i, %i] : memref<4x64xf32>, vector<2x8xf32>
  func.return
}

// -----
// CHECK: vector-errors.mlir:[[# @LINE + 3]]:{{[0-9]+}}: {{.*}}vector<8xi32> does not hold the elements of memref<64xf32>
func.func @wrong_element(%x: memref<64xf32>, %i: index) {
  // expected-error@+1 {{does not hold the elements of}}
  %v = loop.vector_load %x[%i] : memref<64xf32>, vector<8xi32>
  func.return
}

// -----
// CHECK: vector-errors.mlir:[[# @LINE + 3]]:{{[0-9]+}}: {{.*}}loop.vector_store: 1 indices for a rank-2 buffer
func.func @missing_index(%v: vector<8xf32>, %x: memref<4x64xf32>, %i: index) {
  // expected-error@+1 {{1 indices for a rank-2 buffer}}
  loop.vector_store %v, %x[%i] : memref<4x64xf32>, vector<8xf32>
  func.return
}
