// approximate-math after lower-to-loops: every f32 math.exp / math.tanh / math.erf in a kernel
// becomes straight-line arith between the loop.load and the loop.store (constants first, then
// the computation). Every multiply-add is one math.fma. exp: a clamp, n = floor(fma(x, log2(e),
// 0.5)), r = x - n*ln(2) as two fmas, a polynomial by Horner's rule, and 2^n built as two factors
// bitcast((k + 127) << 23); tanh and erf: a clamp and a rational function x * (P / Q) in x^2, P
// and Q by Horner's rule. A NaN input is selected back at the end. With ops="exp", math.tanh
// stays. An unknown name in ops is a one-line error listing the valid names.
// RUN: opt-fuse %s -p 'lower-to-loops,approximate-math' | filecheck %s
// RUN: opt-fuse %s -p 'lower-to-loops,approximate-math' | filecheck %s --check-prefix=NONE
// RUN: opt-fuse %s -p 'lower-to-loops,approximate-math{ops="exp"}' | filecheck %s --check-prefix=EXPONLY
// RUN: not opt-fuse %s -p 'lower-to-loops,approximate-math{ops="exp,sin"}' 2>&1 | filecheck %s --check-prefix=UNKNOWN

// NONE-NOT: math.exp
// NONE-NOT: math.tanh
// NONE-NOT: math.erf

// UNKNOWN:     opt-fuse: error: approximate-math: unknown op 'sin' in ops="exp,sin"; valid names: exp, tanh, erf
// UNKNOWN-NOT: Traceback

