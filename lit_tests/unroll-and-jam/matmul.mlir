// unroll-and-jam on lower-to-loops' matmul: the innermost output loop (over N)
// steps by the factor; the lanes' reduction loops become one loop.for carrying
// one accumulator per lane; the a-load, the same in every lane, is emitted once;
// the lanes' stores follow the jammed nest. N = 10 is not a multiple of 4: the
// original loop stays as the remainder, from 8 to 10, itself jammed by its 2 lanes.
// RUN: opt-fuse %s -p 'lower-to-loops,unroll-and-jam{factor=4 outer-factor=1 vectors=false}' | filecheck %s
// The printed result parses back and verifies.
// RUN: opt-fuse %s -p 'lower-to-loops,unroll-and-jam{factor=4 outer-factor=1 vectors=false}' | opt-fuse | filecheck %s
// factor=1 changes nothing.
// RUN: opt-fuse %s -p 'lower-to-loops,unroll-and-jam{factor=1 outer-factor=1 vectors=false}' | filecheck %s --check-prefix=ONE

// CHECK-LABEL: func.func private @matmul_k0_matmul
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG:     %[[C10:.*]] = arith.constant 10 : index
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         loop.parallel %[[I:.*]] = %[[C0]] to %[[C2]] step %[[C1]] {
// CHECK-NEXT:      loop.for %[[J:.*]] = %[[C0]] to %[[C8]] step %[[C4]] {
// CHECK-NEXT:        %[[J1:.*]] = arith.addi %[[J]], %[[C1]] overflow<nsw,nuw> : index
// CHECK-NEXT:        %[[J2:.*]] = arith.addi %[[J]], %[[C2]] overflow<nsw,nuw> : index
// CHECK-NEXT:        %[[J3:.*]] = arith.addi %[[J]], %[[C3]] overflow<nsw,nuw> : index
// CHECK-NEXT:        %[[S:.*]], %[[S1:.*]], %[[S2:.*]], %[[S3:.*]] = loop.for %[[K:.*]] = %[[C0]] to %[[C3]] step %[[C1]] iter_args(%[[A0:.*]] = %[[ZERO]], %[[A1:.*]] = %[[ZERO]], %[[A2:.*]] = %[[ZERO]], %[[A3:.*]] = %[[ZERO]]) -> (f32, f32, f32, f32) {
// CHECK-NEXT:          %[[A:.*]] = loop.load %a[%[[I]], %[[K]]] : memref<2x3xf32>
// CHECK-NEXT:          %[[B0:.*]] = loop.load %b[%[[K]], %[[J]]] : memref<3x10xf32>
// CHECK-NEXT:          %[[B1:.*]] = loop.load %b[%[[K]], %[[J1]]] : memref<3x10xf32>
// CHECK-NEXT:          %[[B2:.*]] = loop.load %b[%[[K]], %[[J2]]] : memref<3x10xf32>
// CHECK-NEXT:          %[[B3:.*]] = loop.load %b[%[[K]], %[[J3]]] : memref<3x10xf32>
// CHECK-NEXT:          %[[P0:.*]] = arith.mulf %[[A]], %[[B0]] fastmath<contract> : f32
// CHECK-NEXT:          %[[P1:.*]] = arith.mulf %[[A]], %[[B1]] fastmath<contract> : f32
// CHECK-NEXT:          %[[P2:.*]] = arith.mulf %[[A]], %[[B2]] fastmath<contract> : f32
// CHECK-NEXT:          %[[P3:.*]] = arith.mulf %[[A]], %[[B3]] fastmath<contract> : f32
// CHECK-NEXT:          %[[N0:.*]] = arith.addf %[[A0]], %[[P0]] fastmath<contract> : f32
// CHECK-NEXT:          %[[N1:.*]] = arith.addf %[[A1]], %[[P1]] fastmath<contract> : f32
// CHECK-NEXT:          %[[N2:.*]] = arith.addf %[[A2]], %[[P2]] fastmath<contract> : f32
// CHECK-NEXT:          %[[N3:.*]] = arith.addf %[[A3]], %[[P3]] fastmath<contract> : f32
// CHECK-NEXT:          loop.yield %[[N0]], %[[N1]], %[[N2]], %[[N3]] : f32, f32, f32, f32
// CHECK-NEXT:        }
// CHECK-NEXT:        loop.store %[[S]], %out[%[[I]], %[[J]]] : memref<2x10xf32>
// CHECK-NEXT:        loop.store %[[S1]], %out[%[[I]], %[[J1]]] : memref<2x10xf32>
// CHECK-NEXT:        loop.store %[[S2]], %out[%[[I]], %[[J2]]] : memref<2x10xf32>
// CHECK-NEXT:        loop.store %[[S3]], %out[%[[I]], %[[J3]]] : memref<2x10xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      loop.for %[[R:.*]] = %[[C8]] to %[[C10]] step %[[C2:.*]] {
// CHECK-NEXT:        %[[R1:.*]] = arith.addi %[[R]], %[[C1]] overflow<nsw,nuw> : index
// CHECK-NEXT:        %[[SR:.*]], %[[SR1:.*]] = loop.for %{{.*}} = %[[C0]] to %[[C3]] step %[[C1]] iter_args(%{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]]) -> (f32, f32) {
// CHECK:             }
// CHECK-NEXT:        loop.store %[[SR]], %out[%[[I]], %[[R]]] : memref<2x10xf32>
// CHECK-NEXT:        loop.store %[[SR1]], %out[%[[I]], %[[R1]]] : memref<2x10xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-LABEL: func.func @matmul
// ONE-LABEL: func.func private @matmul_k0_matmul
// ONE:         loop.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} {
// ONE-NEXT:      loop.for %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (f32) {
// ONE-NOT:     arith.addi
func.func @matmul(%a: tensor<2x3xf32>, %b: tensor<3x10xf32>) -> tensor<*xf32> {
  %0 = nn.matmul %a, %b : (tensor<2x3xf32>, tensor<3x10xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
