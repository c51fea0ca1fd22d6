// A conv whose reduction is short (at most 4 x factor steps: a 1x1 conv's input
// channels) over an image of at least 16 x factor elements takes the image's
// columns as its lanes: its single-iteration kh and kw loops are inlined, its rows
// and columns collapsed into one loop (vector loads and stores along the whole
// image), and its output channels are the outer lanes. With the channels as
// lanes, each output vector would be stored a lane at a time.
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,unroll-and-jam{factor=4 outer-factor=2}' --split-input-file | filecheck %s
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,unroll-and-jam{factor=4 outer-factor=2}' --split-input-file --print-large-constants | opt-fuse --split-input-file | filecheck %s

// 4 input channels over 8x8 = 64 elements (16 x 4): columns.
// CHECK-LABEL: func.func private @short_k0_conv2d
// CHECK-DAG:     %[[C64:.*]] = arith.constant 64 : index
// CHECK:         loop.parallel %[[M:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:           loop.for %[[I:.*]] = %{{.*}} to %[[C64]] step %{{.*}} {
// CHECK-NEXT:        %[[ROW:.*]] = arith.divui %[[I]], %{{.*}} : index
// CHECK-NEXT:        %{{.*}} = arith.muli %[[ROW]], %{{.*}} overflow<nsw,nuw> : index
// CHECK-NEXT:        %[[COL:.*]] = arith.subi %[[I]], %{{.*}} overflow<nsw,nuw> : index
// CHECK:             loop.for %[[C:.*]] = {{.*}} iter_args(
// CHECK-NEXT:          loop.vector_load %x[%{{.*}}, %[[C]], %[[ROW]], %[[COL]]] : memref<1x4x8x8xf32>, vector<4xf32>
// CHECK-NEXT:          loop.load %w[%[[M]], %[[C]], %{{.*}}, %{{.*}}] : memref<8x4x1x1xf32>
// CHECK-NOT:       vector.extract
// CHECK:           loop.vector_store %{{.*}}, %out[%{{.*}}, %[[M]], %[[ROW]], %[[COL]]] : memref<1x8x8x8xf32>, vector<4xf32>
func.func @short(%x: tensor<1x4x8x8xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<[[[[-1.25]], [[-0.50]], [[0.25]], [[1.00]]], [[[0.50]], [[1.25]], [[-0.75]], [[0.00]]], [[[-0.50]], [[0.25]], [[1.00]], [[-1.00]]], [[[1.25]], [[-0.75]], [[0.00]], [[0.75]]], [[[0.25]], [[1.00]], [[-1.00]], [[-0.25]]], [[[-0.75]], [[0.00]], [[0.75]], [[-1.25]]], [[[1.00]], [[-1.00]], [[-0.25]], [[0.50]]], [[[0.00]], [[0.75]], [[-1.25]], [[-0.50]]]]> : tensor<8x4x1x1xf32>
  %0 = nn.conv2d %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x4x8x8xf32>, tensor<8x4x1x1xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// 20 input channels (more than 4 x 4 steps): the channels keep the lanes.
// CHECK-LABEL: func.func private @long_k0_conv2d
// CHECK-NOT:     arith.divui
// CHECK:         loop.vector_load %w[{{.*}}] : memref<2x20x1x1x4xf32>, vector<4xf32>
// CHECK:         vector.extract
// CHECK:         loop.store
func.func @long(%x: tensor<1x20x8x8xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<[[[[-1.25]], [[-0.50]], [[0.25]], [[1.00]], [[-1.00]], [[-0.25]], [[0.50]], [[1.25]], [[-0.75]], [[0.00]], [[0.75]], [[-1.25]], [[-0.50]], [[0.25]], [[1.00]], [[-1.00]], [[-0.25]], [[0.50]], [[1.25]], [[-0.75]]], [[[0.50]], [[1.25]], [[-0.75]], [[0.00]], [[0.75]], [[-1.25]], [[-0.50]], [[0.25]], [[1.00]], [[-1.00]], [[-0.25]], [[0.50]], [[1.25]], [[-0.75]], [[0.00]], [[0.75]], [[-1.25]], [[-0.50]], [[0.25]], [[1.00]]], [[[-0.50]], [[0.25]], [[1.00]], [[-1.00]], [[-0.25]], [[0.50]], [[1.25]], [[-0.75]], [[0.00]], [[0.75]], [[-1.25]], [[-0.50]], [[0.25]], [[1.00]], [[-1.00]], [[-0.25]], [[0.50]], [[1.25]], [[-0.75]], [[0.00]]], [[[1.25]], [[-0.75]], [[0.00]], [[0.75]], [[-1.25]], [[-0.50]], [[0.25]], [[1.00]], [[-1.00]], [[-0.25]], [[0.50]], [[1.25]], [[-0.75]], [[0.00]], [[0.75]], [[-1.25]], [[-0.50]], [[0.25]], [[1.00]], [[-1.00]]], [[[0.25]], [[1.00]], [[-1.00]], [[-0.25]], [[0.50]], [[1.25]], [[-0.75]], [[0.00]], [[0.75]], [[-1.25]], [[-0.50]], [[0.25]], [[1.00]], [[-1.00]], [[-0.25]], [[0.50]], [[1.25]], [[-0.75]], [[0.00]], [[0.75]]], [[[-0.75]], [[0.00]], [[0.75]], [[-1.25]], [[-0.50]], [[0.25]], [[1.00]], [[-1.00]], [[-0.25]], [[0.50]], [[1.25]], [[-0.75]], [[0.00]], [[0.75]], [[-1.25]], [[-0.50]], [[0.25]], [[1.00]], [[-1.00]], [[-0.25]]], [[[1.00]], [[-1.00]], [[-0.25]], [[0.50]], [[1.25]], [[-0.75]], [[0.00]], [[0.75]], [[-1.25]], [[-0.50]], [[0.25]], [[1.00]], [[-1.00]], [[-0.25]], [[0.50]], [[1.25]], [[-0.75]], [[0.00]], [[0.75]], [[-1.25]]], [[[0.00]], [[0.75]], [[-1.25]], [[-0.50]], [[0.25]], [[1.00]], [[-1.00]], [[-0.25]], [[0.50]], [[1.25]], [[-0.75]], [[0.00]], [[0.75]], [[-1.25]], [[-0.50]], [[0.25]], [[1.00]], [[-1.00]], [[-0.25]], [[0.50]]]]> : tensor<8x20x1x1xf32>
  %0 = nn.conv2d %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x20x8x8xf32>, tensor<8x20x1x1xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// A 4x4 image (16 elements, under 16 x 4): the channels keep the lanes.
// CHECK-LABEL: func.func private @small_k0_conv2d
// CHECK-NOT:     arith.divui
// CHECK:         loop.vector_load %w[{{.*}}] : memref<2x4x1x1x4xf32>, vector<4xf32>
func.func @small(%x: tensor<1x4x4x4xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<[[[[-1.25]], [[-0.50]], [[0.25]], [[1.00]]], [[[0.50]], [[1.25]], [[-0.75]], [[0.00]]], [[[-0.50]], [[0.25]], [[1.00]], [[-1.00]]], [[[1.25]], [[-0.75]], [[0.00]], [[0.75]]], [[[0.25]], [[1.00]], [[-1.00]], [[-0.25]]], [[[-0.75]], [[0.00]], [[0.75]], [[-1.25]]], [[[1.00]], [[-1.00]], [[-0.25]], [[0.50]]], [[[0.00]], [[0.75]], [[-1.25]], [[-0.50]]]]> : tensor<8x4x1x1xf32>
  %0 = nn.conv2d %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x4x4x4xf32>, tensor<8x4x1x1xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
