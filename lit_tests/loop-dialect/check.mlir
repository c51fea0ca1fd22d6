// loop.check's assembly format: `loop.check %cond, "message"`, printed as parsed
// (quotes in the message are escaped), and printed again the same after a second
// parse. It writes memory (the error global), so dce and cse keep it even though
// it has no result, and two identical checks stay two.
// RUN: opt-fuse %s | filecheck %s
// RUN: opt-fuse %s | opt-fuse | filecheck %s
// RUN: opt-fuse %s -p 'builtin.module(dce,cse,canonicalize)' | filecheck %s
// RUN: opt-fuse %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @k(%x: memref<4xi64>, %n: index)
// CHECK:         loop.parallel %i = %c0 to %c4 step %c1 {
// CHECK-NEXT:      %v = loop.load %x[%i] : memref<4xi64>
// CHECK-NEXT:      %ok = arith.cmpi slt, %v, %c4_1 : i64
// CHECK-NEXT:      loop.check %ok, "Gather node 'g': an index is out of range"
// CHECK-NEXT:      loop.check %ok, "Gather node 'g': an index is out of range"
// CHECK-NEXT:      loop.check %ok, "a \22quoted\22 name"
// CHECK-NEXT:    }
// CHECK-NEXT:    %small = arith.cmpi slt, %n, %c4 : index
// CHECK-NEXT:    loop.check %small, "n is too large" {note = "kept"}
// CHECK-NEXT:    func.return
// GENERIC:       "loop.check"(%{{.*}}) <{message = "Gather node 'g': an index is out of range"}> : (i1) -> ()
func.func @k(%x: memref<4xi64>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c4_1 = arith.constant 4 : i64
  loop.parallel %i = %c0 to %c4 step %c1 {
    %v = loop.load %x[%i] : memref<4xi64>
    %ok = arith.cmpi slt, %v, %c4_1 : i64
    loop.check %ok, "Gather node 'g': an index is out of range"
    loop.check %ok, "Gather node 'g': an index is out of range"
    loop.check %ok, "a \"quoted\" name"
  }
  %small = arith.cmpi slt, %n, %c4 : index
  loop.check %small, "n is too large" {note = "kept"}
  func.return
}
