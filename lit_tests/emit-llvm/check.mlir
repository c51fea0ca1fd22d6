// emit-llvm of loop.check: the module exports `@<entry>_error` (a ptr, null
// unless the last run failed a check) and one private C string per distinct
// message. A check is a branch, marked unlikely to fail, to a block that stores
// the message's address in the error global and goes on. The entry clears the
// global first and returns 2 when it is set at the end. The kernel is internal
// and writes the global directly, with an atomic store: its parallel loop runs
// on the thread pool, and two threads may fail a check at once.
// RUN: opt-fuse %s -p 'emit-llvm{target=x86_64}' | filecheck %s
// RUN: opt-fuse %s -p 'emit-llvm{target=aarch64}' | filecheck %s

// CHECK:       ; entry point: i32 model_run(in idx: 4 x i64, in table: 4 x float, out out: 4 x float), returns 0; 2 when a run-time check fails (message: @model_error)
// CHECK:       @model_error = global ptr null, align 8
// CHECK-NEXT:  @[[MSG:model_error.msg]] = private unnamed_addr constant [42 x i8] c"Gather node 'g': an index is out of range\00", align 1
// CHECK-NEXT:  @[[NEG:model_error.msg.1]] = private unnamed_addr constant [19 x i8] c"a \22negative\22 index\00", align 1
// CHECK-NOT:   private unnamed_addr constant

// CHECK-LABEL: define internal void @gather(
// CHECK:         call void @model_parallel_for(ptr @gather.par.i.task,
// CHECK-LABEL: define internal void @gather.par.i(
// CHECK:         %ok = and i1 %low, %high
// CHECK-NEXT:    br i1 %ok, label %[[OK:check.ok]], label %[[FAIL:check.fail]], !prof !0
// CHECK-EMPTY:
// CHECK-NEXT:  [[FAIL]]:
// CHECK-NEXT:    store atomic ptr @[[MSG]], ptr @model_error monotonic, align 8
// CHECK-NEXT:    br label %[[OK]]
// CHECK-EMPTY:
// CHECK-NEXT:  [[OK]]:
// CHECK-NEXT:    br i1 %low, label %[[OK1:check.1.ok]], label %[[FAIL1:check.1.fail]], !prof !0
// CHECK:       [[FAIL1]]:
// CHECK-NEXT:    store atomic ptr @[[NEG]], ptr @model_error monotonic, align 8
// The same message again: the same string.
// CHECK:         store atomic ptr @[[MSG]], ptr @model_error monotonic, align 8
// The load is clamped, so it is safe whether or not the check failed.
// CHECK:         %safe = call i64 @llvm.smin.i64(i64 %raised, i64 3)
// CHECK:         ret void

// CHECK-LABEL: define i32 @model_run(
// CHECK-NEXT:  entry:
// CHECK-NEXT:    store atomic ptr null, ptr @model_error monotonic, align 8
// CHECK-NEXT:    call void @gather(ptr %idx, ptr %table, ptr %out)
// CHECK-NEXT:    %error = load atomic ptr, ptr @model_error monotonic, align 8
// CHECK-NEXT:    %failed = icmp ne ptr %error, null
// CHECK-NEXT:    %status = select i1 %failed, i32 2, i32 0
// CHECK-NEXT:    ret i32 %status
// CHECK-NEXT:  }
// CHECK:       !0 = !{!"branch_weights", i32 2000, i32 1}
func.func private @gather(%idx: memref<4xi64>, %table: memref<4xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  loop.parallel %i = %c0 to %c4 step %c1 {
    %n = loop.load %idx[%i] : memref<4xi64>
    %k = arith.index_cast %n : i64 to index
    %low = arith.cmpi sge, %k, %c0 : index
    %high = arith.cmpi slt, %k, %c4 : index
    %ok = arith.andi %low, %high : i1
    loop.check %ok, "Gather node 'g': an index is out of range"
    loop.check %low, "a \"negative\" index"
    loop.check %ok, "Gather node 'g': an index is out of range"
    %raised = arith.maxsi %k, %c0 : index
    %safe = arith.minsi %raised, %c3 : index
    %v = loop.load %table[%safe] : memref<4xf32>
    loop.store %v, %out[%i] : memref<4xf32>
  }
  func.return
}

func.func @model(%idx: memref<4xi64>, %table: memref<4xf32>, %out: memref<4xf32>) {
  func.call @gather(%idx, %table, %out) : (memref<4xi64>, memref<4xf32>, memref<4xf32>) -> ()
  func.return
}
