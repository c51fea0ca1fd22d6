// lower-to-loops on nn.fused groups: each group is ONE kernel. Pad -> Conv ->
// Mul -> ReLU reads the input through the pad's index map (a select on the
// in-bounds test, no padded buffer), and the epilogue runs on the accumulator
// right before the single store; the per-channel scale is loaded once per channel.
// RUN: opt-fuse %s -p 'fuse{max-recompute=3.0},lower-to-loops' | filecheck %s

// CHECK-LABEL: func.func private @pad_conv_relu_k0_pad_conv2d_mul_etc
// CHECK-SAME:    (%x: memref<1x2x4x4xf32>, %w: memref<3x2x3x3xf32>, %s: memref<3x1x1xf32>, %out: memref<1x3x4x4xf32>)
// CHECK-NOT:     loop.alloc
// CHECK:         loop.parallel %[[M:.*]] = {{.*}} {
// CHECK:           %[[SCALE:.*]] = loop.load %s[%[[M]], %{{.*}}, %{{.*}}] : memref<3x1x1xf32>
// CHECK:           %[[ACC:.*]] = loop.for {{.*}} iter_args
// CHECK:               %[[X:.*]] = loop.load %x
// CHECK-NEXT:          %[[PADDED:.*]] = arith.select %{{.*}}, %[[X]], %{{.*}} : f32
// CHECK-NEXT:          %[[W:.*]] = loop.load %w
// CHECK-NEXT:          arith.mulf %[[PADDED]], %[[W]]
// CHECK:           %[[SCALED:.*]] = arith.mulf %[[ACC]], %[[SCALE]] : f32
// CHECK-NEXT:      %[[RELU:.*]] = arith.maximumf %[[SCALED]], %{{.*}} : f32
// CHECK-NEXT:      loop.store %[[RELU]], %out
// CHECK-LABEL: func.func @pad_conv_relu
// CHECK-NOT:     loop.alloc
// CHECK:         func.call @pad_conv_relu_k0_pad_conv2d_mul_etc(%x, %w, %s, %result)
// CHECK-NEXT:    func.return
func.func @pad_conv_relu(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x3x3xf32>, %s: tensor<3x1x1xf32>) -> tensor<*xf32> {
  %p = nn.pad %x pads [0, 0, 1, 1, 0, 0, 1, 1] mode "constant" value 0.0 : (tensor<1x2x4x4xf32>) -> tensor<*xf32>
  %c = nn.conv2d %p, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<*xf32>, tensor<3x2x3x3xf32>) -> tensor<*xf32>
  %m = nn.mul %c, %s : (tensor<*xf32>, tensor<3x1x1xf32>) -> tensor<*xf32>
  %y = nn.relu %m : (tensor<*xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}

// A group with two results stores both from one loop nest; the second group reads
// the first one's extra output from its buffer.
// CHECK-LABEL: func.func private @two_outputs_k0_exp_neg
// CHECK-SAME:    (%x: memref<8xf32>, %out0: memref<8xf32>, %out1: memref<8xf32>)
// CHECK:         loop.parallel
// CHECK-NEXT:      %[[X:.*]] = loop.load %x
// CHECK-NEXT:      %[[E:.*]] = math.exp %[[X]]
// CHECK-NEXT:      loop.store %[[E]], %out0
// CHECK-NEXT:      %[[N:.*]] = arith.negf %[[E]]
// CHECK-NEXT:      loop.store %[[N]], %out1
// CHECK-LABEL: func.func @two_outputs
// CHECK-SAME:    (%x: memref<8xf32>, %result0: memref<8xf32>, %result1: memref<8xf32>)
// CHECK-NEXT:    func.call @two_outputs_k0_exp_neg(%x, %result0, %result1)
func.func @two_outputs(%x: tensor<8xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %e = nn.exp %x : (tensor<8xf32>) -> tensor<*xf32>
  %n = nn.neg %e : (tensor<*xf32>) -> tensor<*xf32>
  func.return %e, %n : tensor<*xf32>, tensor<*xf32>
}
