// With symbolic dims, the entry takes the symbols' values first; tensors with
// symbolic dims are flat buffers: the caller's are memref<?xf32>, intermediates
// are allocated at their bound (batch <= 8: 8 * 3 floats); kernels take the
// symbols they need and compute linear positions from them.
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops' | filecheck %s
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops' | opt-fuse - | filecheck %s
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,plan-memory,emit-llvm{target=x86_64}' | filecheck %s --check-prefix=LLVM

// The symbolic-size buffers get no dereferenceable (their size is a runtime value); the arena is sized at the bound.
// LLVM: ; entry point: i32 mlp_run(i64 batch, in x: ? x float, in w: 4x3 x float, out result: ? x float), returns 0
// LLVM: @mlp.arena = internal global [96 x i8] zeroinitializer, align 64
// LLVM: define internal void @mlp_k0_matmul(ptr noalias nocapture readonly %x, ptr noalias nocapture readonly dereferenceable(48) %w, ptr noalias nocapture dereferenceable(96) %out, i64 %batch)
// LLVM: define i32 @mlp_run(i64 %batch, ptr noalias nocapture readonly %x, ptr noalias nocapture readonly dereferenceable(48) %w, ptr noalias nocapture %result)
// A C caller's batch past the bound (or negative) returns 1 before any kernel runs.
// LLVM-NEXT: entry:
// LLVM-NEXT:   %batch.past_bound = icmp ugt i64 %batch, 8
// LLVM-NEXT:   br i1 %batch.past_bound, label %bounds.error, label %bounds.ok
// LLVM:      bounds.error:
// LLVM-NEXT:   ret i32 1
// LLVM: call void @mlp_k0_matmul(ptr %x, ptr %w, ptr @mlp.arena, i64 %batch)

// CHECK-LABEL: func.func private @mlp_k0_matmul(%x: memref<?xf32>, %w: memref<4x3xf32>, %out: memref<24xf32>, %batch: index)
// CHECK:         loop.parallel %[[I:.*]] = %{{.*}} to %batch step
// CHECK:           %[[ROW:.*]] = arith.muli %[[I]], %{{.*}} : index
// CHECK:           loop.load %x[%{{.*}}] : memref<?xf32>
// CHECK:           loop.store %{{.*}}, %out[%{{.*}}] : memref<24xf32>
// CHECK-LABEL: func.func private @mlp_k1_relu(%y: memref<24xf32>, %out: memref<?xf32>, %batch: index)
// CHECK-LABEL: func.func @mlp(%batch: index, %x: memref<?xf32>, %w: memref<4x3xf32>, %result: memref<?xf32>)
// CHECK-SAME:    attributes {loop.entry, nn.dim_bounds = {batch = 8 : i64}}
// CHECK:         %y = loop.alloc : memref<24xf32>
// CHECK:         func.call @mlp_k0_matmul(%x, %w, %y, %batch)
// CHECK:         func.call @mlp_k1_relu(%y, %result, %batch)
func.func @mlp(%x: tensor<?x4xf32, #nn.dims<[batch, 4]>>, %w: tensor<4x3xf32>) -> tensor<*xf32> attributes {nn.dim_bounds = {batch = 8 : i64}} {
  %y = nn.matmul %x, %w : (tensor<?x4xf32, #nn.dims<[batch, 4]>>, tensor<4x3xf32>) -> tensor<*xf32>
  %z = nn.relu %y : (tensor<*xf32>) -> tensor<*xf32>
  func.return %z : tensor<*xf32>
}
