// --check-numerics compiles the module fused (by the pipeline) and unfused (as it was
// just before the first pass that made an nn.fused group), runs both on the same random
// inputs and compares every group's outputs with the unfused ops' values. The report
// goes to stdout; the first group that differs beyond the tolerance is the error (exit 1).
// A deliberately wrong plugin pass, which swaps nn.sub's operands inside groups, must be
// caught in the group holding the nn.sub, and only there.
// RUN: opt-fuse %s --check-numerics -p 'shape-infer,fuse' | filecheck %s
// RUN: not opt-fuse %s --check-numerics --load-pass-plugin %S/Inputs/swap_sub_in_groups.py -p 'shape-infer,fuse,swap-sub-in-groups' > %t.out 2> %t.err
// RUN: filecheck %s --check-prefix=REPORT < %t.out
// RUN: filecheck %s --check-prefix=ERROR < %t.err
// With a tolerance wider than the damage, the same broken group passes; the seed is reported.
// RUN: opt-fuse %s --check-numerics --numerics-atol 100 --numerics-rtol 0 --numerics-seed 7 --load-pass-plugin %S/Inputs/swap_sub_in_groups.py -p 'shape-infer,fuse,swap-sub-in-groups' | filecheck %s --check-prefix=TOLERANT
// RUN: not opt-fuse %s --check-numerics -p 'shape-infer,fuse,lower-to-loops' 2>&1 | filecheck %s --check-prefix=LOWERS
// RUN: not opt-fuse %s --check-numerics -p 'shape-infer,cse' 2>&1 | filecheck %s --check-prefix=NOFUSE

// CHECK:      check-numerics @model: 2 groups, 2 values compared with the unfused ops (random inputs, seed 0; atol 0.0001, rtol 0.001)
// CHECK-NEXT:   group 0 (nn.fused nn.matmul, out-elementwise-fusable): %m %r
// CHECK-NEXT:     %r: ok, max |fused - unfused| = {{.*}}
// CHECK-NEXT:   group 1 (nn.fused nn.reduce_sum, reduction): %p %s %t %q
// CHECK-NEXT:     %q: ok,
// CHECK-NEXT: all groups match the unfused ops

// REPORT:      group 0 (nn.fused nn.matmul, out-elementwise-fusable): %m %r
// REPORT-NEXT:   %r: ok,
// REPORT-NEXT: group 1 (nn.fused nn.reduce_sum, reduction): %p %s %t %q
// REPORT-NEXT:   %q: DIVERGES, max |fused - unfused| = {{[0-9.]+}} at [{{[0-9]+}}, {{[0-9]+}}] (fused {{.*}}, unfused {{.*}})
// REPORT:      first divergent: group 1, ops %p, %s, %t, %q (nn.fused nn.reduce_sum, reduction)

// ERROR:      opt-fuse: error: check-numerics: group 1, ops %p, %s, %t, %q (nn.fused nn.reduce_sum, reduction) diverges from the unfused ops: %q: max |fused - unfused| = {{.*}} (fused {{.*}}, unfused {{.*}}; atol 0.0001, rtol 0.001)

// TOLERANT:      (random inputs, seed 7; atol 100, rtol 0)
// TOLERANT:      %q: ok, max |fused - unfused| = {{([1-9]|0\.0*[1-9])}}
// TOLERANT-NEXT: all groups match the unfused ops

// LOWERS: opt-fuse: error: check-numerics lowers and compiles both versions itself: end the pipeline before lower-to-loops
// NOFUSE: opt-fuse: error: check-numerics: no pass of the pipeline made an nn.fused group, so there is nothing to compare (add `fuse`)
func.func @model(%x: tensor<2x8xf32>, %y: tensor<2x8xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<0.5> : tensor<8x8xf32>
  %m = nn.matmul %x, %w : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<*xf32>
  %r = nn.abs %m : (tensor<*xf32>) -> tensor<*xf32>
  %p = nn.reduce_sum %r axes [1] keepdims : (tensor<*xf32>) -> tensor<*xf32>
  %s = nn.sub %r, %p : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  %t = nn.tanh %s : (tensor<*xf32>) -> tensor<*xf32>
  %q = nn.mul %t, %y : (tensor<*xf32>, tensor<2x8xf32>) -> tensor<*xf32>
  func.return %q : tensor<*xf32>
}
