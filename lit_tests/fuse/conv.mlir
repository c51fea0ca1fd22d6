// fuse around out-elementwise-fusable ops (conv, matmul, pooling): elementwise
// and broadcast consumers become the epilogue; injective and elementwise
// producers are folded into the input reads; two heavy ops never share a group.
// RUN: opt-fuse %s -p fuse | filecheck %s
// RUN: opt-fuse %s -p 'fuse{report="-"}' 2>&1 >%t.ir | filecheck %s --check-prefix=REPORT
// RUN: opt-fuse %s -p 'fuse{max-recompute=3.0}' | filecheck %s --check-prefix=FOLD
// RUN: opt-fuse %s -p 'fuse{max-recompute=1.2}' | filecheck %s --check-prefix=APART

// Optimium's example: Add before the conv (pre-fusion), Mul and ReLU after it.
// CHECK-LABEL: func.func @add_conv_mul_relu
// CHECK-NEXT:    %y = nn.fused anchor "nn.conv2d" kind "out-elementwise-fusable"
// CHECK-NEXT:      %pre = nn.add
// CHECK-NEXT:      %c = nn.conv2d %pre
// CHECK-NEXT:      %s = nn.mul %c
// CHECK-NEXT:      nn.relu %s
// CHECK-NEXT:      nn.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %y
func.func @add_conv_mul_relu(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3x3xf32>, %a: tensor<4x1x1xf32>, %m: tensor<8x1x1xf32>) -> tensor<*xf32> {
  %pre = nn.add %x, %a : (tensor<1x4x8x8xf32>, tensor<4x1x1xf32>) -> tensor<*xf32>
  %c = nn.conv2d %pre, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 1 : (tensor<*xf32>, tensor<8x4x3x3xf32>) -> tensor<*xf32>
  %s = nn.mul %c, %m : (tensor<*xf32>, tensor<8x1x1xf32>) -> tensor<*xf32>
  %y = nn.relu %s : (tensor<*xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}

// Pad -> Conv: folded, the padding is read through the pad's index map and never
// copied; but today's conv loop then tests bounds once per multiply-add, about
// 2.9x the work of the conv on a padded copy, so the default refuses it (the
// measured example CNN runs 1.6x slower with it folded). max-recompute=3 folds it.
// CHECK-LABEL: func.func @pad_conv
// CHECK-NEXT:    %p = nn.pad
// CHECK-NEXT:    %y = nn.conv2d %p
// REPORT-LABEL: fuse @pad_conv
// REPORT-NEXT:    %p (nn.pad) -> %y (nn.conv2d): not fused [recompute] the fused kernel would do {{.*}}x the work of the two kernels (max-recompute=1.5)
// FOLD-LABEL: func.func @pad_conv
// FOLD-NEXT:    %y = nn.fused anchor "nn.conv2d" kind "out-elementwise-fusable" (%{{.*}} = %x : tensor<1x4x8x8xf32>, %{{.*}} = %w : tensor<8x4x3x3xf32>) -> tensor<1x8x8x8xf32> {
// FOLD-NEXT:      %p = nn.pad
// FOLD-NEXT:      nn.conv2d %p
func.func @pad_conv(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<*xf32> {
  %p = nn.pad %x pads [0, 0, 1, 1, 0, 0, 1, 1] mode "constant" value 0.0 : (tensor<1x4x8x8xf32>) -> tensor<*xf32>
  %y = nn.conv2d %p, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<*xf32>, tensor<8x4x3x3xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}

// Conv -> BatchNorm -> Clip without fold-batchnorm: the BN is a broadcast op, so
// it joins the epilogue with the clip.
// CHECK-LABEL: func.func @conv_bn_clip
// CHECK:         nn.fused anchor "nn.conv2d" kind "out-elementwise-fusable"
// CHECK-NEXT:      nn.conv2d
// CHECK-NEXT:      nn.batch_norm
// CHECK-NEXT:      nn.clip
// CHECK-NEXT:      nn.yield
func.func @conv_bn_clip(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x3x3xf32>, %p: tensor<3xf32>) -> tensor<*xf32> {
  %c = nn.conv2d %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 1 : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>) -> tensor<*xf32>
  %n = nn.batch_norm %c, %p, %p, %p, %p epsilon 1.0e-05 : (tensor<*xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<*xf32>
  %y = nn.clip %n min 0.0 max 6.0 : (tensor<*xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}

// Reshape -> Transpose -> Reshape between two convs (a channel shuffle): a conv
// never takes an injective consumer (kind rule), but the chain is folded into the
// second conv's reads. Its index math is a reshape's flat index taken apart again,
// which KernelBuilder undoes at compile time (no division per multiply-add), so
// the fused kernel does 1.36x the work of the two, under max-recompute=1.5; with
// max-recompute=1.2 the chain is its own copy kernel.
// CHECK-LABEL: func.func @reshape_transpose_reshape
// CHECK-NEXT:    %c1 = nn.conv2d
// CHECK-NEXT:    %y = nn.fused anchor "nn.conv2d" kind "out-elementwise-fusable" (%{{.*}} = %c1 : tensor<1x4x4x4xf32>, %{{.*}} = %w2 : tensor<4x4x1x1xf32>)
// CHECK-NEXT:      nn.reshape
// CHECK-NEXT:      nn.transpose
// CHECK-NEXT:      nn.reshape
// CHECK-NEXT:      nn.conv2d
// REPORT-LABEL: fuse @reshape_transpose_reshape
// REPORT-NEXT:    %c1 (nn.conv2d) -> %r1 (nn.reshape): not fused [kind] two out-elementwise-fusable ops in one group (nn.conv2d and nn.conv2d)
// REPORT:         %r2 (nn.reshape) -> %y (nn.conv2d): fused, folded into the input reads of nn.conv2d (work 1.36x)
// APART-LABEL: func.func @reshape_transpose_reshape
// APART-NEXT:    %c1 = nn.conv2d
// APART-NEXT:    %r2 = nn.fused anchor "nn.reshape" kind "injective" (%{{.*}} = %c1 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
// APART-NEXT:      nn.reshape
// APART-NEXT:      nn.transpose
// APART-NEXT:      nn.reshape
// APART-NEXT:      nn.yield
// APART-NEXT:    }
// APART-NEXT:    %y = nn.conv2d %r2
func.func @reshape_transpose_reshape(%x: tensor<1x2x4x4xf32>, %w1: tensor<4x2x1x1xf32>, %w2: tensor<4x4x1x1xf32>) -> tensor<*xf32> {
  %c1 = nn.conv2d %x, %w1 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x2x4x4xf32>, tensor<4x2x1x1xf32>) -> tensor<*xf32>
  %r1 = nn.reshape %c1 shape [1, 2, 2, 16] : (tensor<*xf32>) -> tensor<*xf32>
  %t = nn.transpose %r1 perm [0, 2, 1, 3] : (tensor<*xf32>) -> tensor<*xf32>
  %r2 = nn.reshape %t shape [1, 4, 4, 4] : (tensor<*xf32>) -> tensor<*xf32>
  %y = nn.conv2d %r2, %w2 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<*xf32>, tensor<4x4x1x1xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}

// Conv -> ReLU -> Conv: the second conv would recompute the first per read.
// CHECK-LABEL: func.func @conv_relu_conv
// CHECK-NEXT:    %r = nn.fused anchor "nn.conv2d"
// CHECK-NEXT:      nn.conv2d
// CHECK-NEXT:      nn.relu
// CHECK-NEXT:      nn.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    %y = nn.conv2d %r
func.func @conv_relu_conv(%x: tensor<1x2x6x6xf32>, %w1: tensor<2x2x3x3xf32>, %w2: tensor<2x2x3x3xf32>) -> tensor<*xf32> {
  %c = nn.conv2d %x, %w1 strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 1 : (tensor<1x2x6x6xf32>, tensor<2x2x3x3xf32>) -> tensor<*xf32>
  %r = nn.relu %c : (tensor<*xf32>) -> tensor<*xf32>
  %y = nn.conv2d %r, %w2 strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 1 : (tensor<*xf32>, tensor<2x2x3x3xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}

// MatMul + bias + GELU written out: the whole epilogue joins the matmul.
// CHECK-LABEL: func.func @matmul_bias_gelu
// CHECK-NEXT:    nn.constant
// CHECK-NEXT:    nn.constant
// CHECK-NEXT:    nn.constant
// CHECK-NEXT:    %y = nn.fused anchor "nn.matmul" kind "out-elementwise-fusable"
// CHECK:           %m = nn.matmul
// CHECK-NEXT:      %x = nn.add %m
// CHECK-NEXT:      %d = nn.div %x
// CHECK-NEXT:      %e = nn.erf %d
// CHECK-NEXT:      %p = nn.add %e
// CHECK-NEXT:      %h = nn.mul %x, %p
// CHECK-NEXT:      nn.mul %h
// CHECK-NEXT:      nn.yield
func.func @matmul_bias_gelu(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %bias: tensor<16xf32>) -> tensor<*xf32> {
  %sqrt2 = nn.constant dense<1.41421354> : tensor<f32>
  %one = nn.constant dense<1.0> : tensor<f32>
  %half = nn.constant dense<0.5> : tensor<f32>
  %m = nn.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<*xf32>
  %x = nn.add %m, %bias : (tensor<*xf32>, tensor<16xf32>) -> tensor<*xf32>
  %d = nn.div %x, %sqrt2 : (tensor<*xf32>, tensor<f32>) -> tensor<*xf32>
  %e = nn.erf %d : (tensor<*xf32>) -> tensor<*xf32>
  %p = nn.add %e, %one : (tensor<*xf32>, tensor<f32>) -> tensor<*xf32>
  %h = nn.mul %x, %p : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  %y = nn.mul %h, %half : (tensor<*xf32>, tensor<f32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}