// CHECK-LABEL: func.func private @exp_k0_exp
// CHECK:         loop.parallel
// CHECK-NEXT:      %[[X:.*]] = loop.load %x[%{{.*}}] : memref<16xf32>
// CHECK-DAG:       %[[LO:.*]] = arith.constant -1.040000e+02 : f32
// CHECK-DAG:       %[[HI:.*]] = arith.constant 8.880000e+01 : f32
// CHECK-DAG:       %[[LOG2E:.*]] = arith.constant 1.44269502 : f32
// CHECK-DAG:       %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG:       %[[MINUS_C1:.*]] = arith.constant -0.693359375 : f32
// CHECK-DAG:       %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG:       %[[BIAS:.*]] = arith.constant 127 : i32
// CHECK-DAG:       %[[C23:.*]] = arith.constant 23 : i32
// CHECK:           %[[XLO:.*]] = arith.maxnumf %[[X]], %[[LO]] : f32
// CHECK-NEXT:      %[[XC:.*]] = arith.minnumf %[[XLO]], %[[HI]] : f32
// CHECK-NEXT:      %[[T:.*]] = math.fma %[[XC]], %[[LOG2E]], %[[HALF]] : f32
// CHECK-NEXT:      %[[N:.*]] = math.floor %[[T]] : f32
// CHECK-NEXT:      %[[R1:.*]] = math.fma %[[N]], %[[MINUS_C1]], %[[XC]] : f32
// CHECK-NEXT:      %[[R:.*]] = math.fma %[[N]], %{{.*}}, %[[R1]] : f32
// CHECK-COUNT-5:   math.fma %{{.*}}, %[[R]], %{{.*}} : f32
// CHECK-NEXT:      %[[R2:.*]] = arith.mulf %[[R]], %[[R]] : f32
// CHECK-NEXT:      %[[P:.*]] = math.fma %{{.*}}, %[[R2]], %[[R]] : f32
// CHECK-NEXT:      %[[E:.*]] = arith.addf %[[P]], %[[ONE]] : f32
// CHECK-NEXT:      %[[K:.*]] = arith.fptosi %[[N]] : f32 to i32
// CHECK-NEXT:      %[[KLO:.*]] = arith.shrsi %[[K]], %{{.*}} : i32
// CHECK-NEXT:      %[[KHI:.*]] = arith.subi %[[K]], %[[KLO]] : i32
// CHECK-NEXT:      %[[E1:.*]] = arith.addi %[[KLO]], %[[BIAS]] : i32
// CHECK-NEXT:      %[[B1:.*]] = arith.shli %[[E1]], %[[C23]] : i32
// CHECK-NEXT:      %[[S1:.*]] = arith.bitcast %[[B1]] : i32 to f32
// CHECK-NEXT:      %[[Y1:.*]] = arith.mulf %[[E]], %[[S1]] : f32
// CHECK-NEXT:      %[[E2:.*]] = arith.addi %[[KHI]], %[[BIAS]] : i32
// CHECK-NEXT:      %[[B2:.*]] = arith.shli %[[E2]], %[[C23]] : i32
// CHECK-NEXT:      %[[S2:.*]] = arith.bitcast %[[B2]] : i32 to f32
// CHECK-NEXT:      %[[Y:.*]] = arith.mulf %[[Y1]], %[[S2]] : f32
// CHECK-NEXT:      %[[NAN:.*]] = arith.cmpf uno, %[[X]], %[[X]] : f32
// CHECK-NEXT:      %[[R:.*]] = arith.select %[[NAN]], %[[X]], %[[Y]] : f32
// CHECK-NEXT:      loop.store %[[R]], %out[%{{.*}}] : memref<16xf32>
// CHECK-LABEL: func.func @exp
func.func @exp(%x: tensor<16xf32>) -> tensor<*xf32> {
  %0 = nn.exp %x : (tensor<16xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// CHECK-LABEL: func.func private @tanh_k0_tanh
// CHECK:         %[[X:.*]] = loop.load %x[%{{.*}}] : memref<16xf32>
// CHECK-DAG:       %[[LO:.*]] = arith.constant -9.000000e+00 : f32
// CHECK-DAG:       %[[HI:.*]] = arith.constant 9.000000e+00 : f32
// CHECK-DAG:       %[[TINY:.*]] = arith.constant 4.000000e-04 : f32
// CHECK:           %[[XLO:.*]] = arith.maxnumf %[[X]], %[[LO]] : f32
// CHECK-NEXT:      %[[XC:.*]] = arith.minnumf %[[XLO]], %[[HI]] : f32
// CHECK-NEXT:      %[[X2:.*]] = arith.mulf %[[XC]], %[[XC]] : f32
// CHECK-COUNT-9:   math.fma %{{.*}}, %[[X2]], %{{.*}} : f32
// CHECK-NEXT:      %[[Q:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK-NEXT:      %[[Y:.*]] = arith.mulf %[[XC]], %[[Q]] : f32
// CHECK-NEXT:      %[[YLO:.*]] = arith.maxnumf %[[Y]], %{{.*}} : f32
// CHECK-NEXT:      %[[YC:.*]] = arith.minnumf %[[YLO]], %{{.*}} : f32
// CHECK-NEXT:      %[[ABS:.*]] = math.absf %[[X]] : f32
// CHECK-NEXT:      %[[SMALL:.*]] = arith.cmpf ult, %[[ABS]], %[[TINY]] : f32
// CHECK-NEXT:      %[[R:.*]] = arith.select %[[SMALL]], %[[X]], %[[YC]] : f32
// CHECK-NEXT:      loop.store %[[R]], %out[%{{.*}}] : memref<16xf32>
// CHECK-LABEL: func.func @tanh
func.func @tanh(%x: tensor<16xf32>) -> tensor<*xf32> {
  %0 = nn.tanh %x : (tensor<16xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// CHECK-LABEL: func.func private @erf_k0_erf
// CHECK:         %[[X:.*]] = loop.load %x[%{{.*}}] : memref<16xf32>
// CHECK-DAG:       %[[LO:.*]] = arith.constant -4.000000e+00 : f32
// CHECK-DAG:       %[[HI:.*]] = arith.constant 4.000000e+00 : f32
// CHECK:           %[[XLO:.*]] = arith.maxnumf %[[X]], %[[LO]] : f32
// CHECK-NEXT:      %[[XC:.*]] = arith.minnumf %[[XLO]], %[[HI]] : f32
// CHECK-NEXT:      %[[X2:.*]] = arith.mulf %[[XC]], %[[XC]] : f32
// CHECK-COUNT-10:  math.fma %{{.*}}, %[[X2]], %{{.*}} : f32
// CHECK-NEXT:      %[[Q:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK-NEXT:      %[[Y:.*]] = arith.mulf %[[XC]], %[[Q]] : f32
// CHECK-NEXT:      %[[YLO:.*]] = arith.maxnumf %[[Y]], %{{.*}} : f32
// CHECK-NEXT:      %[[YC:.*]] = arith.minnumf %[[YLO]], %{{.*}} : f32
// CHECK-NEXT:      %[[NAN:.*]] = arith.cmpf uno, %[[X]], %[[X]] : f32
// CHECK-NEXT:      %[[R:.*]] = arith.select %[[NAN]], %[[X]], %[[YC]] : f32
// CHECK-NEXT:      loop.store %[[R]], %out[%{{.*}}] : memref<16xf32>
// CHECK-LABEL: func.func @erf
func.func @erf(%x: tensor<16xf32>) -> tensor<*xf32> {
  %0 = nn.erf %x : (tensor<16xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// Sigmoid is 1 / (1 + exp(-x)) after lower-to-loops: its exp is expanded in place.
// With ops="exp", only that kind is expanded: the tanh in the same kernel stays a call.
// CHECK-LABEL: func.func private @sigmoid_tanh_k0_sigmoid
// CHECK:         %[[NEG:.*]] = arith.negf %{{.*}} : f32
// CHECK:         arith.maxnumf %[[NEG]], %{{.*}} : f32
// CHECK:         math.floor
// CHECK:         %[[E:.*]] = arith.select %{{.*}}, %[[NEG]], %{{.*}} : f32
// CHECK-NEXT:    %[[D:.*]] = arith.addf %{{.*}}, %[[E]] : f32
// CHECK-NEXT:    %[[S:.*]] = arith.divf %{{.*}}, %[[D]] : f32
// EXPONLY-LABEL: func.func private @sigmoid_tanh_k0_sigmoid
// EXPONLY-NOT:   math.exp
// EXPONLY:       math.floor
// EXPONLY-NOT:   math.exp
// EXPONLY-LABEL: func.func private @sigmoid_tanh_k1_tanh
// EXPONLY:       math.tanh
// EXPONLY-NOT:   math.exp
func.func @sigmoid_tanh(%x: tensor<16xf32>) -> tensor<*xf32> {
  %0 = nn.sigmoid %x : (tensor<16xf32>) -> tensor<*xf32>
  %1 = nn.tanh %0 : (tensor<*xf32>) -> tensor<*xf32>
  func.return %1 : tensor<*xf32>
}
