// A fused sigmoid -> tanh -> erf kernel after approximate-math prints, parses back and
// translates to LLVM IR without any libm call (expf, tanhf, erff) or llvm.exp: what is left
// are intrinsics that vectorise (fma, floor, fabs, maxnum, minnum) and plain float and i32 ops.
// RUN: opt-fuse %s -p 'shape-infer,fuse,lower-to-loops,approximate-math' | opt-fuse -p emit-llvm | filecheck %s

// CHECK-NOT:   call {{.*}}@{{expf|tanhf|erff|llvm.exp.f32}}(
// CHECK-LABEL: define internal void @f_k0_sigmoid_tanh_erf
// CHECK:         call float @llvm.fma.f32(float %{{.*}}, float 0x3FF7154760000000, float 0.5)
// CHECK-NEXT:    call float @llvm.floor.f32(
// CHECK:         fptosi float %{{.*}} to i32
// CHECK:         shl i32 %{{.*}}, 23
// CHECK-NEXT:    bitcast i32 %{{.*}} to float
// CHECK:         call float @llvm.fabs.f32(
// CHECK:         fcmp ult float
// CHECK:         fcmp uno float
// CHECK-NOT:   call {{.*}}@{{expf|tanhf|erff|llvm.exp.f32}}(
// CHECK-LABEL: define i32 @f_run
// CHECK-NOT:   declare float @{{expf|tanhf|erff|llvm.exp.f32}}(
// CHECK-DAG:   declare float @llvm.floor.f32(float)
// CHECK-DAG:   declare float @llvm.fma.f32(float, float, float)
// CHECK-NOT:   declare float @{{expf|tanhf|erff|llvm.exp.f32}}(
func.func @f(%x: tensor<4x8xf32>) -> tensor<*xf32> {
  %0 = nn.sigmoid %x : (tensor<4x8xf32>) -> tensor<*xf32>
  %1 = nn.tanh %0 : (tensor<*xf32>) -> tensor<*xf32>
  %2 = nn.erf %1 : (tensor<*xf32>) -> tensor<*xf32>
  func.return %2 : tensor<*xf32>
}
