// parallelize-inner-loops: a loop.parallel of fewer than min-iterations
// iterations becomes sequential (one iteration: inlined, its index the lower
// bound), and the output loops directly in its body whose iterations are
// independent become loop.parallel: the threads share out the rows, not one
// block of 32 channels. By default (2) only a single iteration hands its threads down.
// RUN: opt-fuse %s -p 'parallelize-inner-loops{min-iterations=4}' | filecheck %s
// RUN: opt-fuse %s -p 'parallelize-inner-loops{min-iterations=4}' | opt-fuse | filecheck %s
// RUN: opt-fuse %s -p 'parallelize-inner-loops' | filecheck %s --check-prefix=DEFAULT
// RUN: opt-fuse %s -p 'parallelize-inner-loops{min-iterations=1}' | filecheck %s --check-prefix=KEEP

// DEFAULT-LABEL: func.func private @one_block
// DEFAULT:         loop.parallel %{{.*}} = %c0 to %c8 step %c1 {
// DEFAULT-LABEL: func.func private @two_blocks
// DEFAULT:         loop.parallel %{{.*}} = %c0 to %c64 step %c32 {
// DEFAULT-NEXT:      loop.for

// One iteration: inlined; both row loops parallel.
// CHECK-LABEL: func.func private @one_block
// CHECK-NOT:     loop.parallel %{{.*}} = %{{.*}} to %c32
// CHECK:         loop.parallel %[[ROW:.*]] = %c0 to %c8 step %c1 {
// CHECK-NEXT:      %[[V:.*]] = loop.load %x[%c0, %[[ROW]]] : memref<32x8xf32>
// CHECK-NEXT:      loop.store %[[V]], %y[%c0, %[[ROW]]] : memref<32x8xf32>
// CHECK:         loop.parallel %[[ROW2:.*]] = %c1 to %c8 step %c1 {
// CHECK-NEXT:      %[[W:.*]] = loop.load %x[%c0, %[[ROW2]]] : memref<32x8xf32>
// CHECK-NEXT:      loop.store %[[W]], %z[%c0, %[[ROW2]]] : memref<32x8xf32>
// KEEP-LABEL: func.func private @one_block
// KEEP:         loop.parallel %{{.*}} = %c0 to %c32 step %c32 {
// KEEP-NEXT:      loop.for
func.func private @one_block(%x: memref<32x8xf32>, %y: memref<32x8xf32>, %z: memref<32x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  loop.parallel %m = %c0 to %c32 step %c32 {
    loop.for %row = %c0 to %c8 step %c1 {
      %v = loop.load %x[%m, %row] : memref<32x8xf32>
      loop.store %v, %y[%m, %row] : memref<32x8xf32>
    }
    loop.for %row2 = %c1 to %c8 step %c1 {
      %w = loop.load %x[%m, %row2] : memref<32x8xf32>
      loop.store %w, %z[%m, %row2] : memref<32x8xf32>
    }
  }
  func.return
}

// Two iterations: a loop.for around the parallel rows. A row loop that reads what
// it writes (each row the one before it) stays sequential.
// CHECK-LABEL: func.func private @two_blocks
// CHECK:         loop.for %[[M:.*]] = %c0 to %c64 step %c32 {
// CHECK-NEXT:      loop.parallel %[[ROW:.*]] = %c0 to %c8 step %c1 {
// CHECK:           loop.for %{{.*}} = %c1 to %c8 step %c1 {
func.func private @two_blocks(%x: memref<64x8xf32>, %y: memref<64x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  loop.parallel %m = %c0 to %c64 step %c32 {
    loop.for %row = %c0 to %c8 step %c1 {
      %v = loop.load %x[%m, %row] : memref<64x8xf32>
      loop.store %v, %y[%m, %row] : memref<64x8xf32>
    }
    loop.for %row = %c1 to %c8 step %c1 {
      %before = arith.subi %row, %c1 : index
      %v = loop.load %y[%m, %before] : memref<64x8xf32>
      loop.store %v, %y[%m, %row] : memref<64x8xf32>
    }
  }
  func.return
}

// Enough iterations (4): left alone.
// CHECK-LABEL: func.func private @four_blocks
// CHECK:         loop.parallel %{{.*}} = %c0 to %c128 step %c32 {
// CHECK-NEXT:      loop.for
func.func private @four_blocks(%x: memref<128x8xf32>, %y: memref<128x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  %c128 = arith.constant 128 : index
  loop.parallel %m = %c0 to %c128 step %c32 {
    loop.for %row = %c0 to %c8 step %c1 {
      %v = loop.load %x[%m, %row] : memref<128x8xf32>
      loop.store %v, %y[%m, %row] : memref<128x8xf32>
    }
  }
  func.return
}
