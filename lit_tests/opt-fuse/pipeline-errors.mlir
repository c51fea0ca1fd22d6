// Pipeline errors are one line on stderr (exit 1, no traceback): unknown pass,
// unknown option, option value of the wrong type, an option given twice, and
// malformed pipeline text, shown with a caret under the offending column.
// RUN: not opt-fuse %s -p 'builtin.module(shape-infer,frobnicate)' 2>&1 | filecheck %s --check-prefix=UNKNOWN
// RUN: not opt-fuse %s -p 'shape-infer{bogus=1}' 2>&1 | filecheck %s --check-prefix=OPTION
// RUN: not opt-fuse %s -p 'emit-llvm{target=1}' 2>&1 | filecheck %s --check-prefix=TYPE
// RUN: not opt-fuse %s -p 'emit-llvm{target=x86_64 target=aarch64}' 2>&1 | filecheck %s --check-prefix=TWICE
// RUN: not opt-fuse %s -p 'builtin.module(shape-infer' 2>&1 | filecheck %s --check-prefix=UNCLOSED --strict-whitespace
// RUN: not opt-fuse %s -p 'builtin.module(shape-infer,,cse)' 2>&1 | filecheck %s --check-prefix=EMPTY --strict-whitespace

// UNKNOWN:     opt-fuse: error: unknown pass 'frobnicate'; see --list-passes
// UNKNOWN-NOT: Traceback

// OPTION: opt-fuse: error: unknown option 'bogus' for pass 'shape-infer'; valid options: none

// TYPE: opt-fuse: error: option 'target' of pass 'emit-llvm' expects str, got 1

// TWICE:      opt-fuse: error: invalid pass pipeline at column 25: option 'target' is given more than once
// TWICE-NEXT:   emit-llvm{target=x86_64 target=aarch64}
// TWICE-NEXT:                           ^

// UNCLOSED:      opt-fuse: error: malformed pass pipeline at column 27: expected ')'
// UNCLOSED-NEXT: {{^}}  builtin.module(shape-infer{{$}}
// UNCLOSED-NEXT: {{^}}                            ^{{$}}

// EMPTY:      opt-fuse: error: malformed pass pipeline at column 28: expected a pass name
// EMPTY-NEXT: {{^}}  builtin.module(shape-infer,,cse){{$}}
// EMPTY-NEXT: {{^}}                             ^{{$}}

func.func @f(%x: tensor<2xf32>) -> tensor<*xf32> {
  %0 = nn.relu %x : (tensor<2xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
