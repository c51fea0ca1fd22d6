// emit-llvm of loop.parallel: an outermost parallel loop runs on the thread pool
// that ships with every model (compiler/thread_pool.c). Its body moves to
// `@<kernel>.par.<iv>(i64 %begin, i64 %end, <captured values>)`, which runs the
// iterations [begin, end) and takes the kernel's parameter attributes; the
// pool calls `@<kernel>.par.<iv>.task(i64 %begin, i64 %end, ptr %context)`, which
// loads those values from the context struct. The kernel stores them into the
// context (an alloca at the top of the entry block, so once per call even when
// the parallel loop sits in a loop.for) and calls `@<entry>_parallel_for(task,
// context, lower, upper, step, work per iteration)`. A loop.parallel inside an
// outermost one stays a sequential loop in the outlined body.
// RUN: opt-fuse %s -p 'emit-llvm{target=x86_64}' | filecheck %s
// RUN: opt-fuse %s -p 'emit-llvm{target=aarch64}' | filecheck %s

// CHECK:       %scale.par.i.context = type { ptr, ptr, float }
// CHECK-NEXT:  %scale.par.i.1.context = type { ptr, ptr, float }
// CHECK-NEXT:  %rows.par.j.context = type { ptr, i64 }

// The stepped loop and its remainder: two parallel loops, one after the other.
// CHECK-LABEL: define internal void @scale(ptr noalias nocapture readonly dereferenceable(40) %x, ptr noalias nocapture readonly dereferenceable(4) %s, ptr noalias nocapture dereferenceable(40) %y) #0 {
// CHECK-NEXT:  entry:
// CHECK-NEXT:    %par.i.context = alloca %scale.par.i.context, align 8
// CHECK-NEXT:    %par.i.1.context = alloca %scale.par.i.1.context, align 8
// CHECK-NEXT:    %factor = load float, ptr %s, align 4
// CHECK-NEXT:    store ptr %x, ptr %par.i.context, align 8
// CHECK-NEXT:    %par.i.context.y = getelementptr inbounds %scale.par.i.context, ptr %par.i.context, i32 0, i32 1
// CHECK-NEXT:    store ptr %y, ptr %par.i.context.y, align 8
// CHECK-NEXT:    %par.i.context.factor = getelementptr inbounds %scale.par.i.context, ptr %par.i.context, i32 0, i32 2
// CHECK-NEXT:    store float %factor, ptr %par.i.context.factor, align 8
// CHECK-NEXT:    call void @model_parallel_for(ptr @scale.par.i.task, ptr %par.i.context, i64 0, i64 8, i64 4, i64 {{[0-9]+}})
// CHECK:         call void @model_parallel_for(ptr @scale.par.i.1.task, ptr %par.i.1.context, i64 8, i64 10, i64 1, i64 {{[0-9]+}})
// CHECK-NEXT:    ret void

// The body: iterations [begin, end) with the original step; the inner
// loop.parallel over %l is a sequential loop with its literal bounds.
// CHECK-LABEL: define internal void @scale.par.i(i64 %begin, i64 %end, ptr noalias nocapture readonly dereferenceable(40) %x, ptr noalias nocapture dereferenceable(40) %y, float %factor) #0 {
// CHECK-NEXT:  entry:
// CHECK-NEXT:    br label %par.i
// CHECK:         %i = phi i64 [ %begin, %entry ], [ %i.next, %par.i.latch ]
// CHECK-NEXT:    %i.cond = icmp slt i64 %i, %end
// CHECK:         %l = phi i64 [ 0, %par.i.body ], [ %l.next, %par.l.latch ]
// CHECK-NEXT:    %l.cond = icmp slt i64 %l, 4
// CHECK:         fmul float %v, %factor
// CHECK-NOT:     call void @model_parallel_for
// CHECK:         %i.next = add nsw i64 %i, 4
// CHECK:         ret void

