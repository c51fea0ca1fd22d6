// emit-llvm for x86_64 and aarch64 from an nn-level function: the target triple
// and datalayout, one `internal` function per kernel, and the exported entry point
// `i32 @<name>_run` whose buffer arguments are all noalias, the inputs readonly and
// the output writable. The third RUN stops at the loop level, prints it and
// translates the parsed text: the LLVM IR must be the same.
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,emit-llvm{target=x86_64}' | filecheck %s --check-prefixes=CHECK,X86
// RUN: opt-fuse %s -p 'builtin.module(shape-infer,lower-to-loops,emit-llvm{target=aarch64})' | filecheck %s --check-prefixes=CHECK,ARM
// RUN: opt-fuse %s -p shape-infer,lower-to-loops | opt-fuse -p 'emit-llvm{target=x86_64}' | filecheck %s --check-prefixes=CHECK,X86

// X86:         target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
// X86-NEXT:    target triple = "x86_64-unknown-linux-gnu"
// ARM:         target datalayout = "e-m:e-i8:8:32-i16:16:32-i64:64-i128:128-n32:64-S128"
// ARM-NEXT:    target triple = "aarch64-unknown-linux-gnu"

// The non-splat weight is an internal constant, 64-byte aligned.
// CHECK:       @model_const0 = internal constant [3 x float] [
// CHECK-NEXT:    float 0x3FF0000000000000, float 0x4000000000000000, float 0x4008000000000000
// CHECK-NEXT:  ], align 64

// CHECK-LABEL: define internal void @model_k0_add(
// CHECK-SAME:    ptr noalias nocapture readonly dereferenceable(24) %x, ptr noalias nocapture readonly dereferenceable(12) %b, ptr noalias nocapture dereferenceable(24) %out)
// CHECK:         fadd float
// CHECK:         ret void
// CHECK-LABEL: define internal void @model_k1_mul(
// CHECK:         fmul float
// CHECK-LABEL: define internal void @model_k2_relu(
// CHECK:         call float @llvm.maxnum.f32

// CHECK-LABEL: define i32 @model_run(
// CHECK-SAME:    ptr noalias nocapture readonly dereferenceable(24) %x, ptr noalias nocapture readonly dereferenceable(12) %b, ptr noalias nocapture dereferenceable(24) %result)
// CHECK-NEXT:  entry:
// CHECK-NEXT:    call void @model_k0_add(ptr %x, ptr %b, ptr @[[T0:.*]])
// CHECK-NEXT:    call void @model_k1_mul(ptr @[[T0]], ptr @model_const0, ptr @[[T1:.*]])
// CHECK-NEXT:    call void @model_k2_relu(ptr @[[T1]], ptr %result)
// CHECK-NEXT:    ret i32 0
// CHECK-NEXT:  }
// CHECK:       declare float @llvm.maxnum.f32(float, float)
func.func @model(%x: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %0 = nn.add %x, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<*xf32>
  %1 = nn.mul %0, %w : (tensor<*xf32>, tensor<3xf32>) -> tensor<*xf32>
  %2 = nn.relu %1 : (tensor<*xf32>) -> tensor<*xf32>
  func.return %2 : tensor<*xf32>
}
