// lower-to-loops on nn.constant: a non-splat constant becomes a private constant
// memref.global (64-byte aligned) that the entry function reads with
// memref.get_global and passes to the kernel; a splat constant never becomes a
// buffer: its value is folded into the kernel as an arith.constant.
// RUN: opt-fuse %s -p lower-to-loops | filecheck %s
// The second RUN prints the loop-level IR and parses it back: the text must not change.
// RUN: opt-fuse %s -p lower-to-loops | opt-fuse | filecheck %s

// CHECK-LABEL: builtin.module
// CHECK:         "memref.global"() <{sym_name = "weights_const0", type = memref<3xf32>, initial_value = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>, sym_visibility = "private", constant, alignment = 64 : i64}> : () -> ()
// CHECK-LABEL: func.func private @weights_k0_add
// CHECK-SAME:    (%x: memref<2x3xf32>, %w: memref<3xf32>, %out: memref<2x3xf32>) {
// CHECK:           loop.load %w[%{{.*}}] : memref<3xf32>
// CHECK-LABEL: func.func @weights
// CHECK-SAME:    (%x: memref<2x3xf32>, %result: memref<2x3xf32>) attributes {loop.entry} {
// CHECK-NEXT:    %w = memref.get_global @weights_const0 : memref<3xf32>
// CHECK-NEXT:    func.call @weights_k0_add(%x, %w, %result) : (memref<2x3xf32>, memref<3xf32>, memref<2x3xf32>) -> ()
// CHECK-NEXT:    func.return
func.func @weights(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %0 = nn.add %x, %w : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// CHECK-NOT:   splat_const
// CHECK-LABEL: func.func private @splat_k0_mul
// CHECK-SAME:    (%x: memref<2x3xf32>, %out: memref<2x3xf32>) {
// CHECK:         %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK:           %[[V:.*]] = loop.load %x[%[[I:.*]], %[[J:.*]]] : memref<2x3xf32>
// CHECK-NEXT:      %[[R:.*]] = arith.mulf %[[V]], %[[HALF]] : f32
// CHECK-NEXT:      loop.store %[[R]], %out[%[[I]], %[[J]]] : memref<2x3xf32>
// CHECK-LABEL: func.func @splat
// CHECK-SAME:    (%x: memref<2x3xf32>, %result: memref<2x3xf32>) attributes {loop.entry} {
// CHECK-NEXT:    func.call @splat_k0_mul(%x, %result) : (memref<2x3xf32>, memref<2x3xf32>) -> ()
// CHECK-NEXT:    func.return
func.func @splat(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %s = nn.constant dense<0.5> : tensor<2x3xf32>
  %0 = nn.mul %x, %s : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// A constant returned as is is copied out of its global.
// CHECK:       "memref.global"() <{sym_name = "returned_const0", type = memref<2xf32>
// CHECK-LABEL: func.func @returned
// CHECK-SAME:    (%result: memref<2xf32>) attributes {loop.entry} {
// CHECK-NEXT:    %[[G:.*]] = memref.get_global @returned_const0 : memref<2xf32>
// CHECK-NEXT:    func.call @returned_k0_copy(%[[G]], %result)
func.func @returned() -> tensor<2xf32> {
  %c = nn.constant dense<[1.0, -1.0]> : tensor<2xf32>
  func.return %c : tensor<2xf32>
}
