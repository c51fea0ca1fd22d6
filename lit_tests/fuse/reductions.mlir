// fuse with reductions: a reduction takes its elementwise producers and its
// consumers, and the row statistics are computed once per row (lower-to-loops
// hoists them). Decomposed layer norm becomes one kernel; decomposed softmax
// two, because one kernel would compute exp twice per element (for the sum and
// for the division), which costs more than storing it. A reduction that would
// be recomputed for every element is refused.
// RUN: opt-fuse %s -p fuse | filecheck %s
// RUN: opt-fuse %s -p 'fuse{report="-"}' 2>&1 >%t.ir | filecheck %s --check-prefix=REPORT
// With recompute allowed, softmax is one kernel too.
// RUN: opt-fuse %s -p 'fuse{max-recompute=2.0}' | filecheck %s --check-prefix=ONE

// ONE-LABEL: func.func @softmax
// ONE-NEXT:    %y = nn.fused anchor "nn.reduce_max" kind "reduction"
// ONE-NEXT:      %max = nn.reduce_max
// ONE-NEXT:      %sub = nn.sub
// ONE-NEXT:      %exp = nn.exp
// ONE-NEXT:      %sum = nn.reduce_sum %exp
// ONE-NEXT:      nn.div %exp, %sum
// ONE-NEXT:      nn.yield

// CHECK-LABEL: func.func @softmax
// CHECK-NEXT:    %exp = nn.fused anchor "nn.reduce_max" kind "reduction" (%{{.*}} = %x : tensor<4x16xf32>) -> tensor<4x16xf32> {
// CHECK-NEXT:      %max = nn.reduce_max
// CHECK-NEXT:      %sub = nn.sub
// CHECK-NEXT:      nn.exp %sub
// CHECK-NEXT:      nn.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    %y = nn.fused anchor "nn.reduce_sum" kind "reduction" (%{{.*}} = %exp : tensor<4x16xf32>) -> tensor<4x16xf32> {
// CHECK-NEXT:      %sum = nn.reduce_sum
// CHECK-NEXT:      nn.div
// CHECK-NEXT:      nn.yield
// REPORT-LABEL: fuse @softmax: 5 ops in 2 groups
// REPORT:       %exp (nn.exp) -> %sum (nn.reduce_sum): not fused [recompute] the fused kernel would do {{.*}}x the work of the two kernels (max-recompute=1.5)
// REPORT:       %sum (nn.reduce_sum) -> %y (nn.div): fused, reduction -> broadcast
func.func @softmax(%x: tensor<4x16xf32>) -> tensor<*xf32> {
  %max = nn.reduce_max %x axes [-1] keepdims : (tensor<4x16xf32>) -> tensor<*xf32>
  %sub = nn.sub %x, %max : (tensor<4x16xf32>, tensor<*xf32>) -> tensor<*xf32>
  %exp = nn.exp %sub : (tensor<*xf32>) -> tensor<*xf32>
  %sum = nn.reduce_sum %exp axes [-1] keepdims : (tensor<*xf32>) -> tensor<*xf32>
  %y = nn.div %exp, %sum : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}

