// IR printing around passes, to stderr (stdout keeps only the final IR):
// --print-ir-before=NAME and --print-ir-after=NAME (repeatable or comma lists; a
// pass nested as func.func(cse) answers to cse), --print-ir-before-all, and
// --print-ir-after-failure (the IR as a failing pass left it). An unknown pass
// name is an error, not silence.
// RUN: opt-fuse %s -p 'shape-infer,func.func(cse),dce' --print-ir-before=cse --print-ir-after=shape-infer,dce 2>&1 >/dev/null | filecheck %s
// RUN: opt-fuse %s -p 'shape-infer,cse' --print-ir-before-all 2>&1 >/dev/null | filecheck %s --check-prefix=ALL
// RUN: not opt-fuse %s -p 'shape-infer,emit-llvm' --print-ir-after-failure 2>&1 | filecheck %s --check-prefix=FAILURE
// RUN: not opt-fuse %s -p cse --print-ir-after=csee 2>&1 | filecheck %s --check-prefix=UNKNOWN

// CHECK-NOT:   IR Dump Before shape-infer
// CHECK:       // -----// IR Dump After shape-infer //----- //
// CHECK:         %0 = nn.neg %x : (tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT:    %1 = nn.neg %x : (tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT:    %2 = nn.exp %x
// CHECK:       // -----// IR Dump Before func.func(cse) //----- //
// CHECK:         %1 = nn.neg %x
// CHECK-NOT:   IR Dump After func.func(cse)
// CHECK:       // -----// IR Dump After dce //----- //
// CHECK-NEXT:  builtin.module {
// CHECK-NEXT:    func.func @f
// CHECK-NEXT:      %0 = nn.neg %x : (tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT:      func.return %0, %0
// CHECK-NOT:   IR Dump

// ALL:         // -----// IR Dump Before shape-infer //----- //
// ALL:           nn.neg %x : (tensor<2xf32>) -> tensor<*xf32>
// ALL:         // -----// IR Dump Before cse //----- //
// ALL:           nn.neg %x : (tensor<2xf32>) -> tensor<2xf32>
// ALL-NOT:     IR Dump After

// FAILURE:     // -----// IR Dump After emit-llvm Failed //----- //
// FAILURE:       func.func @f
// FAILURE:     opt-fuse: error: emit-llvm: {{.*}}

// UNKNOWN: opt-fuse: error: --print-ir-after: unknown pass 'csee' (did you mean 'cse'?); see --list-passes
func.func @f(%x: tensor<2xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = nn.neg %x : (tensor<2xf32>) -> tensor<*xf32>
  %1 = nn.neg %x : (tensor<2xf32>) -> tensor<*xf32>
  %2 = nn.exp %x : (tensor<2xf32>) -> tensor<*xf32>
  func.return %0, %1 : tensor<*xf32>, tensor<*xf32>
}
