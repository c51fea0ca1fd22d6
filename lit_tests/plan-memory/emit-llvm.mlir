// From nn ops to LLVM IR with plan-memory: the three intermediates of a chain
// of four kernels live in ONE 64-byte aligned arena global, each a constant
// byte offset from its base (the third reuses the first one's bytes), and every
// kernel parameter keeps `noalias`: the two buffers one call is given are both
// live at that call, so they never share bytes. The weight stays its own
// constant global and the caller's buffers stay parameters.
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,plan-memory,emit-llvm{target=x86_64}' | filecheck %s
// The planned loop level, printed and parsed again, translates to the same IR.
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,plan-memory' | opt-fuse -p 'emit-llvm{target=x86_64}' | filecheck %s

// CHECK:       ; not reentrant: intermediate buffers are 1 static global(s), 512 bytes
// CHECK:       @model_const0 = internal constant [16 x float]
// CHECK:       @model.arena = internal global [512 x i8] zeroinitializer, align 64
// CHECK-NOT:   internal global
// CHECK-LABEL: define internal void @model_k1_mul(
// CHECK-SAME:    ptr noalias nocapture readonly dereferenceable(256) %{{[^,]*}}, ptr noalias nocapture readonly dereferenceable(64) %w, ptr noalias nocapture dereferenceable(256) %out)
// CHECK-LABEL: define internal void @model_k2_relu(
// CHECK-SAME:    ptr noalias nocapture readonly dereferenceable(256) %{{[^,]*}}, ptr noalias nocapture dereferenceable(256) %out)
// CHECK-LABEL: define i32 @model_run(
// CHECK-SAME:    ptr noalias nocapture readonly dereferenceable(256) %x, ptr noalias nocapture readonly dereferenceable(64) %b, ptr noalias nocapture dereferenceable(256) %result)
// CHECK-NEXT:  entry:
// CHECK-NEXT:    call void @model_k0_add(ptr %x, ptr %b, ptr @model.arena)
// CHECK-NEXT:    %[[T1:.*]] = getelementptr inbounds i8, ptr @model.arena, i64 256
// CHECK-NEXT:    call void @model_k1_mul(ptr @model.arena, ptr @model_const0, ptr %[[T1]])
// CHECK-NEXT:    call void @model_k2_relu(ptr %[[T1]], ptr @model.arena)
// CHECK-NEXT:    call void @model_k3_neg(ptr @model.arena, ptr %result)
// CHECK-NEXT:    ret i32 0
func.func @model(%x: tensor<4x16xf32>, %b: tensor<16xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<16xf32>
  %0 = nn.add %x, %b : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<*xf32>
  %1 = nn.mul %0, %w : (tensor<*xf32>, tensor<16xf32>) -> tensor<*xf32>
  %2 = nn.relu %1 : (tensor<*xf32>) -> tensor<*xf32>
  %3 = nn.neg %2 : (tensor<*xf32>) -> tensor<*xf32>
  func.return %3 : tensor<*xf32>
}
