// unroll-and-jam on convs whose weight is one value (onnx's light models ship such
// weights; lower-to-loops inlines them): every output channel sums the same terms, so
// the channels' lanes "sum alike", and jamming them costs the work of one channel,
// stored to each. The accumulators then come from another loop.
// RUN: opt-fuse %s -p 'lower-to-loops,unroll-and-jam{factor=8 outer-factor=2 outer-factor-flat=2}' | filecheck %s

// Fewer channels than lanes: the columns are the vector lanes, and the channels, the loop
// that shares the most loads, are jammed by outer-factor, one accumulator for both. The rows
// inside then take the outer lanes too: two independent chains, each stored to both channels.
// CHECK-LABEL: func.func private @rows_k0_conv2d
// CHECK:         loop.parallel %[[M:[0-9]+]] = %{{.*}} to %{{.*}} step %[[C2:[^ ]*]] {
// CHECK-NEXT:      %[[M1:[0-9]+]] = arith.addi %[[M]]
// CHECK-NEXT:      loop.for %[[H:[0-9]+]] = %{{.*}} to %{{.*}} step %[[C2]] {
// CHECK-NEXT:        %[[H1:[0-9]+]] = arith.addi %[[H]]
// CHECK-NEXT:        loop.for %[[W:[0-9]+]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:               %[[S0:[0-9]+]], %[[S1:[0-9]+]] = loop.for %[[C:[0-9]+]] = {{.*}} -> (vector<8xf32>, vector<8xf32>) {
// CHECK-NEXT:            loop.vector_load %x[%{{.*}}, %[[C]], %[[H]], %[[W]]]
// CHECK-NEXT:            loop.vector_load %x[%{{.*}}, %[[C]], %[[H1]], %[[W]]]
// CHECK-NOT:             loop.vector_load
// CHECK:                 loop.yield
// CHECK-NEXT:          }
// CHECK-NEXT:          loop.vector_store %[[S0]], %out[%{{.*}}, %[[M]], %[[H]], %[[W]]]
// CHECK-NEXT:          loop.vector_store %[[S0]], %out[%{{.*}}, %[[M1]], %[[H]], %[[W]]]
// CHECK-NEXT:          loop.vector_store %[[S1]], %out[%{{.*}}, %[[M]], %[[H1]], %[[W]]]
// CHECK-NEXT:          loop.vector_store %[[S1]], %out[%{{.*}}, %[[M1]], %[[H1]], %[[W]]]
func.func @rows(%x: tensor<1x8x4x8xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<0.5> : tensor<4x8x1x1xf32>
  %0 = nn.conv2d %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x8x4x8xf32>, tensor<4x8x1x1xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// As many channels as lanes, with a stride: the channels are the lanes (there is no weight
// to pack), all computed once; the columns take the outer lanes, two scalar chains, each
// stored to the 8 channels.
// CHECK-LABEL: func.func private @channels_k0_conv2d
// CHECK:         loop.parallel %[[M:[0-9]+]] = %{{.*}} to %{{.*}} step %[[C8:[^ ]*]] {
// CHECK-COUNT-7:   arith.addi %[[M]]
// CHECK-NEXT:      loop.for %[[H:[0-9]+]] =
// CHECK:             loop.for %[[W:[0-9]+]] = %{{.*}} to %{{.*}} step %[[C2:[^ ]*]] {
// CHECK:               %[[S0:[0-9]+]], %[[S1:[0-9]+]] = loop.for {{.*}} -> (f32, f32) {
// CHECK-COUNT-2:         loop.load %x
// CHECK-NOT:             loop.load
// CHECK:                 loop.yield
// CHECK-NEXT:          }
// CHECK-COUNT-8:       loop.store %[[S0]], %out
// CHECK-COUNT-8:       loop.store %[[S1]], %out
func.func @channels(%x: tensor<1x8x4x8xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<0.5> : tensor<8x8x1x1xf32>
  %0 = nn.conv2d %x, %w strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x8x4x8xf32>, tensor<8x8x1x1xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
