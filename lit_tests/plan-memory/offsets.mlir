// plan-memory: each loop.alloc of an entry function becomes a loop.view of one
// arena (the first op of the entry block), at a 64-byte aligned offset chosen
// greedily by size; buffers whose live ranges (first use to last use) do not
// meet share bytes, and the function records the arena size and what the
// buffers took before (each in its own 64-byte aligned global).
// RUN: opt-fuse %s -p plan-memory --split-input-file | filecheck %s
// Planning twice changes nothing: a planned function is left alone.
// RUN: opt-fuse %s -p plan-memory,plan-memory --split-input-file | filecheck %s
// The printed result parses back and verifies.
// RUN: opt-fuse %s -p plan-memory --split-input-file | opt-fuse --split-input-file | filecheck %s
// With reuse=false every buffer keeps bytes of its own (still one arena).
// RUN: opt-fuse %s -p 'plan-memory{reuse=false}' --split-input-file | filecheck %s --check-prefix=NOREUSE

// A chain of four 256-byte buffers: %c takes %a's bytes (%a is dead after the
// call that writes %b) and %d takes %b's, so the arena holds two buffers, not four.
// CHECK-LABEL: func.func @chain
// CHECK-SAME:    attributes {loop.entry, loop.arena_bytes = 512 : i64, loop.unplanned_bytes = 1024 : i64}
// CHECK-NEXT:    %arena = loop.alloc : memref<512xi8>
// CHECK-NEXT:    %a = loop.view %arena[0] : memref<512xi8> to memref<64xf32>
// CHECK-NEXT:    func.call @k(%x, %a)
// CHECK-NEXT:    %b = loop.view %arena[256] : memref<512xi8> to memref<64xf32>
// CHECK-NEXT:    func.call @k(%a, %b)
// CHECK-NEXT:    %c = loop.view %arena[0] : memref<512xi8> to memref<64xf32>
// CHECK-NEXT:    func.call @k(%b, %c)
// CHECK-NEXT:    %d = loop.view %arena[256] : memref<512xi8> to memref<64xf32>
// CHECK-NEXT:    func.call @k(%c, %d)
// CHECK-NEXT:    func.call @k(%d, %y)
// CHECK-NEXT:    func.return
// CHECK-NOT:   loop.alloc
// NOREUSE-LABEL: func.func @chain
// NOREUSE-SAME:    loop.arena_bytes = 1024 : i64, loop.unplanned_bytes = 1024 : i64
// NOREUSE:         %a = loop.view %arena[0] :
// NOREUSE:         %b = loop.view %arena[256] :
// NOREUSE:         %c = loop.view %arena[512] :
// NOREUSE:         %d = loop.view %arena[768] :
func.func private @k(memref<64xf32>, memref<64xf32>)
func.func @chain(%x: memref<64xf32>, %y: memref<64xf32>) attributes {loop.entry} {
  %a = loop.alloc : memref<64xf32>
  func.call @k(%x, %a) : (memref<64xf32>, memref<64xf32>) -> ()
  %b = loop.alloc : memref<64xf32>
  func.call @k(%a, %b) : (memref<64xf32>, memref<64xf32>) -> ()
  %c = loop.alloc : memref<64xf32>
  func.call @k(%b, %c) : (memref<64xf32>, memref<64xf32>) -> ()
  %d = loop.alloc : memref<64xf32>
  func.call @k(%c, %d) : (memref<64xf32>, memref<64xf32>) -> ()
  func.call @k(%d, %y) : (memref<64xf32>, memref<64xf32>) -> ()
  func.return
}

// -----

// Largest first: %big (4096 bytes) goes to offset 0 although it is allocated
// second; %m (1024 bytes) meets it and goes above it; %s (64 bytes) meets only
// %big, so it takes the lowest offset clear of %big, which %m also uses at
// other times.
// CHECK-LABEL: func.func @by_size
// CHECK-SAME:    loop.arena_bytes = 5120 : i64, loop.unplanned_bytes = 5184 : i64
// CHECK:         %s = loop.view %arena[4096] : memref<5120xi8> to memref<16xf32>
// CHECK:         %big = loop.view %arena[0] : memref<5120xi8> to memref<1024xf32>
// CHECK:         %m = loop.view %arena[4096] : memref<5120xi8> to memref<256xf32>
func.func private @k_s(memref<16xf32>, memref<16xf32>)
func.func private @k_big(memref<16xf32>, memref<1024xf32>)
func.func private @k_m(memref<1024xf32>, memref<256xf32>)
func.func private @k_out(memref<256xf32>, memref<256xf32>)
func.func @by_size(%x: memref<16xf32>, %y: memref<256xf32>) attributes {loop.entry} {
  %s = loop.alloc : memref<16xf32>
  func.call @k_s(%x, %s) : (memref<16xf32>, memref<16xf32>) -> ()
  %big = loop.alloc : memref<1024xf32>
  func.call @k_big(%s, %big) : (memref<16xf32>, memref<1024xf32>) -> ()
  %m = loop.alloc : memref<256xf32>
  func.call @k_m(%big, %m) : (memref<1024xf32>, memref<256xf32>) -> ()
  func.call @k_out(%m, %y) : (memref<256xf32>, memref<256xf32>) -> ()
  func.return
}

// -----

