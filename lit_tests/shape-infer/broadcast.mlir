// shape-infer on elementwise ops: unary ops keep the shape; binary ops broadcast
// numpy-style (rank extension, size-1 dims, scalars of rank 0); the function's
// result types are updated from what it returns.
// RUN: opt-fuse %s -p shape-infer | filecheck %s

// CHECK-LABEL: func.func @unary
// CHECK-SAME:    (%x: tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[A:.*]] = nn.relu %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[B:.*]] = nn.sigmoid %[[A]] : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[C:.*]] = nn.clip %[[B]] min 0.000000e+00 max 6.000000e+00 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    func.return %[[C]] : tensor<2x3xf32>
func.func @unary(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %0 = nn.relu %x : (tensor<2x3xf32>) -> tensor<*xf32>
  %1 = nn.sigmoid %0 : (tensor<*xf32>) -> tensor<*xf32>
  %2 = nn.clip %1 min 0.0 max 6.0 : (tensor<*xf32>) -> tensor<*xf32>
  func.return %2 : tensor<*xf32>
}

// CHECK-LABEL: func.func @same_shape
// CHECK:         nn.add %a, %b : (tensor<4x5xf32>, tensor<4x5xf32>) -> tensor<4x5xf32>
func.func @same_shape(%a: tensor<4x5xf32>, %b: tensor<4x5xf32>) -> tensor<*xf32> {
  %0 = nn.add %a, %b : (tensor<4x5xf32>, tensor<4x5xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// CHECK-LABEL: func.func @rank_extension
// CHECK:         nn.mul %a, %b : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
// CHECK:         nn.sub %b, %a : (tensor<4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
func.func @rank_extension(%a: tensor<2x3x4xf32>, %b: tensor<4xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.mul %a, %b : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<*xf32>
  %1 = nn.sub %b, %a : (tensor<4xf32>, tensor<2x3x4xf32>) -> tensor<*xf32>
  func.return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// Size-1 dims on both sides stretch to each other.
// CHECK-LABEL: func.func @both_sides
// CHECK:         nn.div %a, %b : (tensor<3x1x5xf32>, tensor<4x1xf32>) -> tensor<3x4x5xf32>
func.func @both_sides(%a: tensor<3x1x5xf32>, %b: tensor<4x1xf32>) -> tensor<*xf32> {
  %0 = nn.div %a, %b : (tensor<3x1x5xf32>, tensor<4x1xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// A rank-0 tensor broadcasts to anything; two of them stay rank 0.
// CHECK-LABEL: func.func @scalars
// CHECK-SAME:    -> (tensor<2x3xf32>, tensor<f32>)
// CHECK:         nn.pow %a, %s : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
// CHECK:         nn.max %s, %s : (tensor<f32>, tensor<f32>) -> tensor<f32>
func.func @scalars(%a: tensor<2x3xf32>, %s: tensor<f32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.pow %a, %s : (tensor<2x3xf32>, tensor<f32>) -> tensor<*xf32>
  %1 = nn.max %s, %s : (tensor<f32>, tensor<f32>) -> tensor<*xf32>
  func.return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// Shapes flow through a chain: each op sees its operand's inferred type.
// CHECK-LABEL: func.func @chain
// CHECK-SAME:    -> tensor<2x3xf32>
// CHECK-NEXT:    %[[S:.*]] = nn.min %a, %b : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[T:.*]] = nn.neg %[[S]] : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[U:.*]] = nn.add %[[T]], %c : (tensor<2x3xf32>, tensor<1x1xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    func.return %[[U]] : tensor<2x3xf32>
func.func @chain(%a: tensor<2x1xf32>, %b: tensor<3xf32>, %c: tensor<1x1xf32>) -> tensor<*xf32> {
  %0 = nn.min %a, %b : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<*xf32>
  %1 = nn.neg %0 : (tensor<*xf32>) -> tensor<*xf32>
  %2 = nn.add %1, %c : (tensor<*xf32>, tensor<1x1xf32>) -> tensor<*xf32>
  func.return %2 : tensor<*xf32>
}

// Already ranked results that agree with the inferred ones are left alone.
// CHECK-LABEL: func.func @already_ranked
// CHECK:         nn.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
func.func @already_ranked(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = nn.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}
