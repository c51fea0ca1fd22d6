// unroll-and-jam with outer-factor: after the innermost output loop (over N)
// steps by 4, the loop around it (over M, the loop.parallel) steps by 2 and its
// body is jammed too: one N loop computing both rows, one reduction carrying
// 2 x 4 accumulators. Each b-load (the same for both rows) is emitted once and
// each a-load (the same for the 4 columns) once per row: 6 loads for 8
// multiply-adds. A row's 4 lanes stay together (a-loads, products, sums,
// stores), the order the SLP vectorizer packs into vectors.
// RUN: opt-fuse %s -p 'lower-to-loops,unroll-and-jam{factor=4 outer-factor=2 outer-factor-flat=2 vectors=false}' | filecheck %s
// A reduction nest of one loop (this matmul's k) takes outer-factor-flat rows
// (default 8; here the 4 rows there are): 4 x 4 accumulators.
// RUN: opt-fuse %s -p 'lower-to-loops,unroll-and-jam{factor=4 outer-factor=2 vectors=false}' | filecheck %s --check-prefix=FLAT

// CHECK-LABEL: func.func private @matmul_k0_matmul
// CHECK:         loop.parallel %[[I:.*]] = %{{.*}} to %{{.*}} step %[[C2:.*]] {
// CHECK-NEXT:      %[[I1:.*]] = arith.addi %[[I]], %{{.*}} overflow<nsw,nuw> : index
// CHECK-NEXT:      loop.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:        %[[J1:.*]] = arith.addi %[[J]]
// CHECK-NEXT:        %[[J2:.*]] = arith.addi %[[J]]
// CHECK-NEXT:        %[[J3:.*]] = arith.addi %[[J]]
// CHECK-NEXT:        %[[S0:[0-9]+]], %[[S1:[0-9]+]], %[[S2:[0-9]+]], %[[S3:[0-9]+]], %[[S4:[0-9]+]], %[[S5:[0-9]+]], %[[S6:[0-9]+]], %[[S7:[0-9]+]] = loop.for %[[K:.*]] = {{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32) {
// CHECK-NEXT:          %[[A0:.*]] = loop.load %a[%[[I]], %[[K]]] : memref<4x3xf32>
// CHECK-NEXT:          %[[A1:.*]] = loop.load %a[%[[I1]], %[[K]]] : memref<4x3xf32>
// CHECK-NEXT:          %[[B0:.*]] = loop.load %b[%[[K]], %[[J]]] : memref<3x8xf32>
// CHECK-NEXT:          %[[B1:.*]] = loop.load %b[%[[K]], %[[J1]]] : memref<3x8xf32>
// CHECK-NEXT:          %[[B2:.*]] = loop.load %b[%[[K]], %[[J2]]] : memref<3x8xf32>
// CHECK-NEXT:          %[[B3:.*]] = loop.load %b[%[[K]], %[[J3]]] : memref<3x8xf32>
// CHECK-NEXT:          arith.mulf %[[A0]], %[[B0]]
// CHECK-NEXT:          arith.mulf %[[A0]], %[[B1]]
// CHECK-NEXT:          arith.mulf %[[A0]], %[[B2]]
// CHECK-NEXT:          arith.mulf %[[A0]], %[[B3]]
// CHECK-NEXT:          arith.mulf %[[A1]], %[[B0]]
// CHECK-NEXT:          arith.mulf %[[A1]], %[[B1]]
// CHECK-NEXT:          arith.mulf %[[A1]], %[[B2]]
// CHECK-NEXT:          arith.mulf %[[A1]], %[[B3]]
// CHECK-COUNT-8:       arith.addf
// CHECK-NEXT:          loop.yield
// CHECK-NEXT:        }
// CHECK-NEXT:        loop.store %[[S0]], %out[%[[I]], %[[J]]] : memref<4x8xf32>
// CHECK-NEXT:        loop.store %[[S1]], %out[%[[I]], %[[J1]]] : memref<4x8xf32>
// CHECK-NEXT:        loop.store %[[S2]], %out[%[[I]], %[[J2]]] : memref<4x8xf32>
// CHECK-NEXT:        loop.store %[[S3]], %out[%[[I]], %[[J3]]] : memref<4x8xf32>
// CHECK-NEXT:        loop.store %[[S4]], %out[%[[I1]], %[[J]]] : memref<4x8xf32>
// CHECK-NEXT:        loop.store %[[S5]], %out[%[[I1]], %[[J1]]] : memref<4x8xf32>
// CHECK-NEXT:        loop.store %[[S6]], %out[%[[I1]], %[[J2]]] : memref<4x8xf32>
// CHECK-NEXT:        loop.store %[[S7]], %out[%[[I1]], %[[J3]]] : memref<4x8xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return
// FLAT-LABEL: func.func private @matmul_k0_matmul
// FLAT:         loop.parallel %{{.*}} = %{{.*}} to %{{.*}} step %[[C4:[^ ]*]] {
// FLAT-COUNT-3:   arith.addi
// FLAT-NEXT:      loop.for %{{.*}} = %{{.*}} to %{{.*}} step %[[C4]] {
// FLAT:             loop.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32) {
func.func @matmul(%a: tensor<4x3xf32>, %b: tensor<3x8xf32>) -> tensor<*xf32> {
  %0 = nn.matmul %a, %b : (tensor<4x3xf32>, tensor<3x8xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
