// emit-llvm of 1-D fixed-size vectors (what unroll-and-jam makes of neighbouring
// outputs): `vector<16xf32>` is `<16 x float>`, whatever the width. A vector load
// or store is one `load`/`store <N x T>` at the first element's address, aligned
// to one element; a vector store makes its parameter written (no `readonly`).
// Arith and math ops are the scalar instructions and intrinsics on vector types
// (`llvm.fma.v8f32`); maximumf's NaN test is lane by lane; libm functions, which
// have no vector form we can count on, are called lane by lane. A broadcast is
// insertelement + shufflevector (of a constant: a vector constant); extract
// and insert name one static lane. A vector accumulator of a loop.for is a
// vector phi.
// RUN: opt-fuse %s -p 'emit-llvm{target=x86_64}' | filecheck %s
// RUN: opt-fuse %s -p 'emit-llvm{target=aarch64}' | filecheck %s

// CHECK-LABEL: define internal void @lanes(ptr noalias nocapture readonly dereferenceable(1024) %x, ptr noalias nocapture dereferenceable(1024) %out, i64 %i, float %s, i1 %c) #0 {
// CHECK-NEXT:  entry:
// CHECK-NEXT:    %x.idx = mul nuw nsw i64 %i, 64
// CHECK-NEXT:    %x.idx.1 = add nuw nsw i64 %x.idx, 16
// CHECK-NEXT:    %x.ptr = getelementptr inbounds float, ptr %x, i64 %x.idx.1
// CHECK-NEXT:    %v = load <16 x float>, ptr %x.ptr, align 4
// CHECK-NEXT:    %b.lane0 = insertelement <16 x float> poison, float %s, i64 0
// CHECK-NEXT:    %b = shufflevector <16 x float> %b.lane0, <16 x float> poison, <16 x i32> zeroinitializer
// CHECK-NEXT:    %m.num = call <16 x float> @llvm.maxnum.v16f32(<16 x float> %v, <16 x float> %b)
// CHECK-NEXT:    %m.uno = fcmp uno <16 x float> %v, %b
// CHECK-NEXT:    %m.nan = fadd <16 x float> %v, %b
// CHECK-NEXT:    %m = select <16 x i1> %m.uno, <16 x float> %m.nan, <16 x float> %m.num
// CHECK-NEXT:    %e = extractelement <16 x float> %m, i64 3
// CHECK-NEXT:    %n = insertelement <16 x float> %m, float %e, i64 2
// CHECK-NEXT:    %r.sqrt = call <16 x float> @llvm.sqrt.v16f32(<16 x float> %n)
// CHECK-NEXT:    %r = fdiv <16 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, %r.sqrt
// CHECK-NEXT:    %w = select i1 %c, <16 x float> %r, <16 x float> %v
// CHECK-NEXT:    %bits = bitcast <16 x float> %w to <16 x i32>
// A broadcast constant is a vector constant.
// CHECK-NEXT:    %shifted = shl <16 x i32> %bits, {{<(i32 23, ){15}i32 23>$}}
// CHECK-NEXT:    %sum = add <16 x i32> %shifted, %bits
// CHECK-NEXT:    %back = bitcast <16 x i32> %sum to <16 x float>
// CHECK-NEXT:    %wide = fpext <16 x float> %back to <16 x double>
// CHECK-NEXT:    %narrow = fptrunc <16 x double> %wide to <16 x float>
// CHECK-NEXT:    %neg = fneg <16 x float> %narrow
// CHECK-NEXT:    %out.idx = mul nuw nsw i64 %i, 64
// CHECK-NEXT:    %out.ptr = getelementptr inbounds float, ptr %out, i64 %out.idx
// CHECK-NEXT:    store <16 x float> %neg, ptr %out.ptr, align 4
// CHECK-NEXT:    ret void
func.func private @lanes(%x: memref<4x64xf32>, %out: memref<4x64xf32>, %i: index, %s: f32, %c: i1) {
  %c16 = arith.constant 16 : index
  %c0 = arith.constant 0 : index
  %v = loop.vector_load %x[%i, %c16] : memref<4x64xf32>, vector<16xf32>
  %b = vector.broadcast %s : f32 to vector<16xf32>
  %m = arith.maximumf %v, %b : vector<16xf32>
  %e = vector.extract %m[3] : f32 from vector<16xf32>
  %n = vector.insert %e, %m [2] : f32 into vector<16xf32>
  %r = math.rsqrt %n : vector<16xf32>
  %w = arith.select %c, %r, %v : vector<16xf32>
  %bits = arith.bitcast %w : vector<16xf32> to vector<16xi32>
  %c23 = arith.constant 23 : i32
  %b23 = vector.broadcast %c23 : i32 to vector<16xi32>
  %shifted = arith.shli %bits, %b23 : vector<16xi32>
  %sum = arith.addi %shifted, %bits : vector<16xi32>
  %back = arith.bitcast %sum : vector<16xi32> to vector<16xf32>
  %wide = arith.extf %back : vector<16xf32> to vector<16xf64>
  %narrow = arith.truncf %wide : vector<16xf64> to vector<16xf32>
  %neg = arith.negf %narrow : vector<16xf32>
  loop.vector_store %neg, %out[%i, %c0] : memref<4x64xf32>, vector<16xf32>
  func.return
}

