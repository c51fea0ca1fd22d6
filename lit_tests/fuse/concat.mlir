// fuse on a concat of branches: concat reads every input at every output element
// (a select keeps the owner), so a branch fused into it is computed once per
// output element instead of once per own element. The recompute check weighs
// that against storing the branch: cheap branches fuse; branches with exp or
// tanh stay kernels of their own, unless max-recompute allows more.
// RUN: opt-fuse %s -p 'fuse{report="-"}' 2>&1 | filecheck %s
// RUN: opt-fuse %s -p 'fuse{report="-" max-recompute=2.5}' 2>&1 | filecheck %s --check-prefix=LOOSE

// CHECK-LABEL: fuse @two_branches: 4 ops in 1 groups
// CHECK:         %t (nn.clip) -> %y (nn.concat): fused
// CHECK-LABEL: fuse @three_branches: 5 ops in 3 groups
// CHECK:         %t (nn.tanh) -> %y (nn.concat): not fused [recompute] the fused kernel would do {{.*}}x the work of the two kernels (max-recompute=1.5)
// CHECK:         %s (nn.sigmoid) -> %y (nn.concat): not fused [recompute]
// LOOSE-LABEL: fuse @three_branches: 5 ops in 1 groups

// CHECK-LABEL: func.func @two_branches
// CHECK-NEXT:    %y = nn.fused anchor "nn.concat" kind "injective"
// CHECK-NEXT:      nn.relu
// CHECK-NEXT:      nn.neg
// CHECK-NEXT:      nn.clip
// CHECK-NEXT:      nn.concat
func.func @two_branches(%x: tensor<2x8xf32>, %z: tensor<2x8xf32>) -> tensor<*xf32> {
  %a = nn.relu %x : (tensor<2x8xf32>) -> tensor<*xf32>
  %e = nn.neg %z : (tensor<2x8xf32>) -> tensor<*xf32>
  %t = nn.clip %e min 0.0 max 6.0 : (tensor<*xf32>) -> tensor<*xf32>
  %y = nn.concat %a, %t axis 1 : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}

// CHECK-LABEL: func.func @three_branches
// CHECK:         %y = nn.fused anchor "nn.concat" kind "injective"
// CHECK-NEXT:      nn.relu
// CHECK-NEXT:      nn.concat
// LOOSE-LABEL: func.func @three_branches
// LOOSE-NEXT:    %y = nn.fused anchor "nn.concat" kind "injective"
func.func @three_branches(%x: tensor<2x8xf32>, %z: tensor<2x8xf32>, %w: tensor<2x8xf32>) -> tensor<*xf32> {
  %a = nn.relu %x : (tensor<2x8xf32>) -> tensor<*xf32>
  %e = nn.exp %z : (tensor<2x8xf32>) -> tensor<*xf32>
  %t = nn.tanh %e : (tensor<*xf32>) -> tensor<*xf32>
  %s = nn.sigmoid %w : (tensor<2x8xf32>) -> tensor<*xf32>
  %y = nn.concat %a, %t, %s axis 1 : (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}
