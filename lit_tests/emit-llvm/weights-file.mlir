// emit-llvm with weights-file: a constant of more than 64 elements is not printed
// in the IR; it is written to the weights file, which the IR embeds in .rodata with
// a module-level `.incbin` under the label <name>_weights (an external hidden
// [N x i8] to LLVM). Smaller constants stay inline. Without weights-file, every
// constant is inline and no file is written.
// RUN: rm -f %t.weights %t.none
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,emit-llvm{target=x86_64 weights-file=%t.weights}' | filecheck %s
// RUN: test -s %t.weights
// RUN: wc -c < %t.weights | filecheck %s --check-prefix=SIZE
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,emit-llvm{target=x86_64}' | filecheck %s --check-prefix=INLINE

// CHECK:       module asm "\09.pushsection .rodata,\22a\22"
// CHECK-NEXT:  module asm "\09.p2align 6"
// CHECK-NEXT:  module asm "big_weights:"
// CHECK-NEXT:  module asm "\09.incbin \22{{.*}}weights-file.mlir.tmp.weights\22"
// CHECK-NEXT:  module asm "\09.popsection"
// CHECK-NEXT:  @big_weights = external hidden constant [288 x i8]
// CHECK-NOT:   [72 x float] [
// CHECK:       @{{.*}} = internal constant [9 x float] [
// CHECK-LABEL: define i32 @big_run(
// CHECK:         call void @big_k0_reshape(ptr @big_weights, ptr

// 72 floats of 4 bytes.
// SIZE: 288

// INLINE-NOT:  incbin
// INLINE:      @big_const0 = internal constant [72 x float] [
// INLINE-LABEL: define i32 @big_run(
// INLINE:        call void @big_k0_reshape(ptr @big_const0, ptr
func.func @big(%x: tensor<8x9xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<[0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 8.5, 9.0, 9.5, 10.0, 10.5, 11.0, 11.5, 12.0, 12.5, 13.0, 13.5, 14.0, 14.5, 15.0, 15.5, 16.0, 16.5, 17.0, 17.5, 18.0, 18.5, 19.0, 19.5, 20.0, 20.5, 21.0, 21.5, 22.0, 22.5, 23.0, 23.5, 24.0, 24.5, 25.0, 25.5, 26.0, 26.5, 27.0, 27.5, 28.0, 28.5, 29.0, 29.5, 30.0, 30.5, 31.0, 31.5, 32.0, 32.5, 33.0, 33.5, 34.0, 34.5, 35.0, 35.5]> : tensor<72xf32>
  %r = nn.reshape %w shape [8, 9] : (tensor<72xf32>) -> tensor<*xf32>
  %small = nn.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]> : tensor<9xf32>
  %0 = nn.add %x, %r : (tensor<8x9xf32>, tensor<*xf32>) -> tensor<*xf32>
  %1 = nn.sub %0, %small : (tensor<*xf32>, tensor<9xf32>) -> tensor<*xf32>
  func.return %1 : tensor<*xf32>
}
