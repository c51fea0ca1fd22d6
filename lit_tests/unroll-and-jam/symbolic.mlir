// unroll-and-jam on an output loop whose extent is a runtime symbol (n): the
// stepped loop ends at n - n mod 4 (computed as (n / 4) * 4 from the lower
// bound), and the original loop runs the rest, from there to n.
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,unroll-and-jam{factor=4 outer-factor=1 vectors=false}' | filecheck %s
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,unroll-and-jam{factor=4 outer-factor=1 vectors=false},plan-memory,emit-llvm{target=x86_64}' | filecheck %s --check-prefix=LLVM

// CHECK-LABEL: func.func private @mm_k0_matmul(%x: memref<2x4xf32>, %w: memref<?xf32>, %out: memref<?xf32>, %n: index)
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK:         %[[SPAN:.*]] = arith.subi %n, %[[C0]] : index
// CHECK-NEXT:    %[[Q:.*]] = arith.divsi %[[SPAN]], %[[C4]] : index
// CHECK-NEXT:    %[[M:.*]] = arith.muli %[[Q]], %[[C4]] : index
// CHECK-NEXT:    %[[END:.*]] = arith.addi %[[C0]], %[[M]] : index
// CHECK-NEXT:    loop.for %[[J:.*]] = %[[C0]] to %[[END]] step %[[C4]] {
// CHECK:           loop.for %{{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32) {
// CHECK-COUNT-4:     loop.load %w[
// CHECK-COUNT-4:   loop.store
// CHECK-NEXT:    }
// CHECK-NEXT:    loop.for %{{.*}} = %[[END]] to %n step %[[C1]] {
// CHECK:           loop.for %{{.*}} iter_args({{.*}}) -> (f32) {
// LLVM: define internal void @mm_k0_matmul(
// LLVM:   sdiv i64
func.func @mm(%x: tensor<2x4xf32>, %w: tensor<4x?xf32, #nn.dims<[4, n]>>) -> tensor<*xf32> attributes {nn.dim_bounds = {n = 64 : i64}} {
  %y = nn.matmul %x, %w : (tensor<2x4xf32>, tensor<4x?xf32, #nn.dims<[4, n]>>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}
