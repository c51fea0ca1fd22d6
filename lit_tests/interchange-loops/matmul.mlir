// interchange-loops after unroll-and-jam: a matmul's row blocks (the
// loop.parallel) around its column blocks. Each column block reads a panel of b
// (16 x 8 floats, 512 bytes) that no row changes, and each row block 4 rows of
// a (256 bytes); with a cache of 1024 bytes, b's 8 panels (4 KiB) would be
// read again for every row block, so the column loop goes outside: it stays
// the loop.parallel, the row loop (and its lanes' indices) inside it.
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,unroll-and-jam{factor=8 outer-factor=4 outer-factor-flat=4},interchange-loops{cache-bytes=1024}' --split-input-file | filecheck %s
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,unroll-and-jam{factor=8 outer-factor=4 outer-factor-flat=4},interchange-loops{cache-bytes=1024}' --split-input-file | opt-fuse --split-input-file | filecheck %s
// With the default cache (1 MiB), all of b stays in cache: nothing moves.
// RUN: opt-fuse %s -p 'shape-infer,lower-to-loops,unroll-and-jam{factor=8 outer-factor=4 outer-factor-flat=4},interchange-loops' --split-input-file | filecheck %s --check-prefix=KEEP

// CHECK-LABEL: func.func private @matmul_k0_matmul
// CHECK:         loop.parallel %[[J:[0-9]+]] = %{{.*}} to %[[C64:[^ ]*]] step %[[C8:[^ ]*]] {
// CHECK-NEXT:      loop.for %[[I:[0-9]+]] = %{{.*}} to %[[C8]] step %[[C4:[^ ]*]] {
// CHECK-NEXT:        %[[I1:[0-9]+]] = arith.addi %[[I]], %{{.*}} overflow<nsw,nuw> : index
// CHECK:             loop.for %[[K:[0-9]+]] = {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK-NEXT:          loop.load %a[%[[I]], %[[K]]] : memref<8x16xf32>
// CHECK-NEXT:          loop.load %a[%[[I1]], %[[K]]] : memref<8x16xf32>
// CHECK:               loop.vector_load %b[%[[K]], %[[J]]] : memref<16x64xf32>, vector<8xf32>
// CHECK:             loop.vector_store %{{.*}}, %out[%[[I]], %[[J]]] : memref<8x64xf32>, vector<8xf32>
// CHECK-NEXT:        loop.vector_store %{{.*}}, %out[%[[I1]], %[[J]]] : memref<8x64xf32>, vector<8xf32>

// KEEP-LABEL: func.func private @matmul_k0_matmul
// KEEP:         loop.parallel %[[I:[0-9]+]] = %{{.*}} to %[[C8:[^ ]*]] step %[[C4:[^ ]*]] {
// KEEP-COUNT-3:   arith.addi %[[I]]
// KEEP-NEXT:      loop.for %[[J:[0-9]+]] = %{{.*}} to %{{.*}} step %[[C8]] {
func.func @matmul(%a: tensor<8x16xf32>, %b: tensor<16x64xf32>) -> tensor<*xf32> {
  %0 = nn.matmul %a, %b : (tensor<8x16xf32>, tensor<16x64xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

// A conv's channel loop reads its bias in its own body, around the row loop:
// not a pair of loops alone, left as it is.
// CHECK-LABEL: func.func private @conv_k0_conv2d
// CHECK:         loop.parallel %[[M:[0-9]+]] = {{.*}} {
// CHECK-NEXT:      arith.addi
// CHECK-COUNT-4:   loop.load %b
// CHECK-NEXT:      loop.for
// KEEP-LABEL:  func.func private @conv_k0_conv2d
// KEEP:          loop.parallel %[[M:[0-9]+]] = {{.*}} {
// KEEP-NEXT:       arith.addi
// KEEP-COUNT-4:    loop.load %b
func.func @conv(%x: tensor<1x4x6x6xf32>, %w: tensor<8x4x3x3xf32>, %b: tensor<8xf32>) -> tensor<*xf32> {
  %0 = nn.conv2d %x, %w, %b strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x4x6x6xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
