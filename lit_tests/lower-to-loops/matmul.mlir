// lower-to-loops on nn.matmul: the output loops, then a loop.for over the
// contraction dim that carries the running sum in iter_args (init 0.0) and
// yields acc + a * b; the result is stored once per output element.
// RUN: opt-fuse %s -p lower-to-loops | filecheck %s
// The second RUN prints the loop-level IR and parses it back: the text must not change.
// RUN: opt-fuse %s -p lower-to-loops | opt-fuse | filecheck %s

// CHECK-LABEL: func.func private @matmul_k0_matmul
// CHECK-SAME:    (%a: memref<2x4xf32>, %b: memref<4x3xf32>, %out: memref<2x3xf32>) {
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         loop.parallel %[[I:.*]] = {{.*}} {
// CHECK-NEXT:      loop.for %[[J:.*]] = {{.*}} {
// CHECK-NEXT:        %[[SUM:.*]] = loop.for %[[K:.*]] = %[[C0]] to %[[C4]] step %[[C1]] iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (f32) {
// CHECK-NEXT:          %[[A:.*]] = loop.load %a[%[[I]], %[[K]]] : memref<2x4xf32>
// CHECK-NEXT:          %[[B:.*]] = loop.load %b[%[[K]], %[[J]]] : memref<4x3xf32>
// CHECK-NEXT:          %[[P:.*]] = arith.mulf %[[A]], %[[B]] fastmath<contract> : f32
// CHECK-NEXT:          %[[S:.*]] = arith.addf %[[ACC]], %[[P]] fastmath<reassoc,contract> : f32
// CHECK-NEXT:          loop.yield %[[S]] : f32
// CHECK-NEXT:        }
// CHECK-NEXT:        loop.store %[[SUM]], %out[%[[I]], %[[J]]] : memref<2x3xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
func.func @matmul(%a: tensor<2x4xf32>, %b: tensor<4x3xf32>) -> tensor<*xf32> {
  %0 = nn.matmul %a, %b : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// Batched with a broadcast rhs: the rhs is read without the batch index.
// CHECK-LABEL: func.func private @batched_k0_matmul
// CHECK-SAME:    (%a: memref<5x2x4xf32>, %b: memref<4x3xf32>, %out: memref<5x2x3xf32>) {
// CHECK:         loop.parallel %[[N:.*]] = {{.*}} {
// CHECK-NEXT:      loop.for %[[I:.*]] = {{.*}} {
// CHECK-NEXT:        loop.for %[[J:.*]] = {{.*}} {
// CHECK-NEXT:          %[[SUM:.*]] = loop.for %[[K:.*]] = {{.*}} iter_args({{.*}}) -> (f32) {
// CHECK-NEXT:            loop.load %a[%[[N]], %[[I]], %[[K]]] : memref<5x2x4xf32>
// CHECK-NEXT:            loop.load %b[%[[K]], %[[J]]] : memref<4x3xf32>
// CHECK:               loop.store %[[SUM]], %out[%[[N]], %[[I]], %[[J]]] : memref<5x2x3xf32>
func.func @batched(%a: tensor<5x2x4xf32>, %b: tensor<4x3xf32>) -> tensor<*xf32> {
  %0 = nn.matmul %a, %b : (tensor<5x2x4xf32>, tensor<4x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
