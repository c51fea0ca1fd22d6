// fuse on elementwise and broadcast chains: any length becomes one nn.fused
// group; a producer read twice (a diamond) is computed once inside it.
// RUN: opt-fuse %s -p fuse | filecheck %s
// The groups print and parse back unchanged.
// RUN: opt-fuse %s -p fuse | opt-fuse | filecheck %s

// CHECK-LABEL: func.func @mul_add_relu
// CHECK-NEXT:    %r = nn.fused anchor "nn.mul" kind "broadcast" (%{{.*}} = %x : tensor<2x3xf32>, %{{.*}} = %w : tensor<3xf32>) -> tensor<2x3xf32> {
// CHECK-NEXT:      %m = nn.mul
// CHECK-NEXT:      %a = nn.add
// CHECK-NEXT:      %{{.*}} = nn.relu %a
// CHECK-NEXT:      nn.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %r
func.func @mul_add_relu(%x: tensor<2x3xf32>, %w: tensor<3xf32>) -> tensor<*xf32> {
  %m = nn.mul %x, %w : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<*xf32>
  %a = nn.add %m, %x : (tensor<*xf32>, tensor<2x3xf32>) -> tensor<*xf32>
  %r = nn.relu %a : (tensor<*xf32>) -> tensor<*xf32>
  func.return %r : tensor<*xf32>
}

// Ten ops with broadcasting of per-channel and scalar operands: one group. The
// splat constant is copied into the body, so the group reads only its arguments.
// CHECK-LABEL: func.func @ten_op_chain
// CHECK-NEXT:    nn.constant
// CHECK-NEXT:    %{{.*}} = nn.fused anchor "nn.mul" kind "broadcast" (%{{.*}} = %x : tensor<1x8x5x5xf32>, %{{.*}} = %s : tensor<8x1x1xf32>, %{{.*}} = %b : tensor<8x1x1xf32>) -> tensor<1x8x5x5xf32> {
// CHECK-NEXT:      nn.constant dense<5.000000e-01> : tensor<f32>
// CHECK-NEXT:      nn.mul
// CHECK-NEXT:      nn.add
// CHECK-NEXT:      nn.relu
// CHECK-NEXT:      nn.mul
// CHECK-NEXT:      nn.sigmoid
// CHECK-NEXT:      nn.sub
// CHECK-NEXT:      nn.tanh
// CHECK-NEXT:      nn.add
// CHECK-NEXT:      nn.clip
// CHECK-NEXT:      nn.neg
// CHECK-NEXT:      nn.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return
func.func @ten_op_chain(%x: tensor<1x8x5x5xf32>, %s: tensor<8x1x1xf32>, %b: tensor<8x1x1xf32>) -> tensor<*xf32> {
  %half = nn.constant dense<0.5> : tensor<f32>
  %0 = nn.mul %x, %s : (tensor<1x8x5x5xf32>, tensor<8x1x1xf32>) -> tensor<*xf32>
  %1 = nn.add %0, %b : (tensor<*xf32>, tensor<8x1x1xf32>) -> tensor<*xf32>
  %2 = nn.relu %1 : (tensor<*xf32>) -> tensor<*xf32>
  %3 = nn.mul %2, %half : (tensor<*xf32>, tensor<f32>) -> tensor<*xf32>
  %4 = nn.sigmoid %3 : (tensor<*xf32>) -> tensor<*xf32>
  %5 = nn.sub %4, %x : (tensor<*xf32>, tensor<1x8x5x5xf32>) -> tensor<*xf32>
  %6 = nn.tanh %5 : (tensor<*xf32>) -> tensor<*xf32>
  %7 = nn.add %6, %2 : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  %8 = nn.clip %7 min -1.0 max 1.0 : (tensor<*xf32>) -> tensor<*xf32>
  %9 = nn.neg %8 : (tensor<*xf32>) -> tensor<*xf32>
  func.return %9 : tensor<*xf32>
}

// A diamond: one producer, two consumers, joined again. All four ops in one group.
// CHECK-LABEL: func.func @diamond
// CHECK-NEXT:    %j = nn.fused anchor "nn.add" kind "broadcast" (%{{.*}} = %x : tensor<4x4xf32>) -> tensor<4x4xf32> {
// CHECK-NEXT:      %p = nn.sigmoid
// CHECK-NEXT:      %l = nn.relu %p
// CHECK-NEXT:      %r = nn.tanh %p
// CHECK-NEXT:      %{{.*}} = nn.add %l, %r
// CHECK-NEXT:      nn.yield
func.func @diamond(%x: tensor<4x4xf32>) -> tensor<*xf32> {
  %p = nn.sigmoid %x : (tensor<4x4xf32>) -> tensor<*xf32>
  %l = nn.relu %p : (tensor<*xf32>) -> tensor<*xf32>
  %r = nn.tanh %p : (tensor<*xf32>) -> tensor<*xf32>
  %j = nn.add %l, %r : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  func.return %j : tensor<*xf32>
}

// A producer also returned by the function becomes a second result of the group.
// CHECK-LABEL: func.func @extra_output
// CHECK-NEXT:    %{{.*}}, %{{.*}} = nn.fused anchor "nn.exp" kind "elementwise" (%{{.*}} = %x : tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
// CHECK:           nn.yield %{{.*}}, %{{.*}} : tensor<4xf32>, tensor<4xf32>
func.func @extra_output(%x: tensor<4xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %e = nn.exp %x : (tensor<4xf32>) -> tensor<*xf32>
  %n = nn.neg %e : (tensor<*xf32>) -> tensor<*xf32>
  func.return %e, %n : tensor<*xf32>, tensor<*xf32>
}