// A dot product of rows, 8 lanes at a time: the accumulator is a vector phi; the
// lanes are summed after the loop with extract and a contracting fadd.
// CHECK-LABEL: define internal float @dot(ptr noalias nocapture readonly dereferenceable(128) %a, ptr noalias nocapture readonly dereferenceable(128) %b) #0 {
// CHECK:       for.k:
// CHECK-NEXT:    %k = phi i64 [ 0, %entry ], [ %k.next, %for.k.latch ]
// CHECK-NEXT:    %acc = phi <8 x float> [ zeroinitializer, %entry ], [ %acc2, %for.k.latch ]
// CHECK:       for.k.body:
// CHECK-NEXT:    %a.ptr = getelementptr inbounds float, ptr %a, i64 %k
// CHECK-NEXT:    %va = load <8 x float>, ptr %a.ptr, align 4
// CHECK-NEXT:    %b.ptr = getelementptr inbounds float, ptr %b, i64 %k
// CHECK-NEXT:    %vb = load <8 x float>, ptr %b.ptr, align 4
// CHECK-NEXT:    %acc2 = call <8 x float> @llvm.fma.v8f32(<8 x float> %va, <8 x float> %vb, <8 x float> %acc)
// CHECK:       for.k.end:
// CHECK-NEXT:    %l0 = extractelement <8 x float> %acc, i64 0
// CHECK-NEXT:    %l1 = extractelement <8 x float> %acc, i64 1
// CHECK-NEXT:    %t = fadd contract float %l0, %l1
func.func private @dot(%a: memref<32xf32>, %b: memref<32xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %z = vector.broadcast %zero : f32 to vector<8xf32>
  %sum = loop.for %k = %c0 to %c32 step %c8 iter_args(%acc = %z) -> (vector<8xf32>) {
    %va = loop.vector_load %a[%k] : memref<32xf32>, vector<8xf32>
    %vb = loop.vector_load %b[%k] : memref<32xf32>, vector<8xf32>
    %acc2 = math.fma %va, %vb, %acc : vector<8xf32>
    loop.yield %acc2 : vector<8xf32>
  }
  %l0 = vector.extract %sum[0] : f32 from vector<8xf32>
  %l1 = vector.extract %sum[1] : f32 from vector<8xf32>
  %t = arith.addf %l0, %l1 fastmath<contract> : f32
  func.return %t : f32
}

// tanh of 3 lanes, one tanhf call each.
// CHECK-LABEL: define internal void @tanh3(
// CHECK:         %v = load <3 x float>, ptr %x.ptr, align 4
// CHECK-NEXT:    %t.in.0 = extractelement <3 x float> %v, i64 0
// CHECK-NEXT:    %t.0 = call float @tanhf(float %t.in.0)
// CHECK-NEXT:    %t.upto0 = insertelement <3 x float> poison, float %t.0, i64 0
// CHECK-NEXT:    %t.in.1 = extractelement <3 x float> %v, i64 1
// CHECK-NEXT:    %t.1 = call float @tanhf(float %t.in.1)
// CHECK-NEXT:    %t.upto1 = insertelement <3 x float> %t.upto0, float %t.1, i64 1
// CHECK-NEXT:    %t.in.2 = extractelement <3 x float> %v, i64 2
// CHECK-NEXT:    %t.2 = call float @tanhf(float %t.in.2)
// CHECK-NEXT:    %t = insertelement <3 x float> %t.upto1, float %t.2, i64 2
// CHECK-NEXT:    %y.ptr = getelementptr inbounds float, ptr %y, i64 4
// CHECK-NEXT:    store <3 x float> %t, ptr %y.ptr, align 4
func.func private @tanh3(%x: memref<7xf32>, %y: memref<7xf32>) {
  %c4 = arith.constant 4 : index
  %v = loop.vector_load %x[%c4] : memref<7xf32>, vector<3xf32>
  %t = math.tanh %v : vector<3xf32>
  loop.vector_store %t, %y[%c4] : memref<7xf32>, vector<3xf32>
  func.return
}

