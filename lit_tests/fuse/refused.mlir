// Edges fuse must refuse, each with its rule in the report: a cycle through a
// group in between, a disabled kind, the size limit, two heavy ops.
// RUN: opt-fuse %s -p 'fuse{disable="reduction" report="-"}' 2>&1 | filecheck %s
// RUN: opt-fuse %s -p 'fuse{max-group-size=2 report="-"}' 2>&1 | filecheck %s --check-prefix=SIZE

// %a feeds %y directly and through %s; with reductions disabled %s cannot join
// either side, so fusing %a with %y would put the group on both ends of %s.
// CHECK-LABEL: fuse @cycle: 3 ops in 3 groups
// CHECK-NEXT:    %a (nn.relu) -> %s (nn.reduce_sum): not fused [disabled] fusion of reduction ops is disabled
// CHECK-NEXT:    %a (nn.relu) -> %y (nn.sub): not fused [cycle] another group lies on a path between the two groups
// CHECK-NEXT:    %s (nn.reduce_sum) -> %y (nn.sub): not fused [disabled] fusion of reduction ops is disabled
func.func @cycle(%x: tensor<4x8xf32>) -> tensor<*xf32> {
  %a = nn.relu %x : (tensor<4x8xf32>) -> tensor<*xf32>
  %s = nn.reduce_sum %a axes [1] keepdims : (tensor<*xf32>) -> tensor<*xf32>
  %y = nn.sub %a, %s : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}

// SIZE-LABEL: fuse @chain: 4 ops in 2 groups
// SIZE-NEXT:    #0 (nn.neg) -> #1 (nn.exp): fused, elementwise -> elementwise
// SIZE-NEXT:    #1 (nn.exp) -> #2 (nn.relu): not fused [size] the group would have 4 ops (max-group-size=2)
// SIZE-NEXT:    #2 (nn.relu) -> #3 (nn.tanh): fused
// SIZE-NEXT:    group 0: nn.neg (elementwise): #0 #1
// SIZE-NEXT:    group 1: nn.relu (elementwise): #2 #3
func.func @chain(%x: tensor<4xf32>) -> tensor<*xf32> {
  %0 = nn.neg %x : (tensor<4xf32>) -> tensor<*xf32>
  %1 = nn.exp %0 : (tensor<*xf32>) -> tensor<*xf32>
  %2 = nn.relu %1 : (tensor<*xf32>) -> tensor<*xf32>
  %3 = nn.tanh %2 : (tensor<*xf32>) -> tensor<*xf32>
  func.return %3 : tensor<*xf32>
}

// CHECK-LABEL: fuse @two_heavy
// CHECK:         %r (nn.relu) -> %y (nn.matmul): not fused [kind] two out-elementwise-fusable ops in one group (nn.matmul and nn.matmul)
func.func @two_heavy(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>) -> tensor<*xf32> {
  %m = nn.matmul %x, %w : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<*xf32>
  %r = nn.relu %m : (tensor<*xf32>) -> tensor<*xf32>
  %y = nn.matmul %r, %w : (tensor<*xf32>, tensor<4x4xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}
