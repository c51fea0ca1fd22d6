// emit-llvm does not take views' disjointness on trust: it compares byte
// ranges. Two views of one arena whose bytes meet, passed to a kernel that
// writes one of them, lose `noalias` (it would be undefined behaviour); views
// at disjoint ranges keep it, and so does one view read twice.
// RUN: opt-fuse %s -p 'emit-llvm{target=x86_64}' | filecheck %s

// CHECK-LABEL: define internal void @copy_disjoint(
// CHECK-SAME:    ptr noalias nocapture readonly dereferenceable(16) %a, ptr noalias nocapture dereferenceable(16) %b)
// CHECK-LABEL: define internal void @copy_overlapping(
// CHECK-SAME:    ptr nocapture readonly dereferenceable(16) %a, ptr nocapture dereferenceable(16) %b)
// CHECK-LABEL: define internal void @add_reads(
// CHECK-SAME:    ptr noalias nocapture readonly dereferenceable(16) %a, ptr noalias nocapture readonly dereferenceable(16) %b, ptr noalias nocapture dereferenceable(16) %c)
// CHECK-LABEL: define i32 @model_run(
// CHECK:         %p = getelementptr inbounds i8, ptr @model.arena, i64 16
// CHECK-NEXT:    %q = getelementptr inbounds i8, ptr @model.arena, i64 24
// CHECK-NEXT:    %r = getelementptr inbounds i8, ptr @model.arena, i64 32
// CHECK-NEXT:    call void @copy_disjoint(ptr %x, ptr %p)
// CHECK-NEXT:    call void @copy_disjoint(ptr %p, ptr %r)
// CHECK-NEXT:    call void @copy_overlapping(ptr %p, ptr %q)
// CHECK-NEXT:    call void @add_reads(ptr %q, ptr %q, ptr %y)
func.func private @copy_disjoint(%a: memref<4xf32>, %b: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %v = loop.load %a[%c0] : memref<4xf32>
  loop.store %v, %b[%c0] : memref<4xf32>
  func.return
}
func.func private @copy_overlapping(%a: memref<4xf32>, %b: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %v = loop.load %a[%c0] : memref<4xf32>
  loop.store %v, %b[%c0] : memref<4xf32>
  func.return
}
func.func private @add_reads(%a: memref<4xf32>, %b: memref<4xf32>, %c: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %u = loop.load %a[%c0] : memref<4xf32>
  %v = loop.load %b[%c0] : memref<4xf32>
  %s = arith.addf %u, %v : f32
  loop.store %s, %c[%c0] : memref<4xf32>
  func.return
}
func.func @model(%x: memref<4xf32>, %y: memref<4xf32>) attributes {loop.entry} {
  %arena = loop.alloc : memref<64xi8>
  %p = loop.view %arena[16] : memref<64xi8> to memref<4xf32>
  %q = loop.view %arena[24] : memref<64xi8> to memref<4xf32>
  %r = loop.view %arena[32] : memref<64xi8> to memref<4xf32>
  func.call @copy_disjoint(%x, %p) : (memref<4xf32>, memref<4xf32>) -> ()
  func.call @copy_disjoint(%p, %r) : (memref<4xf32>, memref<4xf32>) -> ()
  func.call @copy_overlapping(%p, %q) : (memref<4xf32>, memref<4xf32>) -> ()
  func.call @add_reads(%q, %q, %y) : (memref<4xf32>, memref<4xf32>, memref<4xf32>) -> ()
  func.return
}
