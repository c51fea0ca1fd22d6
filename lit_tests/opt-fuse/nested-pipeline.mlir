// MLIR's nested pipeline syntax: builtin.module(func.func(cse)) runs cse on each
// function; the flat form `shape-infer,cse` and xDSL's dce/canonicalize work too.
// RUN: opt-fuse %s -p 'builtin.module(func.func(cse))' | filecheck %s
// RUN: opt-fuse %s -p 'builtin.module(shape-infer,func.func(cse,dce))' | filecheck %s --check-prefix=SHAPE
// RUN: opt-fuse %s -p 'shape-infer,cse' | filecheck %s --check-prefix=SHAPE
// RUN: opt-fuse %s -p dce | filecheck %s --check-prefix=DCE
// RUN: opt-fuse %s -p canonicalize | filecheck %s --check-prefix=DCE

// CHECK-LABEL: func.func @f
// CHECK-NEXT:    %[[R:.*]] = nn.relu %x : (tensor<2xf32>) -> tensor<*xf32>
// CHECK-NEXT:    %[[S:.*]] = nn.add %[[R]], %[[R]]
// CHECK-NEXT:    func.return %[[S]]
// SHAPE-LABEL: func.func @f
// SHAPE-NEXT:    %[[R:.*]] = nn.relu %x : (tensor<2xf32>) -> tensor<2xf32>
// SHAPE-NEXT:    %[[S:.*]] = nn.add %[[R]], %[[R]] : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
// SHAPE-NEXT:    func.return %[[S]] : tensor<2xf32>
// DCE-LABEL:   func.func @f
// DCE-NOT:       nn.neg
// DCE:           func.return
func.func @f(%x: tensor<2xf32>) -> tensor<*xf32> {
  %0 = nn.relu %x : (tensor<2xf32>) -> tensor<*xf32>
  %1 = nn.relu %x : (tensor<2xf32>) -> tensor<*xf32>
  %2 = nn.add %0, %1 : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  %3 = nn.neg %x : (tensor<2xf32>) -> tensor<*xf32>
  func.return %2 : tensor<*xf32>
}

// CHECK-LABEL: func.func @g
// CHECK-NEXT:    %[[E:.*]] = nn.exp %x
// CHECK-NEXT:    %[[M:.*]] = nn.mul %[[E]], %[[E]]
// CHECK-NEXT:    func.return %[[M]]
func.func @g(%x: tensor<2xf32>) -> tensor<*xf32> {
  %0 = nn.exp %x : (tensor<2xf32>) -> tensor<*xf32>
  %1 = nn.exp %x : (tensor<2xf32>) -> tensor<*xf32>
  %2 = nn.mul %0, %1 : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  func.return %2 : tensor<*xf32>
}