// No reuse between live ranges that meet: %keep is live from its first call to
// its last, across the call that touches only %t1 and %t2, so all three are
// live at that call and get three disjoint slots (in order of first use).
// CHECK-LABEL: func.func @long_lived
// CHECK-SAME:    loop.arena_bytes = 768 : i64, loop.unplanned_bytes = 768 : i64
// CHECK:         %keep = loop.view %arena[0] :
// CHECK:         %t1 = loop.view %arena[256] :
// CHECK:         %t2 = loop.view %arena[512] :
func.func private @k(memref<64xf32>, memref<64xf32>)
func.func private @k3(memref<64xf32>, memref<64xf32>, memref<64xf32>)
func.func @long_lived(%x: memref<64xf32>, %y: memref<64xf32>) attributes {loop.entry} {
  %keep = loop.alloc : memref<64xf32>
  func.call @k(%x, %keep) : (memref<64xf32>, memref<64xf32>) -> ()
  %t1 = loop.alloc : memref<64xf32>
  func.call @k(%keep, %t1) : (memref<64xf32>, memref<64xf32>) -> ()
  %t2 = loop.alloc : memref<64xf32>
  func.call @k(%t1, %t2) : (memref<64xf32>, memref<64xf32>) -> ()
  func.call @k3(%keep, %t2, %y) : (memref<64xf32>, memref<64xf32>, memref<64xf32>) -> ()
  func.return
}

// -----

// Uses are followed through views, and a view is no use itself: %raw is first
// used by the call that reads %v, after %a's last use, although %v is defined
// at the top. So %raw and %a share offset 0.
// CHECK-LABEL: func.func @through_views
// CHECK-SAME:    loop.arena_bytes = 512 : i64, loop.unplanned_bytes = 1024 : i64
// CHECK-NEXT:    %arena = loop.alloc : memref<512xi8>
// CHECK-NEXT:    %raw = loop.view %arena[0] : memref<512xi8> to memref<512xi8>
// CHECK-NEXT:    %v = loop.view %raw[256] : memref<512xi8> to memref<64xf32>
// CHECK-NEXT:    %a = loop.view %arena[0] : memref<512xi8> to memref<128xf32>
func.func private @k128(memref<128xf32>, memref<128xf32>)
func.func private @k128to64(memref<128xf32>, memref<64xf32>)
func.func private @k(memref<64xf32>, memref<64xf32>)
func.func @through_views(%x128: memref<128xf32>, %x: memref<64xf32>, %y: memref<64xf32>) attributes {loop.entry} {
  %raw = loop.alloc : memref<512xi8>
  %v = loop.view %raw[256] : memref<512xi8> to memref<64xf32>
  %a = loop.alloc : memref<128xf32>
  func.call @k128(%x128, %a) : (memref<128xf32>, memref<128xf32>) -> ()
  func.call @k128to64(%a, %y) : (memref<128xf32>, memref<64xf32>) -> ()
  func.call @k(%x, %v) : (memref<64xf32>, memref<64xf32>) -> ()
  func.call @k(%v, %y) : (memref<64xf32>, memref<64xf32>) -> ()
  func.return
}

// -----

// A use inside a loop of the entry block counts at the loop: %t (read in the
// loop) and %u (written in it) are both live there and do not share; %w, made
// after the loop, takes %t's bytes.
// CHECK-LABEL: func.func @nested_use
// CHECK-SAME:    loop.arena_bytes = 512 : i64, loop.unplanned_bytes = 768 : i64
// CHECK:         %t = loop.view %arena[0] :
// CHECK:         %u = loop.view %arena[256] :
// CHECK:         loop.parallel
// CHECK:         %w = loop.view %arena[0] :
func.func private @k(memref<64xf32>, memref<64xf32>)
func.func @nested_use(%x: memref<64xf32>, %y: memref<64xf32>) attributes {loop.entry} {
  %t = loop.alloc : memref<64xf32>
  func.call @k(%x, %t) : (memref<64xf32>, memref<64xf32>) -> ()
  %u = loop.alloc : memref<64xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  loop.parallel %i = %c0 to %c64 step %c1 {
    %v = loop.load %t[%i] : memref<64xf32>
    loop.store %v, %u[%i] : memref<64xf32>
  }
  %w = loop.alloc : memref<64xf32>
  func.call @k(%u, %w) : (memref<64xf32>, memref<64xf32>) -> ()
  func.call @k(%w, %y) : (memref<64xf32>, memref<64xf32>) -> ()
  func.return
}

// -----

// Only entry functions are planned: a function without `loop.entry` keeps its
// loop.alloc. An entry function without buffers gets no arena, and reports 0.
// CHECK-LABEL: func.func private @helper
// CHECK-NEXT:    %t = loop.alloc : memref<4xf32>
// CHECK-LABEL: func.func @nothing_to_plan
// CHECK-SAME:    attributes {loop.entry, loop.arena_bytes = 0 : i64, loop.unplanned_bytes = 0 : i64}
// CHECK-NEXT:    func.call @helper(%x)
func.func private @helper(%x: memref<4xf32>) {
  %t = loop.alloc : memref<4xf32>
  func.return
}
func.func @nothing_to_plan(%x: memref<4xf32>) attributes {loop.entry} {
  func.call @helper(%x) : (memref<4xf32>) -> ()
  func.return
}

// -----

// A module without an entry function is left as it is: no arena, no report.
// CHECK-LABEL: func.func @not_an_entry
// CHECK-NOT:     loop.arena_bytes
// CHECK-NEXT:    %t = loop.alloc : memref<4xf32>
// CHECK-NOT:     loop.view
func.func @not_an_entry(%x: memref<4xf32>) {
  %t = loop.alloc : memref<4xf32>
  func.return
}
