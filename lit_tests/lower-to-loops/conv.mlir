// lower-to-loops on nn.conv2d with padding: no padded copy of the input. The
// output width is looped in three pieces, each with its own loop over the rows:
// the first and last columns (whose windows overhang the padding) and the
// interior columns 1..2 (whose windows lie inside the input). In a border column, each window position is clamped into
// the input (maxsi/minsi) so the load is always in bounds, and an arith.select
// replaces it by 0.0 in the padding; a test the index ranges decide is not
// emitted (column 0 never reads past the right edge). In the interior, the
// width position needs no clamp and no test: only the row's remain. Channel and
// window loops carry the sum in iter_args; the product and the sum are marked
// `contract` (one FMA) and the sum `reassoc`.
// RUN: opt-fuse %s -p lower-to-loops | filecheck %s
// The second RUN prints the loop-level IR and parses it back: the text must not change.
// RUN: opt-fuse %s -p lower-to-loops | opt-fuse | filecheck %s

// CHECK-LABEL: func.func private @conv_k0_conv2d
// CHECK-SAME:    (%x: memref<1x1x4x4xf32>, %w: memref<1x1x3x3xf32>, %out: memref<1x1x4x4xf32>) {
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[CM1:.*]] = arith.constant -1 : index
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         loop.parallel %[[OH:.*]] = %[[C0]] to %[[C4]] step %[[C1]] {
// CHECK-NEXT:      %[[H0:.*]] = arith.subi %[[OH]], %[[C1]] : index
// Column 0: its window's width positions are -1, 0, 1.
// CHECK-NEXT:      %[[SUM0:.*]] = loop.for %[[C:.*]] = %[[C0]] to %[[C1]] step %[[C1]] iter_args(%[[A0:.*]] = %[[ZERO]]) -> (f32) {
// CHECK-NEXT:        %[[SUMH:.*]] = loop.for %[[KH:.*]] = %[[C0]] to %[[C3]] step %[[C1]] iter_args(%[[A1:.*]] = %[[A0]]) -> (f32) {
// CHECK-NEXT:          %[[H:.*]] = arith.addi %[[H0]], %[[KH]] : index
// CHECK-NEXT:          %[[HLO:.*]] = arith.maxsi %[[H]], %[[C0]] : index
// CHECK-NEXT:          %[[HS:.*]] = arith.minsi %[[HLO]], %[[C3]] : index
// CHECK-NEXT:          %[[HGE:.*]] = arith.cmpi sge, %[[H]], %[[C0]] : index
// CHECK-NEXT:          %[[HLT:.*]] = arith.cmpi slt, %[[H]], %[[C4]] : index
// CHECK-NEXT:          %[[HIN:.*]] = arith.andi %[[HGE]], %[[HLT]] : i1
// CHECK-NEXT:          %[[SUMW:.*]] = loop.for %[[KW:.*]] = %[[C0]] to %[[C3]] step %[[C1]] iter_args(%[[A2:.*]] = %[[A1]]) -> (f32) {
// CHECK-NEXT:            %[[W:.*]] = arith.addi %[[CM1]], %[[KW]] : index
// CHECK-NEXT:            %[[WLO:.*]] = arith.maxsi %[[W]], %[[C0]] : index
// CHECK-NEXT:            %[[WS:.*]] = arith.minsi %[[WLO]], %[[C3]] : index
// CHECK-NEXT:            %[[X:.*]] = loop.load %x[%[[C0]], %[[C]], %[[HS]], %[[WS]]] : memref<1x1x4x4xf32>
// CHECK-NEXT:            %[[WGE:.*]] = arith.cmpi sge, %[[W]], %[[C0]] : index
// CHECK-NEXT:            %[[IN:.*]] = arith.andi %[[HIN]], %[[WGE]] : i1
// CHECK-NEXT:            %[[XP:.*]] = arith.select %[[IN]], %[[X]], %[[ZERO]] : f32
// CHECK-NEXT:            %[[WV:.*]] = loop.load %w[%[[C0]], %[[C]], %[[KH]], %[[KW]]] : memref<1x1x3x3xf32>
// CHECK-NEXT:            %[[P:.*]] = arith.mulf %[[XP]], %[[WV]] fastmath<contract> : f32
// CHECK-NEXT:            %[[S:.*]] = arith.addf %[[A2]], %[[P]] fastmath<reassoc,contract> : f32
// CHECK-NEXT:            loop.yield %[[S]] : f32
// CHECK-NEXT:          }
// CHECK-NEXT:          loop.yield %[[SUMW]] : f32
// CHECK-NEXT:        }
// CHECK-NEXT:        loop.yield %[[SUMH]] : f32
// CHECK-NEXT:      }
// CHECK-NEXT:      loop.store %[[SUM0]], %out[%[[C0]], %[[C0]], %[[OH]], %[[C0]]] : memref<1x1x4x4xf32>
// CHECK-NEXT:    }
// The interior columns: the width position is the output column plus kw - 1, unclamped.
// CHECK-NEXT:    loop.parallel %[[OH2:.*]] = %[[C0]] to %[[C4]] step %[[C1]] {
// CHECK-NEXT:      arith.subi %[[OH2]], %[[C1]] : index
// CHECK-NEXT:      loop.for %[[OW:.*]] = %[[C1]] to %[[C3]] step %[[C1]] {
// CHECK-NEXT:        %[[W0:.*]] = arith.subi %[[OW]], %[[C1]] : index
// CHECK:               %[[HIN2:.*]] = arith.andi
// CHECK-NEXT:          loop.for %[[KW2:.*]] = %[[C0]] to %[[C3]] step %[[C1]] iter_args
// CHECK-NEXT:            %[[WI:.*]] = arith.addi %[[W0]], %[[KW2]] : index
// CHECK-NEXT:            %[[XI:.*]] = loop.load %x[%[[C0]], %{{.*}}, %{{.*}}, %[[WI]]] : memref<1x1x4x4xf32>
// CHECK-NEXT:            arith.select %[[HIN2]], %[[XI]], %[[ZERO]] : f32
// CHECK:             loop.store %{{.*}}, %out[%[[C0]], %[[C0]], %[[OH2]], %[[OW]]] : memref<1x1x4x4xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// Column 3: only its right edge needs the test.
// CHECK:         loop.parallel %[[OH3:.*]] = %[[C0]] to %[[C4]] step %[[C1]] {
// CHECK:               %[[XR:.*]] = loop.load %x
// CHECK-NEXT:          %[[WLT:.*]] = arith.cmpi slt, %{{.*}}, %[[C4]] : index
// CHECK-NEXT:          %[[INR:.*]] = arith.andi %{{.*}}, %[[WLT]] : i1
// CHECK-NEXT:          arith.select %[[INR]], %[[XR]], %[[ZERO]] : f32
// CHECK:           loop.store %{{.*}}, %out[%[[C0]], %[[C0]], %[[OH3]], %[[C3]]] : memref<1x1x4x4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return
func.func @conv(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<*xf32> {
  %0 = nn.conv2d %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 1 : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
