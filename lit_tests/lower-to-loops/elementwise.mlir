// lower-to-loops on elementwise ops: the function becomes an entry point over
// caller-owned buffers (inputs, then the result) that calls one private kernel per
// op; a kernel is a loop.parallel over the outer dim, loop.for inside, and the
// scalar math between a loop.load and a loop.store. An intermediate tensor gets a
// loop.alloc buffer.
// RUN: opt-fuse %s -p lower-to-loops | filecheck %s

// CHECK-LABEL: func.func private @relu_k0_relu
// CHECK-SAME:    (%x: memref<2x3xf32>, %out: memref<2x3xf32>) {
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         loop.parallel %[[I:.*]] = %[[C0]] to %[[C2]] step %[[C1]] {
// CHECK-NEXT:      loop.for %[[J:.*]] = %[[C0]] to %[[C3]] step %[[C1]] {
// CHECK-NEXT:        %[[V:.*]] = loop.load %x[%[[I]], %[[J]]] : memref<2x3xf32>
// CHECK-NEXT:        %[[R:.*]] = arith.maximumf %[[V]], %[[ZERO]] : f32
// CHECK-NEXT:        loop.store %[[R]], %out[%[[I]], %[[J]]] : memref<2x3xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return
// CHECK-LABEL: func.func @relu
// CHECK-SAME:    (%x: memref<2x3xf32>, %result: memref<2x3xf32>) attributes {loop.entry} {
// CHECK-NEXT:    func.call @relu_k0_relu(%x, %result) : (memref<2x3xf32>, memref<2x3xf32>) -> ()
// CHECK-NEXT:    func.return
func.func @relu(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %0 = nn.relu %x : (tensor<2x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// Two ops, two kernels; the first writes a loop.alloc buffer that the second reads.
// CHECK-LABEL: func.func private @chain_k0_exp
// CHECK:         loop.parallel %[[I:.*]] = {{.*}} {
// CHECK-NEXT:      %[[V:.*]] = loop.load %x[%[[I]]] : memref<4xf32>
// CHECK-NEXT:      %[[E:.*]] = math.exp %[[V]] : f32
// CHECK-NEXT:      loop.store %[[E]], %out[%[[I]]] : memref<4xf32>
// CHECK-NEXT:    }
// CHECK-LABEL: func.func private @chain_k1_neg
// CHECK-SAME:    (%[[IN:.*]]: memref<4xf32>, %out: memref<4xf32>)
// CHECK:           %[[V:.*]] = loop.load %[[IN]][%[[I:.*]]] : memref<4xf32>
// CHECK-NEXT:      %[[N:.*]] = arith.negf %[[V]] : f32
// CHECK-NEXT:      loop.store %[[N]], %out[%[[I]]] : memref<4xf32>
// CHECK-LABEL: func.func @chain
// CHECK-SAME:    (%x: memref<4xf32>, %result: memref<4xf32>) attributes {loop.entry} {
// CHECK-NEXT:    %[[T:.*]] = loop.alloc : memref<4xf32>
// CHECK-NEXT:    func.call @chain_k0_exp(%x, %[[T]])
// CHECK-NEXT:    func.call @chain_k1_neg(%[[T]], %result)
// CHECK-NEXT:    func.return
func.func @chain(%x: tensor<4xf32>) -> tensor<*xf32> {
  %0 = nn.exp %x : (tensor<4xf32>) -> tensor<*xf32>
  %1 = nn.neg %0 : (tensor<*xf32>) -> tensor<*xf32>
  func.return %1 : tensor<*xf32>
}

// A rank-0 tensor needs no loop at all.
// CHECK-LABEL: func.func private @scalar_k0_neg
// CHECK-SAME:    (%x: memref<f32>, %out: memref<f32>) {
// CHECK-NEXT:    %[[V:.*]] = loop.load %x[] : memref<f32>
// CHECK-NEXT:    %[[N:.*]] = arith.negf %[[V]] : f32
// CHECK-NEXT:    loop.store %[[N]], %out[] : memref<f32>
// CHECK-NEXT:    func.return
func.func @scalar(%x: tensor<f32>) -> tensor<*xf32> {
  %0 = nn.neg %x : (tensor<f32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
