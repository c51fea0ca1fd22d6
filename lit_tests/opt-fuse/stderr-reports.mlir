// --print-ir-after-all and --timing write to stderr; stdout has only the final IR.
// RUN: opt-fuse %s -p 'shape-infer,cse' --print-ir-after-all --timing > %t.stdout 2> %t.stderr
// RUN: filecheck %s --check-prefix=STDOUT < %t.stdout
// RUN: filecheck %s --check-prefix=STDERR < %t.stderr

// STDOUT-NOT:  IR Dump
// STDOUT-LABEL: func.func @f
// STDOUT-NEXT:    nn.relu %x : (tensor<2xf32>) -> tensor<2xf32>
// STDOUT-NEXT:    func.return
// STDOUT-NOT:  Execution time report

// After shape-infer the duplicate relu is still there; after cse it is gone.
// STDERR:      // -----// IR Dump After shape-infer //----- //
// STDERR:        nn.relu %x : (tensor<2xf32>) -> tensor<2xf32>
// STDERR-NEXT:   nn.relu %x : (tensor<2xf32>) -> tensor<2xf32>
// STDERR:      // -----// IR Dump After cse //----- //
// STDERR:        nn.relu %x : (tensor<2xf32>) -> tensor<2xf32>
// STDERR-NEXT:   func.return
// The timing report is mlir's -mlir-timing table: parsing, each pass in pipeline
// order, verification, printing, the rest, and the total.
// STDERR:      ... Execution time report ...
// STDERR:      Total Execution Time: {{[0-9.]+}} seconds
// STDERR:      ----Wall Time----  ----Name----
// STDERR:      {{[0-9.]+}} ({{ *[0-9.]+}}%)  Parser
// STDERR-NEXT: {{[0-9.]+}} ({{ *[0-9.]+}}%)  shape-infer
// STDERR-NEXT: {{[0-9.]+}} ({{ *[0-9.]+}}%)  cse
// STDERR-NEXT: {{[0-9.]+}} ({{ *[0-9.]+}}%)  Verifier
// STDERR-NEXT: {{[0-9.]+}} ({{ *[0-9.]+}}%)  Output
// STDERR-NEXT: {{[0-9.]+}} ({{ *[0-9.]+}}%)  Rest
// STDERR-NEXT: {{[0-9.]+}} (100.0%)  Total
func.func @f(%x: tensor<2xf32>) -> tensor<*xf32> {
  %0 = nn.relu %x : (tensor<2xf32>) -> tensor<*xf32>
  %1 = nn.relu %x : (tensor<2xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
