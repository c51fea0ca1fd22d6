// fuse option errors: one line each on stderr, exit 1, no traceback.
// RUN: not opt-fuse %s -p 'fuse{disable="elementwise,fancy"}' 2>&1 | filecheck %s --check-prefix=KIND
// RUN: not opt-fuse %s -p 'fuse{max-recompute=0.0}' 2>&1 | filecheck %s --check-prefix=LIMIT

// KIND: opt-fuse: error: fuse: unknown fusion kind 'fancy' in disable (expected some of elementwise, broadcast, injective, reduction, out-elementwise-fusable, opaque)
// KIND-NOT: Traceback
// LIMIT: opt-fuse: error: fuse: max-group-size must be >= 0 and max-recompute > 0

func.func @ok(%x: tensor<4xf32>) -> tensor<*xf32> {
  %0 = nn.relu %x : (tensor<4xf32>) -> tensor<*xf32>
  func.return %0 : tensor<*xf32>
}