// CHECK-LABEL: func.func @layer_norm
// CHECK:         %y = nn.fused anchor "nn.reduce_mean" kind "reduction" (%{{.*}} = %x : tensor<8x32xf32>, %{{.*}} = %g : tensor<32xf32>, %{{.*}} = %b : tensor<32xf32>) -> tensor<8x32xf32> {
// CHECK-COUNT-2:   nn.constant
// CHECK-NEXT:      %mean = nn.reduce_mean
// CHECK-NEXT:      %d = nn.sub
// CHECK-NEXT:      %sq = nn.pow %d
// CHECK-NEXT:      %var = nn.reduce_mean %sq
// CHECK-NEXT:      %ve = nn.add %var
// CHECK-NEXT:      %sd = nn.sqrt %ve
// CHECK-NEXT:      %n = nn.div %d, %sd
// CHECK-NEXT:      %s = nn.mul %n
// CHECK-NEXT:      nn.add %s
// CHECK-NEXT:      nn.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %y
// REPORT-LABEL: fuse @layer_norm: 9 ops in 1 groups
func.func @layer_norm(%x: tensor<8x32xf32>, %g: tensor<32xf32>, %b: tensor<32xf32>) -> tensor<*xf32> {
  %two = nn.constant dense<2.0> : tensor<f32>
  %eps = nn.constant dense<1.0e-05> : tensor<f32>
  %mean = nn.reduce_mean %x axes [-1] keepdims : (tensor<8x32xf32>) -> tensor<*xf32>
  %d = nn.sub %x, %mean : (tensor<8x32xf32>, tensor<*xf32>) -> tensor<*xf32>
  %sq = nn.pow %d, %two : (tensor<*xf32>, tensor<f32>) -> tensor<*xf32>
  %var = nn.reduce_mean %sq axes [-1] keepdims : (tensor<*xf32>) -> tensor<*xf32>
  %ve = nn.add %var, %eps : (tensor<*xf32>, tensor<f32>) -> tensor<*xf32>
  %sd = nn.sqrt %ve : (tensor<*xf32>) -> tensor<*xf32>
  %n = nn.div %d, %sd : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  %s = nn.mul %n, %g : (tensor<*xf32>, tensor<32xf32>) -> tensor<*xf32>
  %y = nn.add %s, %b : (tensor<*xf32>, tensor<32xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}

// The row sums of %x, subtracted from %x, then summed down the columns: one
// kernel. The column sum accumulates whole output rows (lower-to-loops: i outer,
// j inner), so each row sum is computed once per i, not once per element.
// CHECK-LABEL: func.func @row_sums_then_column_sums
// CHECK:         %y = nn.fused anchor "nn.reduce_sum"
// CHECK-NEXT:      %rows = nn.reduce_sum
// CHECK-NEXT:      %c = nn.sub
// CHECK-NEXT:      nn.reduce_sum %c axes [0]
// CHECK-NEXT:      nn.yield
// REPORT-LABEL: fuse @row_sums_then_column_sums: 3 ops in 1 groups
// REPORT:       %c (nn.sub) -> %y (nn.reduce_sum): fused, producer of nn.reduce_sum
func.func @row_sums_then_column_sums(%x: tensor<64x64xf32>) -> tensor<*xf32> {
  %rows = nn.reduce_sum %x axes [1] keepdims : (tensor<64x64xf32>) -> tensor<*xf32>
  %c = nn.sub %x, %rows : (tensor<64x64xf32>, tensor<*xf32>) -> tensor<*xf32>
  %y = nn.reduce_sum %c axes [0] : (tensor<*xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}

// The column sums of %x, subtracted from %x, then summed along the rows: fused,
// the column sum would be recomputed for every element. The recompute check refuses.
// CHECK-LABEL: func.func @recompute
// CHECK:         %cols = nn.reduce_sum %x axes [0]
// CHECK-NEXT:    %y = nn.fused anchor "nn.reduce_sum"
// CHECK-NEXT:      %c = nn.sub
// CHECK-NEXT:      nn.reduce_sum %c axes [1]
// CHECK-NEXT:      nn.yield
// REPORT-LABEL: fuse @recompute
// REPORT:       %cols (nn.reduce_sum) -> %c (nn.sub): not fused [recompute] the fused kernel would do {{.*}}x the work of the two kernels (max-recompute=1.5)
func.func @recompute(%x: tensor<64x64xf32>) -> tensor<*xf32> {
  %cols = nn.reduce_sum %x axes [0] keepdims : (tensor<64x64xf32>) -> tensor<*xf32>
  %c = nn.sub %x, %cols : (tensor<64x64xf32>, tensor<*xf32>) -> tensor<*xf32>
  %y = nn.reduce_sum %c axes [1] : (tensor<*xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}
