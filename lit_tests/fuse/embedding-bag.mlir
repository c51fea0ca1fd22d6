// The embedding bag (Caffe2's SparseLengthsSum in ONNX form) under two bounded symbols:
// positions from Range, the [batch, seq] length mask, the gather of table rows with ids
// given at run time, the per-id weight, the Where and the sum over the bag become ONE
// group: the [batch, seq, 8] rows are never stored. No rule names these ops; the fuse
// pass decides from their kinds and the cost of the kernel they compose into.
// RUN: opt-fuse %s -p 'fuse' | filecheck %s
// RUN: opt-fuse %s -p 'fuse{report="-"}' 2>&1 >%t.ir | filecheck %s --check-prefix=REPORT

// CHECK-LABEL: func.func @weighted_bag
// CHECK-NEXT:    %zero = nn.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:    %bag = nn.fused anchor "nn.reduce_sum" kind "reduction" (%{{.*}} = %lengths : tensor<?xi64, #nn.dims<[batch]>>, %{{.*}} = %table : tensor<50x8xf32>, %{{.*}} = %ids : tensor<?x?xi64, #nn.dims<[batch, seq]>>, %{{.*}} = %weights : tensor<?x?xf32, #nn.dims<[batch, seq]>>) -> tensor<?x8xf32, #nn.dims<[batch, 8]>> {
// CHECK-NEXT:      %[[ZERO:.*]] = nn.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:      %positions = nn.range
// CHECK-NEXT:      %row = nn.unsqueeze %positions
// CHECK-NEXT:      %column = nn.unsqueeze
// CHECK-NEXT:      %mask = nn.less %row, %column
// CHECK-NEXT:      %mask3 = nn.unsqueeze %mask
// CHECK-NEXT:      %rows = nn.gather
// CHECK-NEXT:      %weight3 = nn.unsqueeze
// CHECK-NEXT:      %weighted = nn.mul %rows, %weight3
// CHECK-NEXT:      %masked = nn.where %mask3, %weighted, %[[ZERO]]
// CHECK-NEXT:      %{{.*}} = nn.reduce_sum %masked axes [1]
// CHECK-NEXT:      nn.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %bag
// REPORT-LABEL: fuse @weighted_bag: 10 ops in 1 groups; intermediate tensors no longer stored: batch * seq * 108 + batch * 4 + seq * 8 bytes
// REPORT:       %masked (nn.where) -> %bag (nn.reduce_sum): fused, producer of nn.reduce_sum
func.func @weighted_bag(%ids: tensor<?x?xi64, #nn.dims<[batch, seq]>>, %lengths: tensor<?xi64, #nn.dims<[batch]>>, %weights: tensor<?x?xf32, #nn.dims<[batch, seq]>>, %table: tensor<50x8xf32>) -> tensor<?x8xf32, #nn.dims<[batch, 8]>> attributes {nn.dim_bounds = {batch = 16 : i64, seq = 20 : i64}} {
  %positions = nn.range start 0 : i64 delta 1 : i64 count <[seq]> : tensor<?xi64, #nn.dims<[seq]>>
  %row = nn.unsqueeze %positions axes [0] : (tensor<?xi64, #nn.dims<[seq]>>) -> tensor<1x?xi64, #nn.dims<[1, seq]>>
  %column = nn.unsqueeze %lengths axes [1] : (tensor<?xi64, #nn.dims<[batch]>>) -> tensor<?x1xi64, #nn.dims<[batch, 1]>>
  %mask = nn.less %row, %column : (tensor<1x?xi64, #nn.dims<[1, seq]>>, tensor<?x1xi64, #nn.dims<[batch, 1]>>) -> tensor<?x?xi1, #nn.dims<[batch, seq]>>
  %mask3 = nn.unsqueeze %mask axes [2] : (tensor<?x?xi1, #nn.dims<[batch, seq]>>) -> tensor<?x?x1xi1, #nn.dims<[batch, seq, 1]>>
  %rows = nn.gather %table, %ids axis 0 : (tensor<50x8xf32>, tensor<?x?xi64, #nn.dims<[batch, seq]>>) -> tensor<?x?x8xf32, #nn.dims<[batch, seq, 8]>>
  %weight3 = nn.unsqueeze %weights axes [2] : (tensor<?x?xf32, #nn.dims<[batch, seq]>>) -> tensor<?x?x1xf32, #nn.dims<[batch, seq, 1]>>
  %weighted = nn.mul %rows, %weight3 : (tensor<?x?x8xf32, #nn.dims<[batch, seq, 8]>>, tensor<?x?x1xf32, #nn.dims<[batch, seq, 1]>>) -> tensor<?x?x8xf32, #nn.dims<[batch, seq, 8]>>
  %zero = nn.constant dense<0.0> : tensor<f32>
  %masked = nn.where %mask3, %weighted, %zero : (tensor<?x?x1xi1, #nn.dims<[batch, seq, 1]>>, tensor<?x?x8xf32, #nn.dims<[batch, seq, 8]>>, tensor<f32>) -> tensor<?x?x8xf32, #nn.dims<[batch, seq, 8]>>
  %bag = nn.reduce_sum %masked axes [1] : (tensor<?x?x8xf32, #nn.dims<[batch, seq, 8]>>) -> tensor<?x8xf32, #nn.dims<[batch, 8]>>
  func.return %bag : tensor<?x8xf32, #nn.dims<[batch, 8]>>
}
