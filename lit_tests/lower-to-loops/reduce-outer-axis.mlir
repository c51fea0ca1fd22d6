// lower-to-loops: a reduction whose reduced axes are followed by kept axes accumulates
// whole output rows in memory: the kept axes before the first reduced one are the
// loop.parallel, then one loop nest sets the row to INIT, one walks the reduced and
// the following kept axes in input order (the kept ones innermost: contiguous reads,
// and what depends only on the outer indices is hoisted out of them), and one
// applies finish (the mean's division) and the epilogue before the store. The
// accumulator is the output buffer when the group stores the reduction, else a
// scratch buffer the entry allocates (plan-memory places it in the arena).
// RUN: opt-fuse %s -p 'shape-infer,fuse,lower-to-loops,plan-memory' | filecheck %s
// RUN: opt-fuse %s -p 'shape-infer,fuse,lower-to-loops,plan-memory' | opt-fuse - | filecheck %s


// The sum accumulates in %out; no epilogue loop is left (finish does nothing).
// CHECK-LABEL: func.func private @sum_middle_k0_reduce_sum(%x: memref<4x6x8xf32>, %out: memref<4x8xf32>)
// CHECK:         loop.parallel %[[B:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:      loop.for %[[D0:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:        loop.store %{{.*}}, %out[%[[B]], %[[D0]]] : memref<4x8xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      loop.for %[[S:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:        loop.for %[[D:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:          %[[X:.*]] = loop.load %x[%[[B]], %[[S]], %[[D]]] : memref<4x6x8xf32>
// CHECK-NEXT:          %[[ACC:.*]] = loop.load %out[%[[B]], %[[D]]] : memref<4x8xf32>
// CHECK-NEXT:          %[[SUM:.*]] = arith.addf %[[ACC]], %[[X]] : f32
// CHECK-NEXT:          loop.store %[[SUM]], %out[%[[B]], %[[D]]] : memref<4x8xf32>
// CHECK-NEXT:        }
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return
func.func @sum_middle(%x: tensor<4x6x8xf32>) -> tensor<*xf32> {
  %y = nn.reduce_sum %x axes [1] : (tensor<4x6x8xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}

// Mean then ReLU: the reduction is not stored, so it accumulates in a scratch buffer.
// CHECK-LABEL: func.func private @mean_relu_k0_reduce_mean_relu(%x: memref<4x6x8xf32>, %out: memref<4x1x8xf32>, %scratch: memref<4x1x8xf32>)
// CHECK:         %[[COUNT:.*]] = arith.constant 6.000000e+00 : f32
// CHECK:         loop.parallel %[[B:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:             loop.store %{{.*}}, %scratch[%[[B]], %{{.*}}, %{{.*}}] : memref<4x1x8xf32>
// CHECK:               loop.load %x
// CHECK-NEXT:          loop.load %scratch
// CHECK-NEXT:          arith.addf
// CHECK-NEXT:          loop.store %{{.*}}, %scratch
// CHECK:           loop.for %[[D:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:        %[[TOTAL:.*]] = loop.load %scratch[%[[B]], %{{.*}}, %[[D]]] : memref<4x1x8xf32>
// CHECK-NEXT:        %[[MEAN:.*]] = arith.divf %[[TOTAL]], %[[COUNT]] : f32
// CHECK-NEXT:        %[[RELU:.*]] = arith.maximumf %[[MEAN]], %{{.*}} : f32
// CHECK-NEXT:        loop.store %[[RELU]], %out[%[[B]], %{{.*}}, %[[D]]] : memref<4x1x8xf32>
// CHECK-LABEL: func.func @mean_relu
// CHECK:         %arena = loop.alloc : memref<128xi8>
// CHECK-NEXT:    %m = loop.view %arena[0] : memref<128xi8> to memref<4x1x8xf32>
// CHECK-NEXT:    func.call @mean_relu_k0_reduce_mean_relu(%x, %result, %m)
func.func @mean_relu(%x: tensor<4x6x8xf32>) -> tensor<*xf32> {
  %m = nn.reduce_mean %x axes [1] keepdims : (tensor<4x6x8xf32>) -> tensor<*xf32>
  %y = nn.relu %m : (tensor<*xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}

// Two outputs: the max accumulates in its own output, the ReLU reads it back.
// CHECK-LABEL: func.func private @two_outputs_k0_reduce_max_relu(%x: memref<4x6x8xf32>, %out0: memref<4x8xf32>, %out1: memref<4x8xf32>)
// CHECK:         %[[LOWEST:.*]] = arith.constant 0xff800000 : f32
// CHECK:             loop.store %[[LOWEST]], %out0
// CHECK:               arith.maximumf
// CHECK-NEXT:          loop.store %{{.*}}, %out0
// CHECK:           loop.for %[[D:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:        %[[MAX:.*]] = loop.load %out0[%{{.*}}, %[[D]]] : memref<4x8xf32>
// CHECK-NEXT:        %[[RELU:.*]] = arith.maximumf %[[MAX]], %{{.*}} : f32
// CHECK-NEXT:        loop.store %[[RELU]], %out1[%{{.*}}, %[[D]]] : memref<4x8xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
func.func @two_outputs(%x: tensor<4x6x8xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %m = nn.reduce_max %x axes [1] : (tensor<4x6x8xf32>) -> tensor<*xf32>
  %y = nn.relu %m : (tensor<*xf32>) -> tensor<*xf32>
  func.return %m, %y : tensor<*xf32>, tensor<*xf32>
}

// Symbolic extents: the loops run to %batch and %seq, the scratch buffer is flat and
// sized at the bounds (6 * 8 floats), and the mean divides by max(seq, 1).
// CHECK-LABEL: func.func private @symbolic_k0_reduce_mean_relu(%x: memref<?xf32>, %out: memref<?xf32>, %scratch: memref<48xf32>, %batch: index, %seq: index)
// CHECK:         %[[SEQ:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK-NEXT:    %{{.*}} = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:    %[[COUNT:.*]] = arith.maximumf %[[SEQ]], %{{.*}} : f32
// CHECK:         loop.parallel %{{.*}} = %{{.*}} to %batch step
// CHECK:           loop.for %{{.*}} = %{{.*}} to %seq step
// CHECK:             loop.for
// CHECK:               loop.load %x[%{{.*}}] : memref<?xf32>
// CHECK:           arith.divf %{{.*}}, %[[COUNT]] : f32
// CHECK-LABEL: func.func @symbolic
// CHECK:         %m = loop.view %arena[0] : memref<192xi8> to memref<48xf32>
func.func @symbolic(%x: tensor<?x?x8xf32, #nn.dims<[batch, seq, 8]>>) -> tensor<*xf32> attributes {nn.dim_bounds = {batch = 6 : i64, seq = 5 : i64}} {
  %m = nn.reduce_mean %x axes [1] : (tensor<?x?x8xf32, #nn.dims<[batch, seq, 8]>>) -> tensor<*xf32>
  %y = nn.relu %m : (tensor<*xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}

// The reduced axes are the trailing ones: one loop-carried accumulator per output element, as before.
// CHECK-LABEL: func.func private @last_axis_k0_reduce_sum
// CHECK:         loop.for {{.*}} iter_args
// CHECK:           arith.addf %{{.*}}, %{{.*}} fastmath<reassoc> : f32
func.func @last_axis(%x: tensor<4x6x8xf32>) -> tensor<*xf32> {
  %y = nn.reduce_sum %x axes [-1] : (tensor<4x6x8xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}

// Log-sum-exp does not fold one element at a time (max, then the shifted sum): per element, as before.
// CHECK-LABEL: func.func private @log_sum_exp_k0_reduce_log_sum_exp
// CHECK-NOT:     %scratch
// CHECK:         loop.for {{.*}} iter_args
// CHECK:         loop.for {{.*}} iter_args
// CHECK:         math.log
func.func @log_sum_exp(%x: tensor<4x6x8xf32>) -> tensor<*xf32> {
  %y = nn.reduce_log_sum_exp %x axes [1] : (tensor<4x6x8xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}

// Reduced axes after the last kept one stay a loop-carried (reassoc) reduction, folded into the row once.
// CHECK-LABEL: func.func private @inner_and_trailing_k0_reduce_max(%x: memref<2x3x4x5xf32>, %out: memref<2x4xf32>)
// CHECK:         loop.parallel %[[B:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:             loop.store %{{.*}}, %out
// CHECK-NEXT:      }
// CHECK-NEXT:      loop.for %[[S:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:        loop.for %[[D:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:          %[[T:.*]] = loop.for %{{.*}} iter_args
// CHECK-NEXT:            loop.load %x[%[[B]], %[[S]], %[[D]], %{{.*}}]
// CHECK-NEXT:            arith.maximumf %{{.*}}, %{{.*}} fastmath<reassoc> : f32
// CHECK:               %[[ACC:.*]] = loop.load %out[%[[B]], %[[D]]] : memref<2x4xf32>
// CHECK-NEXT:          %[[MAX:.*]] = arith.maximumf %[[ACC]], %[[T]] : f32
// CHECK-NEXT:          loop.store %[[MAX]], %out[%[[B]], %[[D]]] : memref<2x4xf32>
func.func @inner_and_trailing(%x: tensor<2x3x4x5xf32>) -> tensor<*xf32> {
  %y = nn.reduce_max %x axes [1, 3] : (tensor<2x3x4x5xf32>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}
