// -o writes the output to a file and nothing to stdout.
// RUN: rm -f %t.out
// RUN: opt-fuse %s -p shape-infer -o %t.out > %t.stdout
// RUN: filecheck %s < %t.out
// RUN: wc -c < %t.stdout | filecheck %s --check-prefix=EMPTY

// CHECK-LABEL: func.func @f
// CHECK-SAME:    -> tensor<2xf32>
// EMPTY: {{^ *0$}}
func.func @f(%x: tensor<2xf32>) -> tensor<*xf32> {
  %0 = nn.relu %x : (tensor<2xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
