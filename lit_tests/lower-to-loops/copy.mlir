// lower-to-loops when a function returns its input (or one value twice): outputs
// are caller-owned buffers, so a copy kernel (load, store, no math) fills them.
// RUN: opt-fuse %s -p lower-to-loops | filecheck %s

// CHECK-LABEL: func.func private @passthrough_k0_copy
// CHECK-SAME:    (%x: memref<2x3xf32>, %out: memref<2x3xf32>) {
// CHECK:         loop.parallel %[[I:.*]] = {{.*}} {
// CHECK-NEXT:      loop.for %[[J:.*]] = {{.*}} {
// CHECK-NEXT:        %[[V:.*]] = loop.load %x[%[[I]], %[[J]]] : memref<2x3xf32>
// CHECK-NEXT:        loop.store %[[V]], %out[%[[I]], %[[J]]] : memref<2x3xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-LABEL: func.func @passthrough
// CHECK-SAME:    (%x: memref<2x3xf32>, %result: memref<2x3xf32>) attributes {loop.entry} {
// CHECK-NEXT:    func.call @passthrough_k0_copy(%x, %result) : (memref<2x3xf32>, memref<2x3xf32>) -> ()
// CHECK-NEXT:    func.return
func.func @passthrough(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  func.return %x : tensor<2x3xf32>
}

// The relu writes the first result buffer directly; the second result is a copy of it.
// CHECK-LABEL: func.func private @twice_k0_relu
// CHECK-LABEL: func.func private @twice_k1_copy
// CHECK-LABEL: func.func @twice
// CHECK-SAME:    (%x: memref<4xf32>, %result0: memref<4xf32>, %result1: memref<4xf32>) attributes {loop.entry} {
// CHECK-NEXT:    func.call @twice_k0_relu(%x, %result0)
// CHECK-NEXT:    func.call @twice_k1_copy(%result0, %result1)
// CHECK-NEXT:    func.return
func.func @twice(%x: tensor<4xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.relu %x : (tensor<4xf32>) -> tensor<*xf32>
  func.return %0, %0 : tensor<*xf32>, tensor<*xf32>
}
