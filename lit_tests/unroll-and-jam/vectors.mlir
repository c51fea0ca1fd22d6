// unroll-and-jam with vectors (the default): the lanes of the jammed loop are
// the elements of vectors. Loads and stores of side-by-side lanes are vector
// loads and stores at lane 0's index; a value the same in every lane is
// broadcast; elementwise ops and the accumulators are vectors, compares and
// selects the loop dialect's vector ops; what cannot be an op on vectors (index
// math, a strided load) is computed lane by lane, with vector.extract and
// vector.insert between the two forms.
// RUN: opt-fuse %s -p 'shape-infer,fuse,lower-to-loops,unroll-and-jam{factor=4 outer-factor=2}' --split-input-file --print-large-constants | filecheck %s
// RUN: opt-fuse %s -p 'shape-infer,fuse,lower-to-loops,unroll-and-jam{factor=4 outer-factor=1}' --split-input-file | filecheck %s --check-prefix=ONE
// The printed result parses back and verifies.
// RUN: opt-fuse %s -p 'shape-infer,fuse,lower-to-loops,unroll-and-jam{factor=4 outer-factor=2}' --split-input-file --print-large-constants | opt-fuse --split-input-file --print-large-constants | filecheck %s

// N = 10: 8 columns as two vector<4xf32>, then the remainder as one vector<2xf32>;
// the rows (outer-factor 2) share each vector load of b.
// CHECK-LABEL: func.func private @matmul_k0_matmul
// CHECK:         loop.parallel %[[I:.*]] = %{{.*}} to %{{.*}} step %[[C2:[^ ]*]] {
// CHECK-NEXT:      %[[I1:.*]] = arith.addi %[[I]], %{{.*}} overflow<nsw,nuw> : index
// CHECK-NEXT:      loop.for %[[J:.*]] = %{{.*}} to %[[C8:[^ ]*]] step %[[C4:[^ ]*]] {
// CHECK-NEXT:        %[[ZERO:.*]] = vector.broadcast %{{.*}} : f32 to vector<4xf32>
// CHECK-NEXT:        %[[S0:.*]], %[[S1:.*]] = loop.for %[[K:.*]] = {{.*}} iter_args(%[[A0:.*]] = %[[ZERO]], %[[A1:.*]] = %[[ZERO]]) -> (vector<4xf32>, vector<4xf32>) {
// CHECK-NEXT:          %[[X0:.*]] = loop.load %a[%[[I]], %[[K]]] : memref<2x3xf32>
// CHECK-NEXT:          %[[X1:.*]] = loop.load %a[%[[I1]], %[[K]]] : memref<2x3xf32>
// CHECK-NEXT:          %[[B:.*]] = loop.vector_load %b[%[[K]], %[[J]]] : memref<3x10xf32>, vector<4xf32>
// CHECK-NEXT:          %[[V0:.*]] = vector.broadcast %[[X0]] : f32 to vector<4xf32>
// CHECK-NEXT:          %[[V1:.*]] = vector.broadcast %[[X1]] : f32 to vector<4xf32>
// CHECK-NEXT:          %[[P0:.*]] = arith.mulf %[[V0]], %[[B]] fastmath<contract> : vector<4xf32>
// CHECK-NEXT:          %[[P1:.*]] = arith.mulf %[[V1]], %[[B]] fastmath<contract> : vector<4xf32>
// CHECK-NEXT:          %[[N0:.*]] = arith.addf %[[A0]], %[[P0]] fastmath<contract> : vector<4xf32>
// CHECK-NEXT:          %[[N1:.*]] = arith.addf %[[A1]], %[[P1]] fastmath<contract> : vector<4xf32>
// CHECK-NEXT:          loop.yield %[[N0]], %[[N1]] : vector<4xf32>, vector<4xf32>
// CHECK-NEXT:        }
// CHECK-NEXT:        loop.vector_store %[[S0]], %out[%[[I]], %[[J]]] : memref<2x10xf32>, vector<4xf32>
// CHECK-NEXT:        loop.vector_store %[[S1]], %out[%[[I1]], %[[J]]] : memref<2x10xf32>, vector<4xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      loop.for %[[R:.*]] = %[[C8]] to %{{.*}} step %[[C2]] {
// CHECK:             loop.vector_load %b[%{{.*}}, %[[R]]] : memref<3x10xf32>, vector<2xf32>
// CHECK:           loop.vector_store %{{.*}}, %out[%[[I]], %[[R]]] : memref<2x10xf32>, vector<2xf32>
// CHECK-NEXT:      loop.vector_store %{{.*}}, %out[%[[I1]], %[[R]]] : memref<2x10xf32>, vector<2xf32>
// CHECK-LABEL: func.func @matmul
func.func @matmul(%a: tensor<2x3xf32>, %b: tensor<3x10xf32>) -> tensor<*xf32> {
  %0 = nn.matmul %a, %b : (tensor<2x3xf32>, tensor<3x10xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// A fused LeakyRelu (outer-factor=1, so that one row reads in order): its compare
// and select are the loop dialect's lane-by-lane vector ops (xDSL's arith.cmpf and
// arith.select take scalars), its multiply an op on the vector.
// ONE-LABEL: func.func private @leaky_k0_matmul_leaky_relu
// ONE:         %[[ZERO:.*]] = vector.broadcast %{{.*}} : f32 to vector<4xf32>
// ONE-NEXT:    %[[S:.*]] = loop.for
// ONE:         loop.yield %{{.*}} : vector<4xf32>
// ONE-NEXT:  }
// ONE-NEXT:  %[[C:.*]] = loop.vector_cmpf "oge", %[[S]], %[[ZERO]] : vector<4xf32> to vector<4xi1>
// ONE-NEXT:  %[[ALPHA:.*]] = vector.broadcast %{{.*}} : f32 to vector<4xf32>
// ONE-NEXT:  %[[M:.*]] = arith.mulf %[[S]], %[[ALPHA]] : vector<4xf32>
// ONE-NEXT:  %[[L:.*]] = loop.vector_select %[[C]], %[[S]], %[[M]] : vector<4xi1>, vector<4xf32>
// ONE-NEXT:  loop.vector_store %[[L]], %out[%{{.*}}, %{{.*}}] : memref<2x4xf32>, vector<4xf32>
func.func @leaky(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<*xf32> {
  %0 = nn.matmul %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<*xf32>
  %1 = nn.leaky_relu %0 alpha 1.000000e-01 : (tensor<*xf32>) -> tensor<*xf32>
  func.return %1 : tensor<*xf32>
}

// -----

// A stride-2 conv's lanes are its output channels (the weight packed with the
// channels last): one vector load of 4 channels' weights, the input element
// broadcast, and each lane stored apart (the channels of an output column are
// a plane apart).
// CHECK-LABEL: func.func private @conv_k0_conv2d
// CHECK-SAME:    %w: memref<2x2x2x4xf32>
// CHECK:         loop.parallel %[[M:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:             %[[X0:.*]] = loop.load %x[{{.*}}] : memref<1x2x9x9xf32>
// CHECK-NEXT:        %[[X1:.*]] = loop.load %x[{{.*}}] : memref<1x2x9x9xf32>
// CHECK-NEXT:        %[[W:.*]] = loop.vector_load %w[%{{.*}}, %{{.*}}, %{{.*}}, %[[M]]] : memref<2x2x2x4xf32>, vector<4xf32>
// CHECK-NEXT:        %[[B0:.*]] = vector.broadcast %[[X0]] : f32 to vector<4xf32>
// CHECK-NEXT:        %[[B1:.*]] = vector.broadcast %[[X1]] : f32 to vector<4xf32>
// CHECK-NEXT:        arith.mulf %[[B0]], %[[W]] fastmath<contract> : vector<4xf32>
// CHECK-NEXT:        arith.mulf %[[B1]], %[[W]] fastmath<contract> : vector<4xf32>
// CHECK:         %[[E:.*]] = vector.extract %{{.*}}[0] : f32 from vector<4xf32>
// CHECK:         loop.store %[[E]], %out[%{{.*}}, %[[M]], %{{.*}}, %{{.*}}] : memref<1x4x4x4xf32>
// CHECK-NOT:     loop.vector_store
// CHECK-LABEL: func.func @conv
func.func @conv(%x: tensor<1x2x9x9xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<[[[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]], [[[9.0, 10.0], [11.0, 12.0]], [[13.0, 14.0], [15.0, 16.0]]], [[[17.0, 18.0], [19.0, 20.0]], [[21.0, 22.0], [23.0, 24.0]]], [[[25.0, 26.0], [27.0, 28.0]], [[29.0, 30.0], [31.0, 32.0]]]]> : tensor<4x2x2x2xf32>
  %0 = nn.conv2d %x, %w strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x2x9x9xf32>, tensor<4x2x2x2xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// 8 channels in lanes of 4: the packed weight [C, kh, kw, M] is blocked as
// [M / 4, C, kh, kw, 4], so that each group of 4 channels reads its weights
// in one contiguous stretch; the loads index the block by shift and mask.
// CHECK:       "memref.global"() <{sym_name = "conv8_const0_packed_b4", type = memref<2x1x2x2x4xf32>, initial_value = dense<{{\[\[\[\[\[}}1.000000e+00, 5.000000e+00, 9.000000e+00, 1.300000e+01], [2.000000e+00
// CHECK-LABEL: func.func private @conv8_k0_conv2d
// CHECK-SAME:    %w: memref<2x1x2x2x4xf32>
// CHECK-DAG:     %[[TWO:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[THREE:.*]] = arith.constant 3 : index
// CHECK:         loop.parallel %[[M:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:           %[[BLOCK:.*]] = arith.shrui %[[M]], %[[TWO]] : index
// CHECK-NEXT:      %[[LANE:.*]] = arith.andi %[[M]], %[[THREE]] : index
// CHECK-NEXT:      loop.vector_load %w[%[[BLOCK]], %{{.*}}, %{{.*}}, %{{.*}}, %[[LANE]]] : memref<2x1x2x2x4xf32>, vector<4xf32>
// CHECK-LABEL: func.func @conv8
// CHECK:         memref.get_global @conv8_const0_packed_b4 : memref<2x1x2x2x4xf32>
func.func @conv8(%x: tensor<1x1x5x5xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<[[[[1.0, 2.0], [3.0, 4.0]]], [[[5.0, 6.0], [7.0, 8.0]]], [[[9.0, 10.0], [11.0, 12.0]]], [[[13.0, 14.0], [15.0, 16.0]]], [[[17.0, 18.0], [19.0, 20.0]]], [[[21.0, 22.0], [23.0, 24.0]]], [[[25.0, 26.0], [27.0, 28.0]]], [[[29.0, 30.0], [31.0, 32.0]]]]> : tensor<8x1x2x2xf32>
  %0 = nn.conv2d %x, %w strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x1x5x5xf32>, tensor<8x1x2x2xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// 6 channels in lanes of 4: the blocks are padded with zeros to [2, C, kh, kw, 4];
// the last block holds channels 4 and 5, read by the remainder's vector<2xf32>.
// CHECK:       "memref.global"() <{sym_name = "conv6_const0_packed_b4", type = memref<2x1x2x2x4xf32>, initial_value = dense<{{\[\[\[\[\[}}1.000000e+00, 5.000000e+00, 9.000000e+00, 1.300000e+01], [2.000000e+00, 6.000000e+00, 1.000000e+01, 1.400000e+01]], {{\[\[}}3.000000e+00, 7.000000e+00, 1.100000e+01, 1.500000e+01], [4.000000e+00, 8.000000e+00, 1.200000e+01, 1.600000e+01]]]], {{\[\[\[\[}}1.700000e+01, 2.100000e+01, 0.000000e+00, 0.000000e+00]
// CHECK-LABEL: func.func private @conv6_k0_conv2d
// CHECK-SAME:    %w: memref<2x1x2x2x4xf32>
// CHECK:         loop.vector_load %w[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : memref<2x1x2x2x4xf32>, vector<4xf32>
// CHECK:         loop.vector_load %w[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : memref<2x1x2x2x4xf32>, vector<2xf32>
func.func @conv6(%x: tensor<1x1x5x5xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<[[[[1.0, 2.0], [3.0, 4.0]]], [[[5.0, 6.0], [7.0, 8.0]]], [[[9.0, 10.0], [11.0, 12.0]]], [[[13.0, 14.0], [15.0, 16.0]]], [[[17.0, 18.0], [19.0, 20.0]]], [[[21.0, 22.0], [23.0, 24.0]]]]> : tensor<6x1x2x2xf32>
  %0 = nn.conv2d %x, %w strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x1x5x5xf32>, tensor<6x1x2x2xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
