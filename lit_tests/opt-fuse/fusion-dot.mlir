// --fusion-dot FILE draws the nn ops and their nn.fused groups (Graphviz): one
// cluster per group, labelled with its anchor and kind; solid edges inside a group,
// dashed ones between groups. It draws the groups as the last pass that left nn ops
// made them, so a pipeline that goes on to lower still gets the picture; a module
// that is already fused is drawn as it is. SVG needs Graphviz's `dot` program.
// RUN: opt-fuse %s -p 'shape-infer,fuse' --fusion-dot %t.dot -o /dev/null
// RUN: filecheck %s --input-file %t.dot
// RUN: opt-fuse %s -p 'shape-infer,fuse,lower-to-loops' --fusion-dot %t.lowered.dot -o /dev/null
// RUN: filecheck %s --input-file %t.lowered.dot
// RUN: opt-fuse %s -p 'shape-infer,fuse' | opt-fuse --fusion-dot %t.again.dot -o /dev/null
// RUN: filecheck %s --input-file %t.again.dot
// RUN: opt-fuse %s -p 'shape-infer' --fusion-dot %t.unfused.dot -o /dev/null
// RUN: filecheck %s --input-file %t.unfused.dot --check-prefix=UNFUSED
// RUN: not env PATH=%t.no-such-dir opt-fuse %s -p 'shape-infer,fuse' --fusion-dot %t.svg -o /dev/null 2>&1 | filecheck %s --check-prefix=SVG
// RUN: echo 'func.func @empty() { func.return }' | not opt-fuse - --fusion-dot %t.empty.dot 2>&1 | filecheck %s --check-prefix=NOTHING

// CHECK:      digraph fusion {
// CHECK:        subgraph cluster_0_0 {
// CHECK-NEXT:     label="nn.matmul (out-elementwise-fusable)"; style=rounded;
// CHECK-NEXT:     [[M:f0g0n0]] [label="nn.matmul\n%m"];
// CHECK-NEXT:     [[R:f0g0n1]] [label="nn.relu\n%r"];
// CHECK-NEXT:   }
// CHECK-NEXT:   subgraph cluster_0_1 {
// CHECK-NEXT:     label="nn.reduce_sum (reduction)"; style=rounded;
// CHECK-NEXT:     [[S:f0g1n0]] [label="nn.reduce_sum\n%s"];
// CHECK-NEXT:     [[D:f0g1n1]] [label="nn.div\n%d"];
// CHECK-NEXT:   }
// CHECK-DAG:    [[M]] -> [[R]];
// CHECK-DAG:    [[R]] -> [[S]] [style=dashed];
// CHECK-DAG:    [[R]] -> [[D]] [style=dashed];
// CHECK-DAG:    [[S]] -> [[D]];
// CHECK:      }

// Before fuse, each op is a group of its own.
// UNFUSED:      label="nn.matmul (out-elementwise-fusable)"
// UNFUSED:      label="nn.relu (elementwise)"
// UNFUSED:      label="nn.reduce_sum (reduction)"
// UNFUSED:      label="nn.div (broadcast)"
// UNFUSED-NOT:  subgraph
// UNFUSED-COUNT-4: [style=dashed];

// SVG: opt-fuse: error: --fusion-dot: writing {{.*}}.svg needs Graphviz's `dot` program; install graphviz, or ask for a .dot file
// NOTHING: opt-fuse: error: --fusion-dot: the module has no nn ops to draw
func.func @f(%x: tensor<2x8xf32>) -> tensor<*xf32> {
  %w = nn.constant dense<0.5> : tensor<8x8xf32>
  %m = nn.matmul %x, %w : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<*xf32>
  %r = nn.relu %m : (tensor<*xf32>) -> tensor<*xf32>
  %s = nn.reduce_sum %r axes [1] keepdims : (tensor<*xf32>) -> tensor<*xf32>
  %d = nn.div %r, %s : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  func.return %d : tensor<*xf32>
}
