// Element types are checked where they are inferred: each error names the op, its location and the types.
// RUN: opt-fuse %s -p shape-infer --split-input-file --verify-diagnostics | filecheck %s

// CHECK: shape-infer: 'nn.add' at {{.*}}element-type-errors.mlir:[[# @LINE + 3]]:3: operands of different element types (i64, f32)
func.func @mixed(%a: tensor<4xi64>, %b: tensor<4xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{operands of different element types}}
  %0 = nn.add %a, %b : (tensor<4xi64>, tensor<4xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// CHECK: shape-infer: 'nn.sigmoid' at {{.*}}element-type-errors.mlir:[[# @LINE + 3]]:3: nn.sigmoid computes on float elements, not i64
func.func @float_only(%a: tensor<4xi64>) -> tensor<*xf32> {
  // expected-error@+1 {{computes on float elements}}
  %0 = nn.sigmoid %a : (tensor<4xi64>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// CHECK: shape-infer: 'nn.where' at {{.*}}element-type-errors.mlir:[[# @LINE + 3]]:3: the condition must hold bools (i1), not f32
func.func @condition(%c: tensor<4xf32>, %a: tensor<4xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{the condition must hold bools}}
  %0 = nn.where %c, %a, %a : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// CHECK: shape-infer: 'nn.and' at {{.*}}element-type-errors.mlir:[[# @LINE + 3]]:3: nn.and takes bools (i1), not i64
func.func @logic(%a: tensor<4xi64>) -> tensor<*xi1> {
  // expected-error@+1 {{takes bools}}
  %0 = nn.and %a, %a : (tensor<4xi64>, tensor<4xi64>) -> tensor<*xi1>
  func.return %0 : tensor<*xi1>
}

// -----

// CHECK: shape-infer: 'nn.gather' at {{.*}}element-type-errors.mlir:[[# @LINE + 3]]:3: indices must be integers, not i1
func.func @indices(%t: tensor<5x2xf32>, %i: tensor<3xi1>) -> tensor<*xf32> {
  // expected-error@+1 {{indices must be integers}}
  %0 = nn.gather %t, %i axis 0 : (tensor<5x2xf32>, tensor<3xi1>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
