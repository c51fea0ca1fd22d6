// fuse on a concat of branches: concat reads every input at every output element
// (a select keeps the owner), so a branch fused into it is computed once per
// output element instead of once per own element. The recompute check weighs
// that against storing the branch: with the default limit all branches fuse;
// with max-recompute=1.2 the expensive branches stay kernels of their own.
// RUN: opt-fuse %s -p 'fuse{report="-"}' 2>&1 | filecheck %s
// RUN: opt-fuse %s -p 'fuse{report="-" max-recompute=1.2}' 2>&1 | filecheck %s --check-prefix=STRICT

// CHECK-LABEL: fuse @two_branches: 4 ops in 1 groups
// CHECK:         %t (nn.tanh) -> %y (nn.concat): fused
// CHECK-LABEL: fuse @three_branches: 5 ops in 1 groups
// STRICT-LABEL: fuse @three_branches: 5 ops in 3 groups
// STRICT:         %t (nn.tanh) -> %y (nn.concat): not fused [recompute] the fused kernel would do {{.*}}x the work of the two kernels (max-recompute=1.2)
// STRICT:         %s (nn.sigmoid) -> %y (nn.concat): not fused [recompute]

// CHECK-LABEL: func.func @two_branches
// CHECK-NEXT:    %y = nn.fused anchor "nn.concat" kind "injective"
// CHECK-NEXT:      nn.relu
// CHECK-NEXT:      nn.exp
// CHECK-NEXT:      nn.tanh
// CHECK-NEXT:      nn.concat
func.func @two_branches(%x: tensor<2x8xf32>, %z: tensor<2x8xf32>) -> tensor<*xf32> {
  %a = nn.relu %x : (tensor<2x8xf32>) -> tensor<*xf32>
  %e = nn.exp %z : (tensor<2x8xf32>) -> tensor<*xf32>
  %t = nn.tanh %e : (tensor<*xf32>) -> tensor<*xf32>
  %y = nn.concat %a, %t axis 1 : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}

// CHECK-LABEL: func.func @three_branches
// CHECK-NEXT:    %y = nn.fused anchor "nn.concat" kind "injective"
// STRICT-LABEL: func.func @three_branches
// STRICT:         %y = nn.fused anchor "nn.concat" kind "injective"
// STRICT-NEXT:      nn.relu
// STRICT-NEXT:      nn.concat
func.func @three_branches(%x: tensor<2x8xf32>, %z: tensor<2x8xf32>, %w: tensor<2x8xf32>) -> tensor<*xf32> {
  %a = nn.relu %x : (tensor<2x8xf32>) -> tensor<*xf32>
  %e = nn.exp %z : (tensor<2x8xf32>) -> tensor<*xf32>
  %t = nn.tanh %e : (tensor<*xf32>) -> tensor<*xf32>
  %s = nn.sigmoid %w : (tensor<2x8xf32>) -> tensor<*xf32>
  %y = nn.concat %a, %t, %s axis 1 : (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}
