// Grouped convs: output channel m reads the input channels of its group,
// m // (M / groups). Channel lanes can share that input element only when every
// lane is in the same group.
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,unroll-and-jam{factor=4 outer-factor=1}' --split-input-file | filecheck %s
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,unroll-and-jam{factor=4 outer-factor=1}' --split-input-file | opt-fuse --split-input-file | filecheck %s

// 4 channels a group, 4 lanes: the channel loop starts at a multiple of 4 and
// steps by 4, so the lanes share their group (the quotient is computed once,
// from lane 0's channel) and the input element is broadcast.
// CHECK-LABEL: func.func private @aligned_k0_conv2d
// CHECK:         loop.parallel %[[M:.*]] = %{{.*}} to %{{.*}} step %[[C4:[^ ]*]] {
// CHECK:           %[[GROUP:.*]] = arith.divui %[[M]], %[[C4]] : index
// CHECK-NOT:       arith.divui
// CHECK:           %[[C:.*]] = arith.addi %[[GROUP]], %{{.*}} : index
// CHECK:           %[[X:.*]] = loop.load %x[%{{.*}}, %[[C]], %{{.*}}, %{{.*}}] : memref<1x2x3x3xf32>
// CHECK:           %[[W:.*]] = loop.vector_load %w[{{.*}}] : memref<2x1x1x1x4xf32>, vector<4xf32>
// CHECK-NEXT:      %[[XV:.*]] = vector.broadcast %[[X]] : f32 to vector<4xf32>
// CHECK-NEXT:      arith.mulf %[[XV]], %[[W]] fastmath<contract> : vector<4xf32>
func.func @aligned(%x: tensor<1x2x3x3xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<[[[[1.0]]], [[[2.0]]], [[[3.0]]], [[[4.0]]], [[[5.0]]], [[[6.0]]], [[[7.0]]], [[[8.0]]]]> : tensor<8x1x1x1xf32>
  %0 = nn.conv2d %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 2 : (tensor<1x2x3x3xf32>, tensor<8x1x1x1xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// 6 channels a group, 4 lanes would straddle two groups: the channel loop is
// split at the group, a loop over the 2 groups around a loop over a group's 6
// channels, which is jammed as 4 + 2 lanes. The quotient is the group index.
// CHECK-LABEL: func.func private @split_k0_conv2d
// CHECK-NOT:     arith.divui
// CHECK:         loop.parallel %[[G:.*]] = %{{.*}} to %[[C2:[^ ]*]] step %[[C1:[^ ]*]] {
// CHECK-NEXT:      %[[BASE:.*]] = arith.muli %[[G]], %[[C6:[^ ]*]] overflow<nsw,nuw> : index
// CHECK-NEXT:      loop.for %[[MM:.*]] = %{{.*}} to %[[C4:[^ ]*]] step %[[C4]] {
// CHECK:             %[[M:.*]] = arith.addi %[[BASE]], %[[MM]] overflow<nsw,nuw> : index
// CHECK:             %[[C:.*]] = arith.addi %[[G]], %{{.*}} : index
// CHECK:             %[[X:.*]] = loop.load %x[%{{.*}}, %[[C]], %{{.*}}, %{{.*}}] : memref<1x2x3x3xf32>
// CHECK-NEXT:        loop.vector_load %w[%{{.*}}, %{{.*}}, %{{.*}}, %[[M]]] : memref<1x1x1x12xf32>, vector<4xf32>
// CHECK-NEXT:        vector.broadcast %[[X]] : f32 to vector<4xf32>
// CHECK:           loop.for %{{.*}} = %[[C4]] to %[[C6]] step %[[C2]] {
// CHECK:             loop.vector_load %w[{{.*}}] : memref<1x1x1x12xf32>, vector<2xf32>
// CHECK-NOT:     arith.divui
// CHECK-LABEL: func.func @split
func.func @split(%x: tensor<1x2x3x3xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<[[[[1.0]]], [[[2.0]]], [[[3.0]]], [[[4.0]]], [[[5.0]]], [[[6.0]]], [[[7.0]]], [[[8.0]]], [[[9.0]]], [[[10.0]]], [[[11.0]]], [[[12.0]]]]> : tensor<12x1x1x1xf32>
  %0 = nn.conv2d %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 2 : (tensor<1x2x3x3xf32>, tensor<12x1x1x1xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
