// --list-passes --json: every pass with where it comes from, its summary and
// docstring, and each option's name (as pipelines spell it), type, default and
// whether it is required. docs/passes.md is generated from the same data.
// RUN: opt-fuse --list-passes --json | %python -c "import json, sys; text = sys.stdin.read(); json.loads(text); print(text)" | filecheck %s
// RUN: opt-fuse --list-passes --json --load-pass-plugin %S/Inputs/cancel_neg.py | filecheck %s --check-prefix=PLUGIN
// RUN: not opt-fuse --json 2>&1 | filecheck %s --check-prefix=ALONE

// CHECK:      "name": "cse",
// CHECK-NEXT: "origin": "xdsl",
// CHECK:      "name": "fuse",
// CHECK-NEXT: "origin": "opt-fuse",
// CHECK-NEXT: "summary": "Greedy producer-consumer fusion of nn ops into nn.fused groups (one loop nest each).",
// CHECK-NEXT: "description": "Greedy producer-consumer fusion {{.*}}\n\nOptions: `max-group-size`
// CHECK-NEXT: "options": [
// CHECK-NEXT:   {
// CHECK-NEXT:     "name": "max-group-size",
// CHECK-NEXT:     "type": "int",
// CHECK-NEXT:     "default": 0,
// CHECK-NEXT:     "required": false
// CHECK-NEXT:   },
// CHECK:          "name": "max-recompute",
// CHECK-NEXT:     "type": "float",
// CHECK-NEXT:     "default": 1.5,
// CHECK:      "name": "shape-infer",
// CHECK:      "options": []

// PLUGIN:      "name": "cancel-neg",
// PLUGIN-NEXT: "origin": "pass plugin '{{.*}}Inputs/cancel_neg.py'",
// PLUGIN:      "options": [
// PLUGIN-NEXT:   {
// PLUGIN-NEXT:     "name": "reason",
// PLUGIN-NEXT:     "type": "str",
// PLUGIN-NEXT:     "default": null,
// PLUGIN-NEXT:     "required": true
// PLUGIN-NEXT:   },
// PLUGIN-NEXT:   {
// PLUGIN-NEXT:     "name": "quiet",
// PLUGIN-NEXT:     "type": "bool",
// PLUGIN-NEXT:     "default": false,

// ALONE: opt-fuse: error: --json goes with --list-passes
