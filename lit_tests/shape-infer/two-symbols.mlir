// Two bounded symbols at once (Caffe2's bound shape inference for recommenders: batch and the
// ids per sample): Range, Gather with indices computed at run time, Tile, Expand and Concat
// carry both, and so do the element types (i64 ids, i1 masks, f32 rows).
// RUN: opt-fuse %s -p shape-infer --split-input-file | filecheck %s
// The printed types parse back: a second shape-infer finds the same ones.
// RUN: opt-fuse %s -p shape-infer --split-input-file | opt-fuse - --split-input-file -p shape-infer | filecheck %s

// The masked embedding bag: positions [seq], a [batch, seq] mask, rows [batch, seq, 8].
// CHECK-LABEL: func.func @bag
// CHECK:      %positions = nn.range start 0 : i64 delta 1 : i64 count <[seq]> : tensor<?xi64, #nn.dims<[seq]>>
// CHECK:      %mask = nn.less {{.*}} -> tensor<?x?xi1, #nn.dims<[batch, seq]>>
// CHECK:      %rows = nn.gather {{.*}} -> tensor<?x?x8xf32, #nn.dims<[batch, seq, 8]>>
// CHECK:      %masked = nn.where {{.*}} -> tensor<?x?x8xf32, #nn.dims<[batch, seq, 8]>>
// CHECK:      %bag = nn.reduce_sum {{.*}} -> tensor<?x8xf32, #nn.dims<[batch, 8]>>
// CHECK:      func.return %bag : tensor<?x8xf32, #nn.dims<[batch, 8]>>
func.func @bag(%ids: tensor<?x?xi64, #nn.dims<[batch, seq]>>, %lengths: tensor<?xi64, #nn.dims<[batch]>>, %table: tensor<50x8xf32>) -> tensor<*xf32> attributes {nn.dim_bounds = {batch = 16 : i64, seq = 20 : i64}} {
  %positions = nn.range start 0 : i64 delta 1 : i64 count <[seq]> : tensor<*xi64>
  %row = nn.unsqueeze %positions axes [0] : (tensor<*xi64>) -> tensor<*xi64>
  %column = nn.unsqueeze %lengths axes [1] : (tensor<?xi64, #nn.dims<[batch]>>) -> tensor<*xi64>
  %mask = nn.less %row, %column : (tensor<*xi64>, tensor<*xi64>) -> tensor<*xi1>
  %mask3 = nn.unsqueeze %mask axes [2] : (tensor<*xi1>) -> tensor<*xi1>
  %rows = nn.gather %table, %ids axis 0 : (tensor<50x8xf32>, tensor<?x?xi64, #nn.dims<[batch, seq]>>) -> tensor<*xf32>
  %zero = nn.constant dense<0.0> : tensor<f32>
  %masked = nn.where %mask3, %rows, %zero : (tensor<*xi1>, tensor<*xf32>, tensor<f32>) -> tensor<*xf32>
  %bag = nn.reduce_sum %masked axes [1] : (tensor<*xf32>) -> tensor<*xf32>
  func.return %bag : tensor<*xf32>
}

// -----

// Tile by [batch, 2] (repeats computed from a Shape), Expand to [batch, seq], Concat along seq.
// CHECK-LABEL: func.func @tile_expand_concat
// CHECK:      %tiled = nn.tile {{.*}} -> tensor<?x?xf32, #nn.dims<[batch, seq * 2]>>
// CHECK:      %expanded = nn.expand {{.*}} -> tensor<?x?xf32, #nn.dims<[batch, seq]>>
// CHECK:      %joined = nn.concat {{.*}} -> tensor<?x?xf32, #nn.dims<[batch, seq * 3]>>
func.func @tile_expand_concat(%row: tensor<1x?xf32, #nn.dims<[1, seq]>>, %column: tensor<?x1xf32, #nn.dims<[batch, 1]>>) -> tensor<*xf32> attributes {nn.dim_bounds = {batch = 16 : i64, seq = 20 : i64}} {
  %tiled = nn.tile %row repeats <[batch, 2]> : (tensor<1x?xf32, #nn.dims<[1, seq]>>) -> tensor<*xf32>
  %expanded = nn.expand %column shape <[batch, seq]> : (tensor<?x1xf32, #nn.dims<[batch, 1]>>) -> tensor<*xf32>
  %joined = nn.concat %tiled, %expanded axis 1 : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  func.return %joined : tensor<*xf32>
}

// -----

// Integer ids past a Cast, compared and counted: the element types follow the ops.
// CHECK-LABEL: func.func @types
// CHECK:      %as_float = nn.cast %ids to f32 : (tensor<?x?xi64, #nn.dims<[batch, seq]>>) -> tensor<?x?xf32, #nn.dims<[batch, seq]>>
// CHECK:      %valid = nn.greater_or_equal {{.*}} -> tensor<?x?xi1, #nn.dims<[batch, seq]>>
// CHECK:      %count = nn.reduce_sum {{.*}} -> tensor<?xi32, #nn.dims<[batch]>>
func.func @types(%ids: tensor<?x?xi64, #nn.dims<[batch, seq]>>) -> (tensor<*xf32>, tensor<*xi32>) attributes {nn.dim_bounds = {batch = 16 : i64, seq = 20 : i64}} {
  %as_float = nn.cast %ids to f32 : (tensor<?x?xi64, #nn.dims<[batch, seq]>>) -> tensor<*xf32>
  %zero = nn.constant dense<0> : tensor<i64>
  %valid = nn.greater_or_equal %ids, %zero : (tensor<?x?xi64, #nn.dims<[batch, seq]>>, tensor<i64>) -> tensor<*xi1>
  %ones = nn.cast %valid to i32 : (tensor<*xi1>) -> tensor<*xi32>
  %count = nn.reduce_sum %ones axes [1] : (tensor<*xi32>) -> tensor<*xi32>
  func.return %as_float, %count : tensor<*xf32>, tensor<*xi32>
}
