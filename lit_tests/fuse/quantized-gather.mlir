// fuse on a Gather of an int8 embedding table followed by DequantizeLinear (DLRM's
// quantized embeddings): one injective group whose kernel loads the int8 row
// elements and converts them in registers; no f32 copy of the rows is stored.
// RUN: opt-fuse %s -p fuse | filecheck %s
// RUN: opt-fuse %s -p fuse | opt-fuse | filecheck %s
// RUN: opt-fuse %s -p fuse,lower-to-loops | filecheck %s --check-prefix=LOOPS

// CHECK-LABEL: func.func @embedding
// CHECK:         %y = nn.fused anchor "nn.gather" kind "injective" (%{{.*}} = %table : tensor<100x8xi8>, %{{.*}} = %i : tensor<4xi64>, %{{.*}} = %scale : tensor<8xf32>) -> tensor<4x8xf32> {
// CHECK-NEXT:      %[[ZP:.*]] = nn.constant dense<3> : tensor<i8>
// CHECK-NEXT:      %g = nn.gather %{{.*}}, %{{.*}} axis 0 : (tensor<100x8xi8>, tensor<4xi64>) -> tensor<4x8xi8>
// CHECK-NEXT:      %{{.*}} = nn.dequantize_linear %g, %{{.*}}, %[[ZP]] axis 1 : (tensor<4x8xi8>, tensor<8xf32>, tensor<i8>) -> tensor<4x8xf32>
// CHECK-NEXT:      nn.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %y

// One kernel: the table is read as i8 (sign-extended, minus the zero point, converted) and
// only the f32 result is stored.
// LOOPS-LABEL: func.func private @embedding_k0_gather_dequantize_linear
// LOOPS-SAME:    (%table: memref<100x8xi8>, %i: memref<4xi64>, %scale: memref<8xf32>, %out: memref<4x8xf32>)
// LOOPS:           %[[Q:.*]] = loop.load %table[%{{.*}}, %{{.*}}] : memref<100x8xi8>
// LOOPS-NEXT:      %[[WIDE:.*]] = arith.extsi %[[Q]] : i8 to i32
// LOOPS-NEXT:      %[[CENTERED:.*]] = arith.subi %[[WIDE]], %{{.*}} : i32
// LOOPS-NEXT:      %[[REAL:.*]] = arith.sitofp %[[CENTERED]] : i32 to f32
// LOOPS-NEXT:      %[[SCALE:.*]] = loop.load %scale[%{{.*}}] : memref<8xf32>
// LOOPS-NEXT:      %[[Y:.*]] = arith.mulf %[[REAL]], %[[SCALE]] : f32
// LOOPS-NEXT:      loop.store %[[Y]], %out[%{{.*}}, %{{.*}}] : memref<4x8xf32>
// LOOPS-LABEL: func.func @embedding
// LOOPS-NOT:     memref<4x8xi8>
// LOOPS:         func.call @embedding_k0_gather_dequantize_linear
func.func @embedding(%table: tensor<100x8xi8>, %i: tensor<4xi64>) -> tensor<*xf32> {
  %scale = nn.constant dense<[0.5, 0.25, 2.0, 1.0, 0.5, 0.25, 2.0, 1.0]> : tensor<8xf32>
  %zp = nn.constant dense<3> : tensor<i8>
  %g = nn.gather %table, %i axis 0 : (tensor<100x8xi8>, tensor<4xi64>) -> tensor<*xi8>
  %y = nn.dequantize_linear %g, %scale, %zp axis 1 : (tensor<*xi8>, tensor<8xf32>, tensor<i8>) -> tensor<*xf32>
  func.return %y : tensor<*xf32>
}
