// unroll-and-jam's streaming loops (stream-factor lanes, several registers' worth):
// an innermost loop without reductions whose accesses read and write side by side
// becomes vector loads, ops and stores, its compares and selects the loop dialect's
// lane-by-lane ops; a pair of loops over the last two dims of every buffer becomes
// one loop first (whole vectors, no remainder per row). A `reassoc` reduction along
// consecutive elements carries a vector of partial results, which `vector.reduction`
// folds with the initial value; the iterations past the last whole vector stay a
// scalar loop, starting from there.
// RUN: opt-fuse %s -p 'unroll-and-jam{factor=4 outer-factor=1 stream-factor=8}' --split-input-file | filecheck %s
// RUN: opt-fuse %s -p 'unroll-and-jam{factor=4 outer-factor=1 stream-factor=1}' --split-input-file | filecheck %s --check-prefix=OFF
// The printed result parses back and verifies.
// RUN: opt-fuse %s -p 'unroll-and-jam{factor=4 outer-factor=1 stream-factor=8}' --split-input-file | opt-fuse --split-input-file | filecheck %s

// Rows of 4 columns in 2 channels, each scaled by its channel's value, then the NaN
// test of a sigmoid's expansion: the rows and columns are one loop of 16, stepped by 8.
// CHECK-LABEL: func.func private @scale_rows
// CHECK:         loop.parallel %[[C:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:      %[[S:.*]] = loop.load %s[%[[C]]] : memref<2xf32>
// CHECK-NEXT:      loop.for %[[I:.*]] = %[[Z:.*]] to %[[C16:.*]] step %[[C8:.*]] {
// CHECK-NEXT:        %[[ROW:.*]] = arith.divui %[[I]], %[[C4:.*]] : index
// CHECK-NEXT:        %[[START:.*]] = arith.muli %[[ROW]], %[[C4]] overflow<nsw,nuw> : index
// CHECK-NEXT:        %[[COL:.*]] = arith.subi %[[I]], %[[START]] overflow<nsw,nuw> : index
// CHECK-NEXT:        %[[X:.*]] = loop.vector_load %x[%[[C]], %[[ROW]], %[[COL]]] : memref<2x2x4xf32>, vector<8xf32>
// CHECK-NEXT:        %[[SV:.*]] = vector.broadcast %[[S]] : f32 to vector<8xf32>
// CHECK-NEXT:        %[[M:.*]] = arith.mulf %[[X]], %[[SV]] : vector<8xf32>
// CHECK-NEXT:        %[[NAN:.*]] = loop.vector_cmpf "uno", %[[M]], %[[M]] : vector<8xf32> to vector<8xi1>
// CHECK-NEXT:        %[[Y:.*]] = loop.vector_select %[[NAN]], %[[X]], %[[M]] : vector<8xi1>, vector<8xf32>
// CHECK-NEXT:        loop.vector_store %[[Y]], %y[%[[C]], %[[ROW]], %[[COL]]] : memref<2x2x4xf32>, vector<8xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return
// OFF-LABEL: func.func private @scale_rows
// OFF-NOT:     vector
// OFF:         func.return
func.func private @scale_rows(%x: memref<2x2x4xf32>, %s: memref<2xf32>, %y: memref<2x2x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  loop.parallel %c = %c0 to %c2 step %c1 {
    %scale = loop.load %s[%c] : memref<2xf32>
    loop.for %h = %c0 to %c2 step %c1 {
      loop.for %w = %c0 to %c4 step %c1 {
        %v = loop.load %x[%c, %h, %w] : memref<2x2x4xf32>
        %m = arith.mulf %v, %scale : f32
        %nan = arith.cmpf uno, %m, %m : f32
        %r = arith.select %nan, %v, %m : f32
        loop.store %r, %y[%c, %h, %w] : memref<2x2x4xf32>
      }
    }
  }
  func.return
}

// -----

// A bias broadcast along the rows reads the same 12 columns in every row: the
// rows stay apart, and each row is 8 lanes, then the 4 left as one more vector.
// CHECK-LABEL: func.func private @bias_rows
// CHECK:         loop.for %[[H:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:      loop.for %[[W:.*]] = %{{.*}} to %[[C8:.*]] step %[[C8]] {
// CHECK-NEXT:        %[[X:.*]] = loop.vector_load %x[%[[H]], %[[W]]] : memref<3x12xf32>, vector<8xf32>
// CHECK-NEXT:        %[[B:.*]] = loop.vector_load %b[%[[W]]] : memref<12xf32>, vector<8xf32>
// CHECK-NEXT:        %[[S:.*]] = arith.addf %[[X]], %[[B]] : vector<8xf32>
// CHECK-NEXT:        loop.vector_store %[[S]], %y[%[[H]], %[[W]]] : memref<3x12xf32>, vector<8xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      loop.for %[[R:.*]] = %[[C8]] to %{{.*}} step %{{.*}} {
// CHECK-NEXT:        loop.vector_load %x[%[[H]], %[[R]]] : memref<3x12xf32>, vector<4xf32>
// CHECK:             loop.vector_store %{{.*}}, %y[%[[H]], %[[R]]] : memref<3x12xf32>, vector<4xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
func.func private @bias_rows(%x: memref<3x12xf32>, %b: memref<12xf32>, %y: memref<3x12xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c12 = arith.constant 12 : index
  loop.for %h = %c0 to %c3 step %c1 {
    loop.for %w = %c0 to %c12 step %c1 {
      %v = loop.load %x[%h, %w] : memref<3x12xf32>
      %bias = loop.load %b[%w] : memref<12xf32>
      %s = arith.addf %v, %bias : f32
      loop.store %s, %y[%h, %w] : memref<3x12xf32>
    }
  }
  func.return
}

// -----

