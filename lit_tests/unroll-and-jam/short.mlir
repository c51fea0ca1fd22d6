// A constant trip count below the factor (3 < 8) becomes the factor: one
// stepped iteration computes all three lanes, and no remainder loop is left.
// RUN: opt-fuse %s -p 'unroll-and-jam{factor=8 outer-factor=1 vectors=false}' | filecheck %s

// CHECK-LABEL: func.func @short
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK:         loop.parallel %[[J:.*]] = %[[C0]] to %[[C3]] step %[[C3]] {
// CHECK-NEXT:      %[[J1:.*]] = arith.addi %[[J]], %[[C1]] overflow<nsw,nuw> : index
// CHECK-NEXT:      %[[J2:.*]] = arith.addi %[[J]], %[[C2]] overflow<nsw,nuw> : index
// CHECK-NEXT:      %[[S0:.*]], %[[S1:.*]], %[[S2:.*]] = loop.for %{{.*}} iter_args({{.*}}) -> (f32, f32, f32) {
// CHECK:           loop.store %[[S0]], %y[%[[J]]] : memref<3xf32>
// CHECK-NEXT:      loop.store %[[S1]], %y[%[[J1]]] : memref<3xf32>
// CHECK-NEXT:      loop.store %[[S2]], %y[%[[J2]]] : memref<3xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return
func.func @short(%x: memref<8x3xf32>, %y: memref<3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  loop.parallel %j = %c0 to %c3 step %c1 {
    %s = loop.for %k = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
      %v = loop.load %x[%k, %j] : memref<8x3xf32>
      %n = arith.addf %acc, %v : f32
      loop.yield %n : f32
    }
    loop.store %s, %y[%j] : memref<3xf32>
  }
  func.return
}
