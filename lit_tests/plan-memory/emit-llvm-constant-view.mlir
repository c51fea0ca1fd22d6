// A view of a constant global is constant too: emit-llvm refuses a kernel call
// that would write through it, naming the global, as it does for the global itself.
// RUN: not opt-fuse %s -p 'emit-llvm{target=x86_64}' 2>&1 | filecheck %s

// CHECK: opt-fuse: error: emit-llvm: func.call passes the constant memref.global @table to @fill, which writes it
"memref.global"() <{sym_name = "table", type = memref<64xi8>, initial_value = dense<1> : tensor<64xi8>, sym_visibility = "private", constant}> : () -> ()
func.func private @fill(%a: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  loop.store %one, %a[%c0] : memref<4xf32>
  func.return
}
func.func @model(%x: memref<4xf32>) attributes {loop.entry} {
  %t = memref.get_global @table : memref<64xi8>
  %v = loop.view %t[16] : memref<64xi8> to memref<4xf32>
  func.call @fill(%v) : (memref<4xf32>) -> ()
  func.return
}
