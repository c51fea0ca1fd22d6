// --timing: one row per pass of the pipeline, in pipeline order, also when a pass
// appears twice or is nested under func.func; with --split-input-file the chunks add
// up in the same rows. Rows are "wall seconds (percent of the total)  name".
// RUN: opt-fuse %s --split-input-file -p 'builtin.module(shape-infer,func.func(cse),shape-infer)' --timing -o /dev/null 2>&1 | filecheck %s
// RUN: opt-fuse %s --split-input-file --load-pass-plugin %S/Inputs/cancel_neg.py -p 'cancel-neg{reason=timing}' --timing -o /dev/null 2>&1 | filecheck %s --check-prefix=PLUGIN

// CHECK:       Total Execution Time: [[TOTAL:[0-9.]+]] seconds
// CHECK:       ----Wall Time----  ----Name----
// CHECK-NEXT:  {{ +[0-9.]+ \( *[0-9.]+%\)  Setup \(dialects, pass registry\)$}}
// CHECK-NEXT:  {{ +[0-9.]+ \( *[0-9.]+%\)  Pipeline parsing$}}
// CHECK-NEXT:  {{ +[0-9.]+ \( *[0-9.]+%\)  Parser$}}
// CHECK-NEXT:  {{ +[0-9.]+ \( *[0-9.]+%\)  shape-infer$}}
// CHECK-NEXT:  {{ +[0-9.]+ \( *[0-9.]+%\)  func.func\(cse\)$}}
// CHECK-NEXT:  {{ +[0-9.]+ \( *[0-9.]+%\)  shape-infer$}}
// CHECK-NEXT:  {{ +[0-9.]+ \( *[0-9.]+%\)  Verifier$}}
// CHECK-NEXT:  {{ +[0-9.]+ \( *[0-9.]+%\)  Output$}}
// CHECK-NEXT:  {{ +[0-9.]+ \( *[0-9.]+%\)  Rest$}}
// CHECK-NEXT:  {{ +}}[[TOTAL]] (100.0%)  Total
// CHECK-NOT:   shape-infer

// A plugin's load time has its row; its pass is timed like any other.
// PLUGIN:      ----Wall Time----  ----Name----
// PLUGIN-NEXT: Plugins
// PLUGIN:      cancel-neg
// PLUGIN-NEXT: Verifier
func.func @f(%x: tensor<2xf32>) -> tensor<*xf32> {
  %0 = nn.neg %x : (tensor<2xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}

// -----

func.func @g(%x: tensor<3xf32>) -> tensor<*xf32> {
  %0 = nn.neg %x : (tensor<3xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
