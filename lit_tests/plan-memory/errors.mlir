// loop.view's verifier: a view must lie inside its arena, at an offset that is
// a multiple of its element size, and the arena must be a static byte buffer.
// RUN: opt-fuse %s --split-input-file --verify-diagnostics | filecheck %s

// CHECK: errors.mlir:[[# @LINE + 3]]:{{[0-9]+}}: {{.*}}loop.view: memref<2x4xf32> (32 bytes at offset 1000) does not fit in the arena of 1024 bytes
func.func @past_the_end(%arena: memref<1024xi8>) {
  // expected-error@+1 {{does not fit in the arena of 1024 bytes}}
  %t = loop.view %arena[1000] : memref<1024xi8> to memref<2x4xf32>
  func.return
}

// -----

// A view that ends exactly at the end of the arena is fine.
// CHECK: %t = loop.view %arena[992] : memref<1024xi8> to memref<2x4xf32>
func.func @up_to_the_end(%arena: memref<1024xi8>) {
  %t = loop.view %arena[992] : memref<1024xi8> to memref<2x4xf32>
  func.return
}

// -----

// CHECK: loop.view: offset 2 is not a non-negative multiple of the element size (4 bytes of f32)
func.func @misaligned(%arena: memref<1024xi8>) {
  // expected-error@+1 {{offset 2 is not a non-negative multiple of the element size}}
  %t = loop.view %arena[2] : memref<1024xi8> to memref<2x4xf32>
  func.return
}

// -----

// CHECK: loop.view: offset -8 is not a non-negative multiple
func.func @negative(%arena: memref<1024xi8>) {
  // expected-error@+1 {{offset -8 is not a non-negative multiple}}
  %t = loop.view %arena[-8] : memref<1024xi8> to memref<2x4xf32>
  func.return
}

// -----

// CHECK: loop.view: the arena must be a static memref<Nxi8>, got memref<256xf32>
func.func @not_bytes(%arena: memref<256xf32>) {
  // expected-error@+1 {{the arena must be a static memref<Nxi8>}}
  %t = loop.view %arena[0] : memref<256xf32> to memref<2x4xf32>
  func.return
}

// -----

// CHECK: loop.view: the view must be a static memref with the default layout and a sized element type, got memref<?xf32>
func.func @dynamic_view(%arena: memref<1024xi8>) {
  // expected-error@+1 {{the view must be a static memref}}
  %t = loop.view %arena[0] : memref<1024xi8> to memref<?xf32>
  func.return
}
