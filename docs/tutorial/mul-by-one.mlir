// The tutorial's pass (docs/tutorial-first-pass.md), loaded as a plugin.
// RUN: opt-fuse %s --load-pass-plugin %S/mul_by_one.py -p 'shape-infer,mul-by-one' | filecheck %s
// RUN: opt-fuse %s --load-pass-plugin %S/mul_by_one.py -p 'shape-infer,mul-by-one{div=true}' | filecheck %s --check-prefix=DIV
// Before shape-infer the result type is unknown (tensor<*xf32>): nothing may be removed.
// RUN: opt-fuse %s --load-pass-plugin %S/mul_by_one.py -p 'mul-by-one' | filecheck %s --check-prefix=UNSHAPED

// x * 1 and 1 * x are x; the constant goes too.
// CHECK-LABEL: func.func @mul_by_one
// CHECK-NOT:     nn.constant
// CHECK-NOT:     nn.mul
// CHECK:         %[[R:.*]] = nn.relu %x : (tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT:    func.return %[[R]] : tensor<2x4xf32>
// UNSHAPED-LABEL: func.func @mul_by_one
// UNSHAPED:         nn.mul %x, %one
func.func @mul_by_one(%x: tensor<2x4xf32>) -> tensor<*xf32> {
  %one = nn.constant dense<1.0> : tensor<4xf32>
  %0 = nn.mul %x, %one : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<*xf32>
  %1 = nn.mul %one, %0 : (tensor<4xf32>, tensor<*xf32>) -> tensor<*xf32>
  %2 = nn.relu %1 : (tensor<*xf32>) -> tensor<*xf32>
  func.return %2 : tensor<*xf32>
}

// Ones that broadcast x to a larger shape, and a multiplication by 2, stay.
// CHECK-LABEL: func.func @kept
// CHECK:         nn.mul %x, %ones : (tensor<4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
// CHECK:         nn.mul %x, %two : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
func.func @kept(%x: tensor<4xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %ones = nn.constant dense<1.0> : tensor<3x4xf32>
  %two = nn.constant dense<2.0> : tensor<1xf32>
  %0 = nn.mul %x, %ones : (tensor<4xf32>, tensor<3x4xf32>) -> tensor<*xf32>
  %1 = nn.mul %x, %two : (tensor<4xf32>, tensor<1xf32>) -> tensor<*xf32>
  func.return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// x / 1 goes only with div=true.
// CHECK-LABEL: func.func @div_by_one
// CHECK:         nn.div %x, %one
// DIV-LABEL:   func.func @div_by_one
// DIV-NOT:       nn.div
// DIV:           func.return %x : tensor<4xf32>
func.func @div_by_one(%x: tensor<4xf32>) -> tensor<*xf32> {
  %one = nn.constant dense<1.0> : tensor<1xf32>
  %0 = nn.div %x, %one : (tensor<4xf32>, tensor<1xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
