// unroll-and-jam on a fused conv + relu with padding. lower-to-loops loops the
// output width in pieces, each with its own loop over the rows: column 0, the
// interior columns 1..4 and column 5. The
// interior loop steps by 2 and its three reduction loops (channel, kh, kw) are
// jammed into one nest carrying two accumulators at every level. What does not
// depend on the output width is emitted once: the row clamp and test (kh's
// level) and the weight load; each lane has its own input load (unclamped: the
// interior's windows are inside the input), selected by the row's test. The
// sums lose `reassoc` (each lane sums in order) and keep `contract` (FMA). The
// epilogue (bias, relu) and the stores follow, lane by lane. The interior's 4
// columns are a multiple of 2: no remainder loop.
// RUN: opt-fuse %s -p 'fuse,lower-to-loops,unroll-and-jam{factor=2 outer-factor=1 vectors=false}' | filecheck %s
// The whole pipeline to LLVM IR accepts the result.
// RUN: opt-fuse %s -p 'fuse,lower-to-loops,unroll-and-jam{factor=2 outer-factor=1 vectors=false},plan-memory,emit-llvm{target=x86_64}' | filecheck %s --check-prefix=LLVM

// CHECK-LABEL: func.func private @conv_k0_conv2d_relu
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C5:.*]] = arith.constant 5 : index
// CHECK:         %[[BIAS:.*]] = loop.load %b[%[[CO:.*]]] : memref<3xf32>
// CHECK:         loop.for %[[OH0:.*]] = {{.*}} {
// CHECK:           loop.store %{{.*}}, %out[%[[C0]], %[[CO]], %[[OH0]], %[[C0]]] : memref<1x3x3x6xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    loop.for %[[OH:.*]] = {{.*}} {
// CHECK-NEXT:      %[[H0:.*]] = arith.subi %[[OH]], %[[C1]] : index
// CHECK-NEXT:      loop.for %[[OW:.*]] = %[[C1]] to %[[C5]] step %[[C2]] {
// CHECK-NEXT:        %[[OW1:.*]] = arith.addi %[[OW]], %[[C1]] overflow<nsw,nuw> : index
// CHECK-NEXT:        %[[W0:.*]] = arith.subi %[[OW]], %[[C1]] : index
// CHECK-NEXT:        %[[W1:.*]] = arith.subi %[[OW1]], %[[C1]] : index
// CHECK-NEXT:        %[[S0:.*]], %[[S1:.*]] = loop.for %[[CI:.*]] = {{.*}} iter_args(%{{.*}}, %{{.*}}) -> (f32, f32) {
// CHECK-NEXT:          %{{.*}}, %{{.*}} = loop.for %[[KH:.*]] = {{.*}} iter_args(%{{.*}}, %{{.*}}) -> (f32, f32) {
// CHECK-NEXT:            arith.addi %[[H0]], %[[KH]]
// CHECK-NEXT:            arith.maxsi
// CHECK-NEXT:            %[[HS:.*]] = arith.minsi
// CHECK-NEXT:            arith.cmpi sge
// CHECK-NEXT:            arith.cmpi slt
// CHECK-NEXT:            %[[HIN:.*]] = arith.andi
// CHECK-NEXT:            %{{.*}}, %{{.*}} = loop.for %[[KW:.*]] = {{.*}} iter_args(%[[A0:.*]] = %{{.*}}, %[[A1:.*]] = %{{.*}}) -> (f32, f32) {
// CHECK-NEXT:              %[[X0I:.*]] = arith.addi %[[W0]], %[[KW]]
// CHECK-NEXT:              %[[X1I:.*]] = arith.addi %[[W1]], %[[KW]]
// CHECK-NEXT:              %[[X0:.*]] = loop.load %x[%[[C0]], %[[CI]], %[[HS]], %[[X0I]]]
// CHECK-NEXT:              %[[X1:.*]] = loop.load %x[%[[C0]], %[[CI]], %[[HS]], %[[X1I]]]
// CHECK-NEXT:              %[[XP0:.*]] = arith.select %[[HIN]], %[[X0]], %{{.*}} : f32
// CHECK-NEXT:              %[[XP1:.*]] = arith.select %[[HIN]], %[[X1]], %{{.*}} : f32
// CHECK-NEXT:              %[[WV:.*]] = loop.load %w[%[[CO]], %[[CI]], %[[KH]], %[[KW]]] : memref<3x2x3x3xf32>
// CHECK-NEXT:              %[[P0:.*]] = arith.mulf %[[XP0]], %[[WV]] fastmath<contract> : f32
// CHECK-NEXT:              %[[P1:.*]] = arith.mulf %[[XP1]], %[[WV]] fastmath<contract> : f32
// CHECK-NEXT:              %[[N0:.*]] = arith.addf %[[A0]], %[[P0]] fastmath<contract> : f32
// CHECK-NEXT:              %[[N1:.*]] = arith.addf %[[A1]], %[[P1]] fastmath<contract> : f32
// CHECK-NEXT:              loop.yield %[[N0]], %[[N1]] : f32, f32
// CHECK:             %[[E0:.*]] = arith.addf %[[S0]], %[[BIAS]] : f32
// CHECK-NEXT:        %[[E1:.*]] = arith.addf %[[S1]], %[[BIAS]] : f32
// CHECK-NEXT:        %[[R0:.*]] = arith.maximumf %[[E0]], %{{.*}} : f32
// CHECK-NEXT:        %[[R1:.*]] = arith.maximumf %[[E1]], %{{.*}} : f32
// CHECK-NEXT:        loop.store %[[R0]], %out[%[[C0]], %[[CO]], %[[OH]], %[[OW]]] : memref<1x3x3x6xf32>
// CHECK-NEXT:        loop.store %[[R1]], %out[%[[C0]], %[[CO]], %[[OH]], %[[OW1]]] : memref<1x3x3x6xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:    loop.for %[[OH5:.*]] = {{.*}} {
// CHECK:           loop.store %{{.*}}, %out[%[[C0]], %[[CO]], %[[OH5]], %[[C5]]] : memref<1x3x3x6xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:  }
// CHECK-NEXT:  func.return
// LLVM: define internal void @conv_k0_conv2d_relu(
// LLVM:   %{{.*}}.next = add nsw i64 %{{.*}}, 2
func.func @conv(%x: tensor<1x2x3x6xf32>, %w: tensor<3x2x3x3xf32>, %b: tensor<3xf32>) -> tensor<*xf32> {
  %0 = nn.conv2d %x, %w, %b strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 1 : (tensor<1x2x3x6xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<*xf32>
  %1 = nn.relu %0 : (tensor<*xf32>) -> tensor<*xf32>
  func.return %1 : tensor<*xf32>
}
