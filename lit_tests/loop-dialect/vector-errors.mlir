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

// -----
// loop.strided_vector_load: a stride of at least 2 (consecutive elements are a loop.vector_load).
// CHECK: vector-errors.mlir:[[# @LINE + 3]]:{{[0-9]+}}: {{.*}}loop.strided_vector_load: the stride must be at least 2
func.func @unit_stride(%x: memref<4x64xf32>, %i: index) {
  // expected-error@+1 {{the stride must be at least 2}}
  %v = loop.strided_vector_load %x[%i, %i] stride 1 : memref<4x64xf32>, vector<8xf32>
  func.return
}

// -----
// loop.vector_cmpf, loop.vector_select and loop.vector_cast: lanes that match, names that exist.
// CHECK: vector-errors.mlir:[[# @LINE + 3]]:{{[0-9]+}}: {{.*}}loop.vector_cmpf: unknown predicate 'less'
func.func @unknown_predicate(%v: vector<8xf32>) {
  // expected-error@+1 {{unknown predicate 'less'}}
  %m = loop.vector_cmpf "less", %v, %v : vector<8xf32> to vector<8xi1>
  func.return
}

// -----
// CHECK: vector-errors.mlir:[[# @LINE + 3]]:{{[0-9]+}}: {{.*}}loop.vector_cmpf: the result must be a vector of i1 with 8 lanes, got vector<4xi1>
func.func @mask_lanes(%v: vector<8xf32>) {
  // expected-error@+1 {{the result must be a vector of i1 with 8 lanes}}
  %m = loop.vector_cmpf "olt", %v, %v : vector<8xf32> to vector<4xi1>
  func.return
}

// -----
// CHECK: vector-errors.mlir:[[# @LINE + 3]]:{{[0-9]+}}: {{.*}}loop.vector_select: the values must be vectors of 4 lanes like the condition, got vector<8xf32>
func.func @select_lanes(%m: vector<4xi1>, %v: vector<8xf32>) {
  // expected-error@+1 {{the values must be vectors of 4 lanes like the condition}}
  %s = loop.vector_select %m, %v, %v : vector<4xi1>, vector<8xf32>
  func.return
}

// -----
// CHECK: vector-errors.mlir:[[# @LINE + 3]]:{{[0-9]+}}: {{.*}}loop.vector_cast: fptosi of vector<8xf32> cannot give vector<8xf32>
func.func @cast_types(%v: vector<8xf32>) {
  // expected-error@+1 {{fptosi of vector<8xf32> cannot give vector<8xf32>}}
  %k = loop.vector_cast "fptosi" %v : vector<8xf32> to vector<8xf32>
  func.return
}
