// --list-passes lists every registered pass, sorted by name, with its summary and
// its options (name, type, default), without reading any input.
// (tests/test_lit.py checks that every registered pass is listed.)
// RUN: opt-fuse --list-passes | filecheck %s

// CHECK:      approximate-math
// CHECK:      canonicalize
// CHECK:      cse
// CHECK:      dce
// CHECK:      emit-llvm  -- Translate a loop-level module to LLVM IR
// CHECK-NEXT:     target: str = 'native'
// CHECK-NEXT:     weights-file: str = ''
// CHECK:      fold-batchnorm  -- Fold each BatchNorm that follows a conv
// CHECK:      fold-constants  -- Replace each nn op with only constant operands
// CHECK-NEXT:     max-elements: int = 16777216
// CHECK:      fuse  -- Greedy producer-consumer fusion
// CHECK-NEXT:     max-group-size: int = 0
// CHECK-NEXT:     disable: str = ''
// CHECK-NEXT:     max-recompute: float = 1.5
// CHECK-NEXT:     report: str = ''
// CHECK-NEXT:     dot: str = ''
// CHECK:      lower-to-loops  -- Lowers each function of nn ops
// CHECK:      shape-infer  -- Infers the shape of every nn op
