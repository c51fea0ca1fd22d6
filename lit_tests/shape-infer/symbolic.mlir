// Symbolic dims through shape-infer: each op's shape function, written once with
// Python arithmetic, carries symbols and expressions of them (dialects/dims.py).
// RUN: opt-fuse %s -p shape-infer --split-input-file | filecheck %s
// The printed dims parse back: a second shape-infer finds the same types.
// RUN: opt-fuse %s -p shape-infer --split-input-file | opt-fuse - --split-input-file -p shape-infer | filecheck %s

// Broadcasting unifies equal symbols, and a symbol against 1.
// CHECK-LABEL: func.func @broadcast
// CHECK: nn.add {{.*}} -> tensor<?x?x4xf32, #nn.dims<[batch, seq, 4]>>
// CHECK: nn.mul {{.*}} -> tensor<?x?x4xf32, #nn.dims<[batch, seq, 4]>>
func.func @broadcast(%a: tensor<?x?x4xf32, #nn.dims<[batch, seq, 4]>>, %b: tensor<?x1x4xf32, #nn.dims<[batch, 1, 4]>>, %c: tensor<4xf32>) -> tensor<*xf32> attributes {nn.dim_bounds = {batch = 8 : i64, seq = 16 : i64}} {
  %0 = nn.add %a, %b : (tensor<?x?x4xf32, #nn.dims<[batch, seq, 4]>>, tensor<?x1x4xf32, #nn.dims<[batch, 1, 4]>>) -> tensor<*xf32>
  %1 = nn.mul %0, %c : (tensor<*xf32>, tensor<4xf32>) -> tensor<*xf32>
  func.return %1 : tensor<*xf32>
}

// -----

// Reshape: 0 copies a symbolic dim, -1 is the exact quotient of the element counts.
// CHECK-LABEL: func.func @reshape
// CHECK: nn.reshape %x shape [0, 0, 4, 16] {{.*}} -> tensor<?x?x4x16xf32, #nn.dims<[batch, seq, 4, 16]>>
// CHECK: nn.reshape %{{.*}} shape [-1, 64] {{.*}} -> tensor<?x64xf32, #nn.dims<[batch * seq, 64]>>
// CHECK: nn.flatten %x axis 2 {{.*}} -> tensor<?x64xf32, #nn.dims<[batch * seq, 64]>>
func.func @reshape(%x: tensor<?x?x64xf32, #nn.dims<[batch, seq, 64]>>) -> (tensor<*xf32>, tensor<*xf32>) attributes {nn.dim_bounds = {batch = 8 : i64, seq = 16 : i64}} {
  %0 = nn.reshape %x shape [0, 0, 4, 16] : (tensor<?x?x64xf32, #nn.dims<[batch, seq, 64]>>) -> tensor<*xf32>
  %1 = nn.reshape %0 shape [-1, 64] : (tensor<*xf32>) -> tensor<*xf32>
  %2 = nn.flatten %x axis 2 : (tensor<?x?x64xf32, #nn.dims<[batch, seq, 64]>>) -> tensor<*xf32>
  func.return %1, %2 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Concat along a symbolic axis adds the symbols; MatMul contracts over one.
// CHECK-LABEL: func.func @concat_matmul
// CHECK: nn.concat {{.*}} -> tensor<?x8xf32, #nn.dims<[a + b + 1, 8]>>
// CHECK: nn.transpose {{.*}} -> tensor<8x?xf32, #nn.dims<[8, a + b + 1]>>
// CHECK: nn.matmul {{.*}} -> tensor<8x8xf32>
func.func @concat_matmul(%x: tensor<?x8xf32, #nn.dims<[a, 8]>>, %y: tensor<?x8xf32, #nn.dims<[b, 8]>>, %z: tensor<1x8xf32>) -> tensor<*xf32> attributes {nn.dim_bounds = {a = 4 : i64, b = 4 : i64}} {
  %0 = nn.concat %x, %y, %z axis 0 : (tensor<?x8xf32, #nn.dims<[a, 8]>>, tensor<?x8xf32, #nn.dims<[b, 8]>>, tensor<1x8xf32>) -> tensor<*xf32>
  %1 = nn.transpose %0 perm [1, 0] : (tensor<*xf32>) -> tensor<*xf32>
  %2 = nn.matmul %1, %0 : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  func.return %2 : tensor<*xf32>
}

// -----

// Conv and pool output sizes on symbolic spatial dims: floordiv by the stride
// ((h + 2 - 3) floordiv 2 + 1, kept in canonical form).
// CHECK-LABEL: func.func @conv_pool
// CHECK: nn.conv2d {{.*}} -> tensor<?x4x?x?xf32, #nn.dims<[n, 4, (h + 1) floordiv 2, (w + 1) floordiv 2]>>
// CHECK: nn.max_pool {{.*}} -> tensor<?x4x?x?xf32, #nn.dims<[n, 4, ((h + 1) floordiv 2) - 2, ((w + 1) floordiv 2) - 2]>>
// CHECK: nn.global_avg_pool {{.*}} -> tensor<?x4x1x1xf32, #nn.dims<[n, 4, 1, 1]>>
func.func @conv_pool(%x: tensor<?x3x?x?xf32, #nn.dims<[n, 3, h, w]>>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> attributes {nn.dim_bounds = {h = 64 : i64, n = 2 : i64, w = 64 : i64}} {
  %0 = nn.conv2d %x, %w strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] groups 1 : (tensor<?x3x?x?xf32, #nn.dims<[n, 3, h, w]>>, tensor<4x3x3x3xf32>) -> tensor<*xf32>
  %1 = nn.max_pool %0 kernel [3, 3] strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<*xf32>) -> tensor<*xf32>
  %2 = nn.global_avg_pool %1 : (tensor<*xf32>) -> tensor<*xf32>
  func.return %2 : tensor<*xf32>
}

// -----

// Reductions and softmax keep or drop symbolic axes; slices to the end shorten them.
// CHECK-LABEL: func.func @reduce_slice
// CHECK: nn.reduce_mean {{.*}} -> tensor<?x1xf32, #nn.dims<[batch, 1]>>
// CHECK: nn.reduce_sum {{.*}} -> tensor<?xf32, #nn.dims<[seq]>>
// CHECK: nn.slice {{.*}} -> tensor<?x?xf32, #nn.dims<[batch, seq - 3]>>
func.func @reduce_slice(%x: tensor<?x?xf32, #nn.dims<[batch, seq]>>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) attributes {nn.dim_bounds = {batch = 8 : i64, seq = 16 : i64}} {
  %0 = nn.reduce_mean %x axes [1] keepdims : (tensor<?x?xf32, #nn.dims<[batch, seq]>>) -> tensor<*xf32>
  %1 = nn.reduce_sum %x axes [0] : (tensor<?x?xf32, #nn.dims<[batch, seq]>>) -> tensor<*xf32>
  %2 = nn.slice %x starts [2] ends [-1] axes [1] steps [1] : (tensor<?x?xf32, #nn.dims<[batch, seq]>>) -> tensor<*xf32>
  func.return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}