// Lane-by-lane compares, selects and conversions (unroll-and-jam's form of arith.cmpf,
// arith.select and arith.fptosi / sitofp on lanes) are the instructions on vectors.
// CHECK-LABEL: define internal void @masks(
// CHECK:         %v = load <16 x float>, ptr %x.ptr, align 4
// CHECK-NEXT:    %nan = fcmp uno <16 x float> %v, %v
// CHECK-NEXT:    %k = fptosi <16 x float> %v to <16 x i32>
// CHECK-NEXT:    %f = sitofp <16 x i32> %k to <16 x float>
// CHECK-NEXT:    %s = select <16 x i1> %nan, <16 x float> %v, <16 x float> %f
// CHECK-NEXT:    store <16 x float> %s, ptr %x, align 4
func.func private @masks(%x: memref<4x64xf32>) {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %v = loop.vector_load %x[%c0, %c16] : memref<4x64xf32>, vector<16xf32>
  %nan = loop.vector_cmpf "uno", %v, %v : vector<16xf32> to vector<16xi1>
  %k = loop.vector_cast "fptosi" %v : vector<16xf32> to vector<16xi32>
  %f = loop.vector_cast "sitofp" %k : vector<16xi32> to vector<16xf32>
  %s = loop.vector_select %nan, %v, %f : vector<16xi1>, vector<16xf32>
  loop.vector_store %s, %x[%c0, %c0] : memref<4x64xf32>, vector<16xf32>
  func.return
}

// vector.reduction (unroll-and-jam's end of a vectorized reduction): the upper half of
// the lanes folded into the lower half down to two, those two, then the accumulator;
// maximumf keeps numpy's NaN at every step, add keeps the op's fast-math flags.
// CHECK-LABEL: define internal float @fold(
// CHECK:         %v = load <8 x float>, ptr %x, align 4
// CHECK-NEXT:    %m.lo4 = shufflevector <8 x float> %v, <8 x float> poison, <4 x i32> <i32 0, i32 1, i32 2, i32 3>
// CHECK-NEXT:    %m.hi4 = shufflevector <8 x float> %v, <8 x float> poison, <4 x i32> <i32 4, i32 5, i32 6, i32 7>
// CHECK-NEXT:    %m.fold4.num = call <4 x float> @llvm.maxnum.v4f32(<4 x float> %m.lo4, <4 x float> %m.hi4)
// CHECK-NEXT:    %m.fold4.uno = fcmp uno <4 x float> %m.lo4, %m.hi4
// CHECK-NEXT:    %m.fold4.nan = fadd <4 x float> %m.lo4, %m.hi4
// CHECK-NEXT:    %m.fold4 = select <4 x i1> %m.fold4.uno, <4 x float> %m.fold4.nan, <4 x float> %m.fold4.num
// CHECK:         %m.lane0 = extractelement <2 x float> %m.fold2, i64 0
// CHECK-NEXT:    %m.lane1 = extractelement <2 x float> %m.fold2, i64 1
// CHECK-NEXT:    %m.lanes.num = call float @llvm.maxnum.f32(float %m.lane0, float %m.lane1)
// CHECK:         %m = select i1 %m.uno, float %m.nan, float %m.num
// CHECK:         %s.fold4 = fadd reassoc <4 x float> %s.lo4, %s.hi4
// CHECK:         %s.fold2 = fadd reassoc <2 x float> %s.lo2, %s.hi2
// CHECK-NEXT:    %s.lane0 = extractelement <2 x float> %s.fold2, i64 0
// CHECK-NEXT:    %s.lane1 = extractelement <2 x float> %s.fold2, i64 1
// CHECK-NEXT:    %s.lanes = fadd reassoc float %s.lane0, %s.lane1
// CHECK-NEXT:    %s = fadd reassoc float %m, %s.lanes
// CHECK-NEXT:    ret float %s
func.func private @fold(%x: memref<4x64xf32>, %init: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %v = loop.vector_load %x[%c0, %c0] : memref<4x64xf32>, vector<8xf32>
  %m = vector.reduction <maximumf>, %v, %init fastmath<reassoc> : vector<8xf32> into f32
  %s = vector.reduction <add>, %v, %m fastmath<reassoc> : vector<8xf32> into f32
  func.return %s : f32
}

