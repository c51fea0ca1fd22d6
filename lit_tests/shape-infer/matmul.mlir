// shape-infer on nn.matmul: 2-D, batched with broadcast batch dims, and 1-D operands
// (a 1-D lhs is a row vector and a 1-D rhs a column vector, whose dim is dropped).
// RUN: opt-fuse %s -p shape-infer | filecheck %s

// CHECK-LABEL: func.func @matrix
// CHECK:         nn.matmul %a, %b : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
func.func @matrix(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<*xf32> {
  %0 = nn.matmul %a, %b : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// CHECK-LABEL: func.func @batched
// CHECK:         nn.matmul %a, %b : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
// CHECK:         nn.matmul %c, %d : (tensor<7x1x3x4xf32>, tensor<6x4x5xf32>) -> tensor<7x6x3x5xf32>
func.func @batched(%a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>, %c: tensor<7x1x3x4xf32>, %d: tensor<6x4x5xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.matmul %a, %b : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<*xf32>
  %1 = nn.matmul %c, %d : (tensor<7x1x3x4xf32>, tensor<6x4x5xf32>) -> tensor<*xf32>
  func.return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// CHECK-LABEL: func.func @vectors
// CHECK-SAME:    -> (tensor<3xf32>, tensor<5xf32>, tensor<f32>, tensor<2x5xf32>)
// CHECK:         nn.matmul %m, %v : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3xf32>
// CHECK:         nn.matmul %v, %n : (tensor<4xf32>, tensor<4x5xf32>) -> tensor<5xf32>
// CHECK:         nn.matmul %v, %v : (tensor<4xf32>, tensor<4xf32>) -> tensor<f32>
// CHECK:         nn.matmul %v, %b : (tensor<4xf32>, tensor<2x4x5xf32>) -> tensor<2x5xf32>
func.func @vectors(%m: tensor<3x4xf32>, %v: tensor<4xf32>, %n: tensor<4x5xf32>, %b: tensor<2x4x5xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.matmul %m, %v : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<*xf32>
  %1 = nn.matmul %v, %n : (tensor<4xf32>, tensor<4x5xf32>) -> tensor<*xf32>
  %2 = nn.matmul %v, %v : (tensor<4xf32>, tensor<4xf32>) -> tensor<*xf32>
  %3 = nn.matmul %v, %b : (tensor<4xf32>, tensor<2x4x5xf32>) -> tensor<*xf32>
  func.return %0, %1, %2, %3 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}