// A transpose writes its lanes a row apart: left to clang, as written.
// CHECK-LABEL: func.func private @transpose
// CHECK:         loop.for %{{.*}} = %{{.*}} to %{{.*}} step %[[ONE:[^ ]*]] {
// CHECK-NEXT:      loop.for %{{.*}} = %{{.*}} to %{{.*}} step %[[ONE]] {
// CHECK-NEXT:        loop.load
// CHECK-NEXT:        loop.store
func.func private @transpose(%x: memref<16x16xf32>, %y: memref<16x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  loop.for %i = %c0 to %c16 step %c1 {
    loop.for %j = %c0 to %c16 step %c1 {
      %v = loop.load %x[%i, %j] : memref<16x16xf32>
      loop.store %v, %y[%j, %i] : memref<16x16xf32>
    }
  }
  func.return
}

// -----

// A softmax's running max over rows of 20: two vectors of 8 partial maxima from
// -inf, folded with the initial value, then the last 4 elements one by one.
// CHECK-LABEL: func.func private @row_max
// CHECK:         loop.parallel %[[R:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:      %[[NEG_INF:.*]] = arith.constant 0xff800000 : f32
// CHECK-NEXT:      %[[ID:.*]] = vector.broadcast %[[NEG_INF]] : f32 to vector<8xf32>
// CHECK-NEXT:      %[[P:.*]] = loop.for %[[K:.*]] = %{{.*}} to %[[C16:.*]] step %[[C8:.*]] iter_args(%[[A:.*]] = %[[ID]]) -> (vector<8xf32>) {
// CHECK-NEXT:        %[[X:.*]] = loop.vector_load %x[%[[R]], %[[K]]] : memref<4x20xf32>, vector<8xf32>
// CHECK-NEXT:        %[[N:.*]] = arith.maximumf %[[A]], %[[X]] fastmath<reassoc> : vector<8xf32>
// CHECK-NEXT:        loop.yield %[[N]] : vector<8xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      %[[F:.*]] = vector.reduction <maximumf>, %[[P]], %{{.*}} fastmath<reassoc> : vector<8xf32> into f32
// CHECK-NEXT:      %[[M:.*]] = loop.for %{{.*}} = %[[C16]] to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[F]]) -> (f32) {
// CHECK-NEXT:        loop.load %x
// CHECK-NEXT:        arith.maximumf {{.*}} fastmath<reassoc> : f32
// CHECK-NEXT:        loop.yield
// CHECK-NEXT:      }
// CHECK-NEXT:      loop.store %[[M]], %y[%[[R]]] : memref<4xf32>
// OFF-LABEL: func.func private @row_max
// OFF-NOT:     vector
// OFF:         func.return
func.func private @row_max(%x: memref<4x20xf32>, %y: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c20 = arith.constant 20 : index
  %low = arith.constant 0xFF800000 : f32
  loop.parallel %r = %c0 to %c4 step %c1 {
    %m = loop.for %k = %c0 to %c20 step %c1 iter_args(%acc = %low) -> (f32) {
      %v = loop.load %x[%r, %k] : memref<4x20xf32>
      %n = arith.maximumf %acc, %v fastmath<reassoc> : f32
      loop.yield %n : f32
    }
    loop.store %m, %y[%r] : memref<4xf32>
  }
  func.return
}

// -----

// A sum of squares over a whole multiple of the lanes (-0.0 is the identity of
// addition, -0.0 included): no scalar loop is left.
// CHECK-LABEL: func.func private @sum_of_squares
// CHECK:         %[[MINUS_ZERO:.*]] = arith.constant -0.000000e+00 : f32
// CHECK-NEXT:    %[[ID:.*]] = vector.broadcast %[[MINUS_ZERO]] : f32 to vector<8xf32>
// CHECK-NEXT:    %[[P:.*]] = loop.for %[[K:.*]] = {{.*}} iter_args(%[[A:.*]] = %[[ID]]) -> (vector<8xf32>) {
// CHECK-NEXT:      %[[X:.*]] = loop.vector_load %x[%[[K]]] : memref<32xf32>, vector<8xf32>
// CHECK-NEXT:      %[[SQ:.*]] = arith.mulf %[[X]], %[[X]] : vector<8xf32>
// CHECK-NEXT:      %[[N:.*]] = arith.addf %[[A]], %[[SQ]] fastmath<reassoc> : vector<8xf32>
// CHECK-NEXT:      loop.yield %[[N]] : vector<8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[S:.*]] = vector.reduction <add>, %[[P]], %{{.*}} fastmath<reassoc> : vector<8xf32> into f32
// CHECK-NEXT:    loop.store %[[S]], %y[%{{.*}}] : memref<1xf32>
func.func private @sum_of_squares(%x: memref<32xf32>, %y: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %s = loop.for %k = %c0 to %c32 step %c1 iter_args(%acc = %zero) -> (f32) {
    %v = loop.load %x[%k] : memref<32xf32>
    %sq = arith.mulf %v, %v : f32
    %n = arith.addf %acc, %sq fastmath<reassoc> : f32
    loop.yield %n : f32
  }
  loop.store %s, %y[%c0] : memref<1xf32>
  func.return
}

// -----

// Without `reassoc` the order of the terms is the program's: left alone.
// CHECK-LABEL: func.func private @ordered_sum
// CHECK-NOT:     vector
// CHECK:         func.return
func.func private @ordered_sum(%x: memref<32xf32>, %y: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %s = loop.for %k = %c0 to %c32 step %c1 iter_args(%acc = %zero) -> (f32) {
    %v = loop.load %x[%k] : memref<32xf32>
    %n = arith.addf %acc, %v : f32
    loop.yield %n : f32
  }
  loop.store %s, %y[%c0] : memref<1xf32>
  func.return
}
