// lower-to-loops on nn.softmax over the last axis: per row, the max and then the
// sum of exp(x - max) are two reductions computed once, in the body of the
// parallel row loop and before the innermost loop that writes the row, which only
// loads, subtracts, exponentiates and divides.
// RUN: opt-fuse %s -p lower-to-loops | filecheck %s
// The second RUN prints the loop-level IR and parses it back: the text must not change.
// RUN: opt-fuse %s -p lower-to-loops | opt-fuse | filecheck %s

// CHECK-LABEL: func.func private @softmax_k0_softmax
// CHECK-SAME:    (%x: memref<2x5xf32>, %out: memref<2x5xf32>) {
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C5:.*]] = arith.constant 5 : index
// CHECK-DAG:     %[[NEGINF:.*]] = arith.constant 0xff800000 : f32
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         loop.parallel %[[I:.*]] = {{.*}} {
// CHECK-NEXT:      %[[MAX:.*]] = loop.for %[[K:.*]] = %[[C0]] to %[[C5]] step %[[C1]] iter_args(%[[M:.*]] = %[[NEGINF]]) -> (f32) {
// CHECK-NEXT:        %[[V:.*]] = loop.load %x[%[[I]], %[[K]]] : memref<2x5xf32>
// CHECK-NEXT:        %[[M2:.*]] = arith.maximumf %[[M]], %[[V]] fastmath<reassoc> : f32
// CHECK-NEXT:        loop.yield %[[M2]] : f32
// CHECK-NEXT:      }
// CHECK-NEXT:      %[[SUM:.*]] = loop.for %[[K2:.*]] = %[[C0]] to %[[C5]] step %[[C1]] iter_args(%[[S:.*]] = %[[ZERO]]) -> (f32) {
// CHECK-NEXT:        %[[V2:.*]] = loop.load %x[%[[I]], %[[K2]]] : memref<2x5xf32>
// CHECK-NEXT:        %[[D:.*]] = arith.subf %[[V2]], %[[MAX]] : f32
// CHECK-NEXT:        %[[E:.*]] = math.exp %[[D]] : f32
// CHECK-NEXT:        %[[S2:.*]] = arith.addf %[[S]], %[[E]] fastmath<reassoc> : f32
// CHECK-NEXT:        loop.yield %[[S2]] : f32
// CHECK-NEXT:      }
// CHECK-NEXT:      loop.for %[[J:.*]] = %[[C0]] to %[[C5]] step %[[C1]] {
// CHECK-NEXT:        %[[V3:.*]] = loop.load %x[%[[I]], %[[J]]] : memref<2x5xf32>
// CHECK-NEXT:        %[[D3:.*]] = arith.subf %[[V3]], %[[MAX]] : f32
// CHECK-NEXT:        %[[E3:.*]] = math.exp %[[D3]] : f32
// CHECK-NEXT:        %[[R:.*]] = arith.divf %[[E3]], %[[SUM]] : f32
// CHECK-NEXT:        loop.store %[[R]], %out[%[[I]], %[[J]]] : memref<2x5xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
func.func @softmax(%x: tensor<2x5xf32>) -> tensor<*xf32> {
  %0 = nn.softmax %x axis -1 : (tensor<2x5xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