// CHECK-LABEL: define internal void @scale.par.i.task(i64 %begin, i64 %end, ptr %context) #0 {
// CHECK-NEXT:  entry:
// CHECK-NEXT:    %x = load ptr, ptr %context, align 8
// CHECK-NEXT:    %y.field = getelementptr inbounds %scale.par.i.context, ptr %context, i32 0, i32 1
// CHECK-NEXT:    %y = load ptr, ptr %y.field, align 8
// CHECK-NEXT:    %factor.field = getelementptr inbounds %scale.par.i.context, ptr %context, i32 0, i32 2
// CHECK-NEXT:    %factor = load float, ptr %factor.field, align 8
// CHECK-NEXT:    call void @scale.par.i(i64 %begin, i64 %end, ptr %x, ptr %y, float %factor)
// CHECK-NEXT:    ret void
// CHECK-NEXT:  }

// CHECK-LABEL: define internal void @scale.par.i.1(i64 %begin, i64 %end,
// CHECK:         %i.next = add nsw i64 %i, 1
// CHECK-LABEL: define internal void @scale.par.i.1.task(

// A parallel loop inside a loop.for: the for's induction variable goes
// through the context; the alloca stays in the entry block.
// CHECK-LABEL: define internal void @rows(
// CHECK-NEXT:  entry:
// CHECK-NEXT:    %par.j.context = alloca %rows.par.j.context, align 8
// CHECK-NEXT:    br label %for.r
// CHECK:         store i64 %r, ptr %par.j.context.r, align 8
// CHECK-NEXT:    call void @model_parallel_for(ptr @rows.par.j.task, ptr %par.j.context, i64 0, i64 6, i64 1, i64 {{[0-9]+}})
// CHECK-LABEL: define internal void @rows.par.j(i64 %begin, i64 %end, ptr noalias nocapture dereferenceable(72) %m, i64 %r) #0 {
// CHECK-LABEL: define internal void @rows.par.j.task(

// The entry point has no parallel loop of its own; the pool's entry is declared once.
// CHECK-LABEL: define i32 @model_run(
// CHECK-NOT:     _parallel_for
// CHECK:         ret i32 0
// CHECK:       declare void @model_parallel_for(ptr, ptr nocapture, i64, i64, i64, i64) #0

func.func private @scale(%x: memref<10xf32>, %s: memref<1xf32>, %y: memref<10xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c10 = arith.constant 10 : index
  %factor = loop.load %s[%c0] : memref<1xf32>
  loop.parallel %i = %c0 to %c8 step %c4 {
    loop.parallel %l = %c0 to %c4 step %c1 {
      %k = arith.addi %i, %l : index
      %v = loop.load %x[%k] : memref<10xf32>
      %w = arith.mulf %v, %factor : f32
      loop.store %w, %y[%k] : memref<10xf32>
    }
  }
  loop.parallel %i = %c8 to %c10 step %c1 {
    %v = loop.load %x[%i] : memref<10xf32>
    %w = arith.mulf %v, %factor : f32
    loop.store %w, %y[%i] : memref<10xf32>
  }
  func.return
}

func.func private @rows(%m: memref<3x6xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c6 = arith.constant 6 : index
  loop.for %r = %c0 to %c3 step %c1 {
    loop.parallel %j = %c0 to %c6 step %c1 {
      %v = loop.load %m[%r, %j] : memref<3x6xf32>
      %w = arith.addf %v, %v : f32
      loop.store %w, %m[%r, %j] : memref<3x6xf32>
    }
  }
  func.return
}

func.func @model(%x: memref<10xf32>, %s: memref<1xf32>, %y: memref<10xf32>, %m: memref<3x6xf32>) {
  func.call @scale(%x, %s, %y) : (memref<10xf32>, memref<1xf32>, memref<10xf32>) -> ()
  func.call @rows(%m) : (memref<3x6xf32>) -> ()
  func.return
}
