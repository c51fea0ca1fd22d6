// plan-memory refuses a buffer whose size is not known at compile time, naming
// it: symbolic tensors are allocated at their bound before this pass.
// RUN: not opt-fuse %s -p plan-memory 2>&1 | filecheck %s

// CHECK: opt-fuse: error: plan-memory: 'loop.alloc' at {{.*}}error-dynamic-alloc.mlir:[[# @LINE + 4]]:3: memref<?xf32> has no static size in bytes
// CHECK-SAME: allocate symbolic tensors at their bound
func.func private @k(memref<?xf32>)
func.func @model() attributes {loop.entry} {
  %t = loop.alloc : memref<?xf32>
  func.call @k(%t) : (memref<?xf32>) -> ()
  func.return
}
