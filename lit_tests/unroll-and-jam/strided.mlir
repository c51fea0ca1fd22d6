// Lanes that load every other element (a stride-2 pool's window columns, with no
// constant weight whose packing would give it channel lanes) are still vectors:
// each such load is one loop.strided_vector_load (two vector loads and a shuffle
// in LLVM IR), while the outputs, side by side, are vector stores. A wider stride
// is left lane by lane (to clang), as is a stride-2 conv, which takes its output
// channels as lanes (conv.mlir).
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,unroll-and-jam{factor=4 outer-factor=1}' --split-input-file | filecheck %s
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,unroll-and-jam{factor=4 outer-factor=1}' --split-input-file | opt-fuse --split-input-file | filecheck %s
// Its rows share no vector load: they do not become outer lanes (one accumulator still).
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,unroll-and-jam{factor=4 outer-factor=2}' --split-input-file | filecheck %s

// CHECK-LABEL: func.func private @pool_k0_max_pool
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK:         loop.for %[[OH:[0-9]+]] = {{.*}} {
// CHECK:           loop.for %[[OW:[0-9]+]] = %{{.*}} to %{{.*}} step %[[C4]] {
// CHECK-NEXT:        %[[START:[0-9]+]] = arith.muli %[[OW]], %{{.*}} : index
// CHECK:             loop.for %[[KH:[0-9]+]] = {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<4xf32>) {
// CHECK:               loop.for %[[KW:[0-9]+]] = {{.*}} iter_args(%[[ACC:[0-9]+]] = %{{.*}}) -> (vector<4xf32>) {
// CHECK-NEXT:            %[[COL:[0-9]+]] = arith.addi %[[START]], %[[KW]] : index
// CHECK-NEXT:            %[[V:[0-9]+]] = loop.strided_vector_load %x[%{{.*}}, %{{.*}}, %{{.*}}, %[[COL]]] stride 2 : memref<1x2x9x9xf32>, vector<4xf32>
// CHECK-NEXT:            %{{.*}} = arith.maximumf %[[ACC]], %[[V]] : vector<4xf32>
// CHECK:             loop.vector_store %{{.*}}, %out[%{{.*}}, %{{.*}}, %[[OH]], %[[OW]]] : memref<1x2x4x4xf32>, vector<4xf32>
func.func @pool(%x: tensor<1x2x9x9xf32>) -> tensor<*xf32> {
  %0 = nn.max_pool %x kernel [3, 3] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x2x9x9xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// Stride 3: lane by lane.
// CHECK-LABEL: func.func private @wide_k0_max_pool
// CHECK-NOT:     loop.strided_vector_load
// CHECK-NOT:     vector<
// CHECK:         func.return
func.func @wide(%x: tensor<1x2x13x13xf32>) -> tensor<*xf32> {
  %0 = nn.max_pool %x kernel [3, 3] strides [3, 3] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x2x13x13xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
