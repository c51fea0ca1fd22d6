// --load-pass-plugin FILE.py registers the passes the file defines (by their `name`,
// with their options) and its dialects; the flag repeats, and loading a file twice
// is harmless. The plugin's passes run, list and take options like built-in ones.
// RUN: opt-fuse %s --load-pass-plugin %S/Inputs/cancel_neg.py -p 'shape-infer,cancel-neg{reason="tests" repeat=2}' | filecheck %s
// RUN: opt-fuse %s --load-pass-plugin %S/Inputs/cancel_neg.py --load-pass-plugin %S/Inputs/cancel_neg.py -p 'relu-to-neg,shape-infer,func.func(cancel-neg{reason=x})' | filecheck %s --check-prefix=TWO
// RUN: opt-fuse --load-pass-plugin %S/Inputs/cancel_neg.py --list-passes | filecheck %s --check-prefix=LIST
// Without the plugin, neither its pass nor its dialect exists.
// RUN: not opt-fuse %s -p 'cancel-neg{reason=x}' 2>&1 | filecheck %s --check-prefix=UNKNOWN
// RUN: not opt-fuse %s 2>&1 | filecheck %s --check-prefix=UNLOADED
// RUN: not opt-fuse %s --load-pass-plugin %S/Inputs/cancel_neg.py -p 'cancel-neg' 2>&1 | filecheck %s --check-prefix=REQUIRED

// The toy.marker op parses and prints because the plugin's dialect is loaded.
// CHECK-LABEL: func.func @f
// CHECK-NEXT:    %[[M:.*]] = toy.marker %x : tensor<2xf32> -> tensor<*xf32>
// CHECK-NEXT:    %[[R:.*]] = nn.relu %x : (tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT:    func.return %[[R]], %[[M]]

// relu-to-neg, then cancel-neg on each function: -(-x) cancels, -(x) stays.
// TWO-LABEL: func.func @f
// TWO-NEXT:    toy.marker
// TWO-NEXT:    %[[N:.*]] = nn.neg %x : (tensor<2xf32>) -> tensor<2xf32>
// TWO-NEXT:    func.return %[[N]]

// LIST:      cancel-neg  -- Remove nn.neg of nn.neg (a test plugin).  [from pass plugin '{{.*}}Inputs/cancel_neg.py']
// LIST-NEXT:     reason: str
// LIST-NEXT:     quiet: bool = False
// LIST-NEXT:     repeat: int = 1
// LIST:      relu-to-neg  -- Replace nn.relu by nn.neg (a second pass in the same plugin file).

// UNKNOWN:  opt-fuse: error: unknown pass 'cancel-neg'; see --list-passes
// UNLOADED: opt-fuse: error: {{.*}}Operation toy.marker is not registered

// REQUIRED: opt-fuse: error: pass 'cancel-neg' requires option 'reason' (str)
func.func @f(%x: tensor<2xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %m = toy.marker %x : tensor<2xf32> -> tensor<*xf32>
  %0 = nn.neg %x : (tensor<2xf32>) -> tensor<*xf32>
  %1 = nn.neg %0 : (tensor<*xf32>) -> tensor<*xf32>
  %2 = nn.relu %1 : (tensor<*xf32>) -> tensor<*xf32>
  func.return %2, %m : tensor<*xf32>, tensor<*xf32>
}
