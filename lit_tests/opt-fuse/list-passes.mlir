// --list-passes lists every registered pass, sorted by name, with its summary and
// its options (name, type, default), without reading any input.
// (tests/test_lit.py checks that every registered pass is listed.)
// RUN: opt-fuse --list-passes | filecheck %s

// CHECK:      canonicalize
// CHECK:      cse
// CHECK:      dce
// CHECK:      emit-llvm  -- Translate a loop-level module to LLVM IR
// CHECK-NEXT:     target: str = 'native'
// CHECK-NEXT:     weights-file: str = ''
// CHECK:      lower-to-loops  -- Lowers each function of nn ops
// CHECK:      shape-infer  -- Infers static shapes for every nn op
