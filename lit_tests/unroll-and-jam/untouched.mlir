// unroll-and-jam leaves alone every loop it cannot prove safe to jam; each
// function below keeps its loops exactly as written.
// RUN: opt-fuse %s -p 'unroll-and-jam{factor=4 outer-factor=1}' --split-input-file | filecheck %s

// The kernel writes a buffer it also reads (in place): jamming would move the
// next lanes' loads before this lane's store.
// CHECK-LABEL: func.func @in_place
// CHECK:         loop.for %{{.*}} = %{{.*}} to %{{.*}} step %[[ONE:.*]] {
// CHECK-NOT:     arith.addi
func.func @in_place(%x: memref<8x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  loop.for %j = %c0 to %c16 step %c1 {
    %s = loop.for %k = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
      %v = loop.load %x[%k, %j] : memref<8x16xf32>
      %n = arith.addf %acc, %v : f32
      loop.yield %n : f32
    }
    loop.store %s, %x[%c0, %j] : memref<8x16xf32>
  }
  func.return
}

// -----

// The reduction's bound depends on the output index (a triangle): the lanes'
// nests have different iteration spaces.
// CHECK-LABEL: func.func @triangle
// CHECK-NOT:     arith.addi
func.func @triangle(%x: memref<16xf32>, %y: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  loop.parallel %j = %c0 to %c16 step %c1 {
    %s = loop.for %k = %c0 to %j step %c1 iter_args(%acc = %zero) -> (f32) {
      %v = loop.load %x[%k] : memref<16xf32>
      %n = arith.addf %acc, %v : f32
      loop.yield %n : f32
    }
    loop.store %s, %y[%j] : memref<16xf32>
  }
  func.return
}

// -----

// One iteration: nothing to jam.
// CHECK-LABEL: func.func @single
// CHECK-NOT:     arith.addi
func.func @single(%x: memref<1x8xf32>, %y: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  loop.parallel %j = %c0 to %c1 step %c1 {
    %s = loop.for %k = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
      %v = loop.load %x[%j, %k] : memref<1x8xf32>
      %n = arith.addf %acc, %v : f32
      loop.yield %n : f32
    }
    loop.store %s, %y[%j] : memref<1xf32>
  }
  func.return
}

// -----

// A store to an element that does not depend on the output index: every
// iteration overwrites it and the last one wins, so the lanes may not be reordered.
// CHECK-LABEL: func.func @same_element
// CHECK-NOT:     arith.addi
func.func @same_element(%x: memref<8x16xf32>, %y: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  loop.for %j = %c0 to %c16 step %c1 {
    %s = loop.for %k = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
      %v = loop.load %x[%k, %j] : memref<8x16xf32>
      %n = arith.addf %acc, %v : f32
      loop.yield %n : f32
    }
    loop.store %s, %y[%c0] : memref<16xf32>
  }
  func.return
}

// -----

// The lanes' loads are strided (lane j reads row j): the SLP vectorizer would
// gather them, and the loop vectorizer vectorizes each row's sum as it is.
// CHECK-LABEL: func.func @strided_lanes
// CHECK-NOT:     arith.addi
func.func @strided_lanes(%x: memref<16x8xf32>, %y: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  loop.parallel %j = %c0 to %c16 step %c1 {
    %s = loop.for %k = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
      %v = loop.load %x[%j, %k] : memref<16x8xf32>
      %n = arith.addf %acc, %v : f32
      loop.yield %n : f32
    }
    loop.store %s, %y[%j] : memref<16xf32>
  }
  func.return
}

// -----

// Not an innermost output loop: it holds another output loop.
// The inner one has no reduction either. Elementwise loops are not touched.
// CHECK-LABEL: func.func @no_reduction
// CHECK-NOT:     arith.addi
func.func @no_reduction(%x: memref<16x16xf32>, %y: memref<16x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  loop.parallel %i = %c0 to %c16 step %c1 {
    loop.for %j = %c0 to %c16 step %c1 {
      %v = loop.load %x[%i, %j] : memref<16x16xf32>
      loop.store %v, %y[%i, %j] : memref<16x16xf32>
    }
  }
  func.return
}

// -----

// A caller passes the same buffer as the kernel's input and output: they may alias.
// CHECK-LABEL: func.func private @aliased
// CHECK-NOT:     arith.addi
// CHECK-LABEL: func.func @caller
func.func private @aliased(%x: memref<8x16xf32>, %y: memref<8x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  loop.for %j = %c0 to %c16 step %c1 {
    %s = loop.for %k = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
      %v = loop.load %x[%k, %j] : memref<8x16xf32>
      %n = arith.addf %acc, %v : f32
      loop.yield %n : f32
    }
    loop.store %s, %y[%c0, %j] : memref<8x16xf32>
  }
  func.return
}
func.func @caller(%x: memref<8x16xf32>) attributes {loop.entry} {
  func.call @aliased(%x, %x) : (memref<8x16xf32>, memref<8x16xf32>) -> ()
  func.return
}
