/* Embedding an opt-fuse model in a C program: classify one 16x16 RGB image with the example CNN.
 *
 * What the compile driver gives you (`opt-fuse-compile examples/cnn.onnx --emit o,h`):
 *   cnn.o  the model: code and weights. The weights are inside the object (assembled in with
 *          .incbin), so nothing has to be shipped or opened beside the executable.
 *   cnn.h  one function, `int cnn_run(const float *image, float *y)`, and each tensor's element
 *          count as a macro (CNN_INPUT_IMAGE_SIZE, CNN_OUTPUT_Y_SIZE); the shapes are in comments.
 *
 * Buffers are contiguous row-major float32 (here NCHW: image[1][3][16][16], y[1][10]). The caller
 * owns them; cnn_run allocates nothing. It keeps its intermediate tensors in static memory, so it
 * is not reentrant: call it from one thread at a time. It returns 0 on success.
 *
 * Link with the math library: cc classify.c cnn.o -lm. For another architecture, compile cnn.o
 * with `--target aarch64` and use a cross compiler; build.py beside this file does both.
 *
 * usage: classify [IMAGE]  IMAGE holds CNN_INPUT_IMAGE_SIZE raw little-endian float32 values;
 *                          without it, a built-in test pattern is classified.
 */
#include <stdio.h>

#include "cnn.h"

#define TOP 3

/* The model's buffers: static, as a 224x224 image would not fit every thread's stack. */
static float image[CNN_INPUT_IMAGE_SIZE];
static float probabilities[CNN_OUTPUT_Y_SIZE];

/* A deterministic pattern (a smooth gradient per channel) so the program runs with no input file. */
static void test_pattern(float *pixels) {
  for (int i = 0; i < CNN_INPUT_IMAGE_SIZE; i++) {
    int channel = i / 256, row = (i / 16) % 16, column = i % 16;
    pixels[i] = (float)(row - column) / 16.0f + 0.25f * (float)channel;
  }
}

static int read_image(const char *path, float *pixels) {
  FILE *file = fopen(path, "rb");
  if (!file) {
    fprintf(stderr, "classify: cannot open %s\n", path);
    return 1;
  }
  size_t got = fread(pixels, sizeof(float), CNN_INPUT_IMAGE_SIZE, file);
  int longer = fgetc(file) != EOF;
  fclose(file);
  if (got != CNN_INPUT_IMAGE_SIZE || longer) {
    fprintf(stderr, "classify: %s must hold exactly %d float32 values\n", path, CNN_INPUT_IMAGE_SIZE);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 2) {
    fprintf(stderr, "usage: %s [IMAGE]\n", argv[0]);
    return 2;
  }
  if (argc == 2) {
    if (read_image(argv[1], image) != 0) return 1;
  } else {
    test_pattern(image);
  }

  int status = cnn_run(image, probabilities);
  if (status != 0) {
    fprintf(stderr, "classify: cnn_run failed with status %d\n", status);
    return 1;
  }

  /* The TOP most probable classes, best first (selection: the output has 10 entries). */
  int best[TOP];
  for (int k = 0; k < TOP; k++) {
    best[k] = -1;
    for (int c = 0; c < CNN_OUTPUT_Y_SIZE; c++) {
      int taken = 0;
      for (int j = 0; j < k; j++) taken |= best[j] == c;
      if (!taken && (best[k] < 0 || probabilities[c] > probabilities[best[k]])) best[k] = c;
    }
  }
  printf("input: %s\n", argc == 2 ? argv[1] : "built-in test pattern");
  printf("top-1: class %d, probability %.6f\n", best[0], probabilities[best[0]]);
  printf("top-%d:", TOP);
  for (int k = 0; k < TOP; k++) printf(" %d (%.6f)", best[k], probabilities[best[k]]);
  printf("\n");
  return 0;
}
