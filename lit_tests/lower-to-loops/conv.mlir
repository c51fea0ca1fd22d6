// lower-to-loops on nn.conv2d with padding: no padded copy of the input; each
// window position is clamped into the input (maxsi/minsi) so the load is always
// in bounds, and an arith.select replaces it by 0.0 when the position lies in the
// padding (the in-bounds test is a pair of cmpi). Channel and window loops carry
// the sum in iter_args.
// RUN: opt-fuse %s -p lower-to-loops | filecheck %s
// The second RUN prints the loop-level IR and parses it back: the text must not change.
// RUN: opt-fuse %s -p lower-to-loops | opt-fuse | filecheck %s

// CHECK-LABEL: func.func private @conv_k0_conv2d
// CHECK-SAME:    (%x: memref<1x1x4x4xf32>, %w: memref<1x1x3x3xf32>, %out: memref<1x1x4x4xf32>) {
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         loop.parallel %[[OH:.*]] = %[[C0]] to %[[C4]] step %[[C1]] {
// CHECK-NEXT:      %[[H0:.*]] = arith.subi %[[OH]], %[[C1]] : index
// CHECK-NEXT:      loop.for %[[OW:.*]] = %[[C0]] to %[[C4]] step %[[C1]] {
// CHECK-NEXT:        %[[W0:.*]] = arith.subi %[[OW]], %[[C1]] : index
// CHECK-NEXT:        %[[SUM:.*]] = loop.for %[[C:.*]] = %[[C0]] to %[[C1]] step %[[C1]] iter_args(%[[A0:.*]] = %[[ZERO]]) -> (f32) {
// CHECK-NEXT:          %[[SUMH:.*]] = loop.for %[[KH:.*]] = %[[C0]] to %[[C3]] step %[[C1]] iter_args(%[[A1:.*]] = %[[A0]]) -> (f32) {
// CHECK-NEXT:            %[[H:.*]] = arith.addi %[[H0]], %[[KH]] : index
// CHECK-NEXT:            %[[HLO:.*]] = arith.maxsi %[[H]], %[[C0]] : index
// CHECK-NEXT:            %[[HS:.*]] = arith.minsi %[[HLO]], %[[C3]] : index
// CHECK-NEXT:            %[[HGE:.*]] = arith.cmpi sge, %[[H]], %[[C0]] : index
// CHECK-NEXT:            %[[HLT:.*]] = arith.cmpi slt, %[[H]], %[[C4]] : index
// CHECK-NEXT:            %[[HIN:.*]] = arith.andi %[[HGE]], %[[HLT]] : i1
// CHECK-NEXT:            %[[SUMW:.*]] = loop.for %[[KW:.*]] = %[[C0]] to %[[C3]] step %[[C1]] iter_args(%[[A2:.*]] = %[[A1]]) -> (f32) {
// CHECK-NEXT:              %[[W:.*]] = arith.addi %[[W0]], %[[KW]] : index
// CHECK-NEXT:              %[[WLO:.*]] = arith.maxsi %[[W]], %[[C0]] : index
// CHECK-NEXT:              %[[WS:.*]] = arith.minsi %[[WLO]], %[[C3]] : index
// CHECK-NEXT:              %[[X:.*]] = loop.load %x[%[[C0]], %[[C]], %[[HS]], %[[WS]]] : memref<1x1x4x4xf32>
// CHECK-NEXT:              %[[WGE:.*]] = arith.cmpi sge, %[[W]], %[[C0]] : index
// CHECK-NEXT:              %[[WLT:.*]] = arith.cmpi slt, %[[W]], %[[C4]] : index
// CHECK-NEXT:              %[[WIN:.*]] = arith.andi %[[WGE]], %[[WLT]] : i1
// CHECK-NEXT:              %[[IN:.*]] = arith.andi %[[HIN]], %[[WIN]] : i1
// CHECK-NEXT:              %[[XP:.*]] = arith.select %[[IN]], %[[X]], %[[ZERO]] : f32
// CHECK-NEXT:              %[[WV:.*]] = loop.load %w[%[[C0]], %[[C]], %[[KH]], %[[KW]]] : memref<1x1x3x3xf32>
// CHECK-NEXT:              %[[P:.*]] = arith.mulf %[[XP]], %[[WV]] : f32
// CHECK-NEXT:              %[[S:.*]] = arith.addf %[[A2]], %[[P]] fastmath<reassoc> : f32
// CHECK-NEXT:              loop.yield %[[S]] : f32
// CHECK-NEXT:            }
// CHECK-NEXT:            loop.yield %[[SUMW]] : f32
// CHECK-NEXT:          }
// CHECK-NEXT:          loop.yield %[[SUMH]] : f32
// CHECK-NEXT:        }
// CHECK-NEXT:        loop.store %[[SUM]], %out[%[[C0]], %[[C0]], %[[OH]], %[[OW]]] : memref<1x1x4x4xf32>
func.func @conv(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<*xf32> {
  %0 = nn.conv2d %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 1 : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

