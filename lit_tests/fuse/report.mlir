// The fusion report as JSON and the Graphviz picture of the groups.
// RUN: opt-fuse %s -p 'fuse{report="%t.json" dot="%t.dot"}' -o %t.mlir
// RUN: filecheck %s --check-prefix=JSON --input-file %t.json
// RUN: filecheck %s --check-prefix=DOT --input-file %t.dot

// JSON:      "function": "conv_relu"
// JSON:      "decisions": [
// JSON:          "producer": {
// JSON-NEXT:       "label": "%c",
// JSON-NEXT:       "op": "nn.conv2d",
// JSON:          "fused": true,
// JSON-NEXT:     "rule": "fused",
// JSON-NEXT:     "reason": "epilogue of nn.conv2d (work {{.*}}x)"
// JSON:      "groups": [
// JSON:          "anchor": "nn.conv2d",
// JSON-NEXT:     "kind": "out-elementwise-fusable",
// JSON-NEXT:     "removed_bytes": 512
// JSON:      "removed_bytes": 512

// DOT:      digraph fusion {
// DOT:        subgraph cluster_0_0 {
// DOT-NEXT:     label="nn.conv2d (out-elementwise-fusable)"; style=rounded;
// DOT-NEXT:     f0g0n0 [label="nn.conv2d\n%c"];
// DOT-NEXT:     f0g0n1 [label="nn.relu\n%r"];
// DOT:        f0g0n0 -> f0g0n1;
// DOT:        f0g0n1 -> f0g1n0 [style=dashed, label="kind"];
func.func @conv_relu(%x: tensor<1x2x8x8xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<*xf32> {
  %c = nn.conv2d %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 1 : (tensor<1x2x8x8xf32>, tensor<2x2x1x1xf32>) -> tensor<*xf32>
  %r = nn.relu %c : (tensor<*xf32>) -> tensor<*xf32>
  %p = nn.max_pool %r kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<*xf32>) -> tensor<*xf32>
  func.return %p : tensor<*xf32>
}
