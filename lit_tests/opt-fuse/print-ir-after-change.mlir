// --print-ir-after-change prints the IR after a pass only when the pass changed it:
// alone, after every such pass; with --print-ir-after=NAME or --print-ir-after-all,
// only among those. Here shape-infer changes the types, cse removes the duplicate,
// and dce has nothing left to remove.
// RUN: opt-fuse %s -p 'shape-infer,cse,dce' --print-ir-after-change 2>&1 >/dev/null | filecheck %s
// RUN: opt-fuse %s -p 'shape-infer,cse,dce' --print-ir-after-change --print-ir-after=dce,cse 2>&1 >/dev/null | filecheck %s --check-prefix=NAMED
// RUN: opt-fuse %s -p 'shape-infer,shape-infer' --print-ir-after-change --print-ir-after-all 2>&1 >/dev/null | filecheck %s --check-prefix=TWICE

// CHECK:       // -----// IR Dump After shape-infer //----- //
// CHECK:         nn.relu %x : (tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT:    nn.relu %x : (tensor<2xf32>) -> tensor<2xf32>
// CHECK:       // -----// IR Dump After cse //----- //
// CHECK:         nn.relu %x : (tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT:    func.return
// CHECK-NOT:   IR Dump After dce

// NAMED-NOT:   IR Dump After shape-infer
// NAMED:       // -----// IR Dump After cse //----- //
// NAMED-NOT:   IR Dump After dce

// TWICE:       // -----// IR Dump After shape-infer //----- //
// TWICE-NOT:   // -----// IR Dump After shape-infer //----- //
func.func @f(%x: tensor<2xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.relu %x : (tensor<2xf32>) -> tensor<*xf32>
  %1 = nn.relu %x : (tensor<2xf32>) -> tensor<*xf32>
  func.return %0, %1 : tensor<*xf32>, tensor<*xf32>
}
