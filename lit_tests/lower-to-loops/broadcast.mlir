// lower-to-loops on a broadcasting add: a lower-rank operand is read with the
// trailing indices only, a size-1 dim with the constant index 0; a load that does
// not depend on the inner index is hoisted out of the inner loop.
// RUN: opt-fuse %s -p lower-to-loops | filecheck %s

// CHECK-LABEL: func.func private @row_k0_add
// CHECK-SAME:    (%a: memref<2x3xf32>, %b: memref<3xf32>, %out: memref<2x3xf32>) {
// CHECK:         loop.parallel %[[I:.*]] = {{.*}} {
// CHECK-NEXT:      loop.for %[[J:.*]] = {{.*}} {
// CHECK-NEXT:        %[[A:.*]] = loop.load %a[%[[I]], %[[J]]] : memref<2x3xf32>
// CHECK-NEXT:        %[[B:.*]] = loop.load %b[%[[J]]] : memref<3xf32>
// CHECK-NEXT:        %[[S:.*]] = arith.addf %[[A]], %[[B]] : f32
// CHECK-NEXT:        loop.store %[[S]], %out[%[[I]], %[[J]]] : memref<2x3xf32>
// CHECK-LABEL: func.func @row
// CHECK-SAME:    (%a: memref<2x3xf32>, %b: memref<3xf32>, %result: memref<2x3xf32>)
// CHECK-NEXT:    func.call @row_k0_add(%a, %b, %result)
func.func @row(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<*xf32> {
  %0 = nn.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// CHECK-LABEL: func.func private @column_k0_add
// CHECK-SAME:    (%a: memref<2x3xf32>, %b: memref<2x1xf32>, %out: memref<2x3xf32>) {
// CHECK:         %[[C0:.*]] = arith.constant 0 : index
// CHECK:         loop.parallel %[[I:.*]] = %[[C0]] to {{.*}} {
// CHECK-NEXT:      %[[B:.*]] = loop.load %b[%[[I]], %[[C0]]] : memref<2x1xf32>
// CHECK-NEXT:      loop.for %[[J:.*]] = {{.*}} {
// CHECK-NEXT:        %[[A:.*]] = loop.load %a[%[[I]], %[[J]]] : memref<2x3xf32>
// CHECK-NEXT:        %[[S:.*]] = arith.addf %[[A]], %[[B]] : f32
// CHECK-NEXT:        loop.store %[[S]], %out[%[[I]], %[[J]]] : memref<2x3xf32>
func.func @column(%a: tensor<2x3xf32>, %b: tensor<2x1xf32>) -> tensor<*xf32> {
  %0 = nn.add %a, %b : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// A rank-0 operand is loaded once, outside every loop.
// CHECK-LABEL: func.func private @scalar_k0_add
// CHECK-SAME:    (%a: memref<2x3xf32>, %s: memref<f32>, %out: memref<2x3xf32>) {
// CHECK-NOT:     loop.parallel
// CHECK:         %[[S:.*]] = loop.load %s[] : memref<f32>
// CHECK:         loop.parallel
// CHECK:           %[[A:.*]] = loop.load %a
// CHECK-NEXT:      %[[R:.*]] = arith.addf %[[A]], %[[S]] : f32
func.func @scalar(%a: tensor<2x3xf32>, %s: tensor<f32>) -> tensor<*xf32> {
  %0 = nn.add %a, %s : (tensor<2x3xf32>, tensor<f32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
