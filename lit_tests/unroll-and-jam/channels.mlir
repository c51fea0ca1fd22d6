// A stride-2 conv: the output-width lanes would read every second input column,
// so the lanes become the output channels instead. The constant weight
// [M, C, kh, kw] is packed at compile time into [C, kh, kw, M] (a new global
// replaces it), so the 4 channels' weights lie side by side; the channel loop
// (the loop.parallel) steps by 4, and the width loop then steps by 2 around
// them: each input load is shared by the 4 channels, each weight load by the
// 2 columns. A row's 4 channel lanes stay together for the SLP vectorizer.
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,unroll-and-jam{factor=4 outer-factor=2 vectors=false}' --split-input-file | filecheck %s

// CHECK:       "memref.global"() <{sym_name = "conv_const0_packed", type = memref<2x2x2x4xf32>
// CHECK-NOT:   sym_name = "conv_const0"
// CHECK-LABEL: func.func private @conv_k0_conv2d
// CHECK-SAME:    (%x: memref<1x2x9x9xf32>, %w: memref<2x2x2x4xf32>, %out: memref<1x4x4x4xf32>)
// CHECK:         loop.parallel %[[M:.*]] = %{{.*}} to %{{.*}} step %[[C4:.*]] {
// CHECK-NEXT:      %[[M1:.*]] = arith.addi %[[M]], %{{.*}} overflow<nsw,nuw> : index
// CHECK-NEXT:      %[[M2:.*]] = arith.addi %[[M]], %{{.*}} overflow<nsw,nuw> : index
// CHECK-NEXT:      %[[M3:.*]] = arith.addi %[[M]], %{{.*}} overflow<nsw,nuw> : index
// CHECK-NEXT:      loop.for %[[OH:.*]] = {{.*}} {
// CHECK:             loop.for %[[OW:.*]] = %{{.*}} to %{{.*}} step %[[C2:.*]] {
// CHECK:                   %[[KW:.*]] = loop.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32) {
// CHECK:                     %[[X0:.*]] = loop.load %x[
// CHECK-NEXT:                %[[X1:.*]] = loop.load %x[
// CHECK-NEXT:                %[[W0:.*]] = loop.load %w[%{{.*}}, %{{.*}}, %{{.*}}, %[[M]]] : memref<2x2x2x4xf32>
// CHECK-NEXT:                %[[W1:.*]] = loop.load %w[%{{.*}}, %{{.*}}, %{{.*}}, %[[M1]]] : memref<2x2x2x4xf32>
// CHECK-NEXT:                %[[W2:.*]] = loop.load %w[%{{.*}}, %{{.*}}, %{{.*}}, %[[M2]]] : memref<2x2x2x4xf32>
// CHECK-NEXT:                %[[W3:.*]] = loop.load %w[%{{.*}}, %{{.*}}, %{{.*}}, %[[M3]]] : memref<2x2x2x4xf32>
// CHECK-NEXT:                arith.mulf %[[X0]], %[[W0]]
// CHECK-NEXT:                arith.mulf %[[X0]], %[[W1]]
// CHECK-NEXT:                arith.mulf %[[X0]], %[[W2]]
// CHECK-NEXT:                arith.mulf %[[X0]], %[[W3]]
// CHECK-NEXT:                arith.mulf %[[X1]], %[[W0]]
// CHECK:                 loop.store %{{.*}}, %out[%{{.*}}, %[[M]], %[[OH]], %[[OW]]]
// CHECK-NEXT:            loop.store %{{.*}}, %out[%{{.*}}, %[[M1]], %[[OH]], %[[OW]]]
// CHECK-LABEL: func.func @conv
// CHECK:         %[[PACKED:.*]] = memref.get_global @conv_const0_packed : memref<2x2x2x4xf32>
// CHECK-NEXT:    func.call @conv_k0_conv2d(%x, %[[PACKED]], %result)
func.func @conv(%x: tensor<1x2x9x9xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<[[[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]], [[[9.0, 10.0], [11.0, 12.0]], [[13.0, 14.0], [15.0, 16.0]]], [[[17.0, 18.0], [19.0, 20.0]], [[21.0, 22.0], [23.0, 24.0]]], [[[25.0, 26.0], [27.0, 28.0]], [[29.0, 30.0], [31.0, 32.0]]]]> : tensor<4x2x2x2xf32>
  %0 = nn.conv2d %x, %w strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x2x9x9xf32>, tensor<4x2x2x2xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// The weight is an input, not a constant: it cannot be packed, and the strided
// loops are left as they are.
// CHECK-LABEL: func.func private @conv_input_weight_k0_conv2d
// CHECK-NOT:     overflow<nsw,nuw>
// CHECK-LABEL: func.func @conv_input_weight
func.func @conv_input_weight(%x: tensor<1x2x9x9xf32>, %w: tensor<4x2x2x2xf32>) -> tensor<*xf32> {
  %0 = nn.conv2d %x, %w strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x2x9x9xf32>, tensor<4x2x2x2xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// Two convs share one weight: it is packed once, both kernels read the packed
// global, and the original goes.
// CHECK:       sym_name = "shared_const0_packed"
// CHECK-NOT:   sym_name = "shared_const0"
// CHECK-LABEL: func.func @shared
// CHECK:         %[[P0:.*]] = memref.get_global @shared_const0_packed
// CHECK-NEXT:    func.call @shared_k0_conv2d(%x, %[[P0]], %{{.*}})
// CHECK:         %[[P1:.*]] = memref.get_global @shared_const0_packed
// CHECK-NEXT:    func.call @shared_k1_conv2d(%y, %[[P1]], %{{.*}})
func.func @shared(%x: tensor<1x2x9x9xf32>, %y: tensor<1x2x9x9xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %w = nn.constant dense<[[[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]], [[[9.0, 10.0], [11.0, 12.0]], [[13.0, 14.0], [15.0, 16.0]]], [[[17.0, 18.0], [19.0, 20.0]], [[21.0, 22.0], [23.0, 24.0]]], [[[25.0, 26.0], [27.0, 28.0]], [[29.0, 30.0], [31.0, 32.0]]]]> : tensor<4x2x2x2xf32>
  %0 = nn.conv2d %x, %w strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x2x9x9xf32>, tensor<4x2x2x2xf32>) -> tensor<*xf32>
  %1 = nn.conv2d %y, %w strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x2x9x9xf32>, tensor<4x2x2x2xf32>) -> tensor<*xf32>
  func.return %0, %1 : tensor<*xf32>, tensor<*xf32>
}