// A strided vector load reads the span from the first lane's element to the last
// one's as `stride` vector loads, the last one ending at the last lane's element
// (8 lanes at stride 2: elements 0..14 as 0..7 and 7..14), and shuffles the lanes
// out of them. Stride 3 (elements 0..21): loads at 0, 8 and 14, two shuffles, the
// second keeping the lanes the first took.
// CHECK-LABEL: define internal <8 x float> @strided(ptr noalias nocapture readonly dereferenceable(1024) %x, i64 %j) #0 {
// CHECK-NEXT:  entry:
// CHECK-NEXT:    %x.idx = add nuw nsw i64 %j, 64
// CHECK-NEXT:    %x.ptr = getelementptr inbounds float, ptr %x, i64 %x.idx
// CHECK-NEXT:    %even.piece = load <8 x float>, ptr %x.ptr, align 4
// CHECK-NEXT:    %even.at = getelementptr inbounds float, ptr %x.ptr, i64 7
// CHECK-NEXT:    %even.piece.1 = load <8 x float>, ptr %even.at, align 4
// CHECK-NEXT:    %even = shufflevector <8 x float> %even.piece, <8 x float> %even.piece.1, <8 x i32> <i32 0, i32 2, i32 4, i32 6, i32 9, i32 11, i32 13, i32 15>
// CHECK:         %third.piece = load <8 x float>, ptr %x.ptr.1, align 4
// CHECK-NEXT:    %third.at = getelementptr inbounds float, ptr %x.ptr.1, i64 8
// CHECK-NEXT:    %third.piece.1 = load <8 x float>, ptr %third.at, align 4
// CHECK-NEXT:    %third.at.1 = getelementptr inbounds float, ptr %x.ptr.1, i64 14
// CHECK-NEXT:    %third.piece.2 = load <8 x float>, ptr %third.at.1, align 4
// CHECK-NEXT:    %third.part = shufflevector <8 x float> %third.piece, <8 x float> %third.piece.1, <8 x i32> <i32 0, i32 3, i32 6, i32 9, i32 12, i32 poison, i32 poison, i32 poison>
// CHECK-NEXT:    %third = shufflevector <8 x float> %third.part, <8 x float> %third.piece.2, <8 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 9, i32 12, i32 15>
func.func private @strided(%x: memref<4x64xf32>, %j: index) -> vector<8xf32> {
  %c1 = arith.constant 1 : index
  %even = loop.strided_vector_load %x[%c1, %j] stride 2 : memref<4x64xf32>, vector<8xf32>
  %third = loop.strided_vector_load %x[%c1, %j] stride 3 : memref<4x64xf32>, vector<8xf32>
  %sum = arith.addf %even, %third : vector<8xf32>
  func.return %sum : vector<8xf32>
}

// The entry: %out and %y are written only by vector stores in the kernels, so they
// are not readonly here either.
// CHECK-LABEL: define i32 @model_run(ptr noalias nocapture readonly dereferenceable(1024) %x, ptr noalias nocapture dereferenceable(1024) %out, ptr noalias nocapture readonly dereferenceable(128) %a, ptr noalias nocapture dereferenceable(4) %d, ptr noalias nocapture readonly dereferenceable(28) %x7, ptr noalias nocapture dereferenceable(28) %y) #0 {
// CHECK-DAG:   declare <16 x float> @llvm.maxnum.v16f32(<16 x float>, <16 x float>)
// CHECK-DAG:   declare <16 x float> @llvm.sqrt.v16f32(<16 x float>)
// CHECK-DAG:   declare <8 x float> @llvm.fma.v8f32(<8 x float>, <8 x float>, <8 x float>)
// CHECK-DAG:   declare float @tanhf(float) #0
func.func @model(%x: memref<4x64xf32>, %out: memref<4x64xf32>, %a: memref<32xf32>, %d: memref<1xf32>, %x7: memref<7xf32>, %y: memref<7xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %s = arith.constant 0.5 : f32
  %true = arith.constant true
  func.call @lanes(%x, %out, %c1, %s, %true) : (memref<4x64xf32>, memref<4x64xf32>, index, f32, i1) -> ()
  %t = func.call @dot(%a, %a) : (memref<32xf32>, memref<32xf32>) -> f32
  loop.store %t, %d[%c0] : memref<1xf32>
  func.call @tanh3(%x7, %y) : (memref<7xf32>, memref<7xf32>) -> ()
  func.call @masks(%out) : (memref<4x64xf32>) -> ()
  %f = func.call @fold(%x, %s) : (memref<4x64xf32>, f32) -> f32
  loop.store %f, %d[%c0] : memref<1xf32>
  %v = func.call @strided(%x, %c1) : (memref<4x64xf32>, index) -> vector<8xf32>
  func.return
}
