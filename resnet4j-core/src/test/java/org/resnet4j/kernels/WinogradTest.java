package org.resnet4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.resnet4j.kernels.KernelParityTest.assertBitIdentical;
import static org.resnet4j.kernels.KernelParityTest.convScales;
import static org.resnet4j.kernels.KernelParityTest.assertClose;
import static org.resnet4j.kernels.KernelParityTest.geometry;
import static org.resnet4j.kernels.KernelParityTest.random;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnet4j.layers.Padding;

/**
 * {@link Winograd}'s convolution in both tilings, F(2x2, 3x3) and F(4x4, 3x3), forward and both
 * backward passes, against the scalar oracle: odd and even image sizes (ragged last tiles), padding 0, 1 and 2, channel
 * counts that are not a multiple of the vector length, the fused and the unfused path, one run
 * of images and several of unequal size; and its results bit-identical for every thread count
 * and on both paths.
 */
class WinogradTest {

    private final ScalarKernels scalar = new ScalarKernels();
    private final VectorKernels vector = new VectorKernels();
    private int savedThreads;

    @BeforeEach
    void save() {
        savedThreads = KernelRegistry.threads();
    }

    @AfterEach
    void restore() {
        KernelRegistry.setThreads(savedThreads);
        Winograd.resetLimits();
    }

    /** A 3x3 stride-1 convolution with explicit padding (the input gradient then pads {@code 2 - pad}). */
    private static Conv2dGeometry padded(int batch, int inH, int inW, int inC, int outC, int padTop, int padLeft) {
        int outH = inH + 2 * padTop - 2;
        int outW = inW + 2 * padLeft - 2;
        return new Conv2dGeometry(batch, inH, inW, inC, 3, 3, outC, 1, 1, padTop, padLeft, outH, outW);
    }

    static Stream<Arguments> geometries() {
        return Stream.of(
                Arguments.of("same, odd image", geometry(2, 5, 7, 3, 3, 3, 4, 1, 1, Padding.SAME)),
                Arguments.of("same, even image", geometry(3, 8, 6, 16, 3, 3, 16, 1, 1, Padding.SAME)),
                Arguments.of("same, channels past a vector", geometry(2, 7, 7, 19, 3, 3, 21, 1, 1, Padding.SAME)),
                Arguments.of("valid (input gradient pads 2)", geometry(2, 6, 9, 5, 3, 3, 6, 1, 1, Padding.VALID)),
                Arguments.of("valid, 3x3 image to one pixel", geometry(2, 3, 3, 4, 3, 3, 5, 1, 1, Padding.VALID)),
                Arguments.of("pad 2 (output larger than input)", padded(2, 4, 5, 3, 4, 2, 2)),
                Arguments.of("pads 2 and 0", padded(1, 5, 4, 6, 3, 2, 0)),
                Arguments.of("1 channel in and out", geometry(3, 5, 5, 1, 3, 3, 1, 1, 1, Padding.SAME)),
                Arguments.of("2x2 images", geometry(4, 2, 2, 33, 3, 3, 17, 1, 1, Padding.SAME)),
                Arguments.of("the notebook's second stage, batch 2",
                        geometry(2, 15, 15, 64, 3, 3, 64, 1, 1, Padding.SAME)),
                Arguments.of("transformed kernel too large to fuse",
                        geometry(2, 5, 4, 130, 3, 3, 129, 1, 1, Padding.SAME)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("geometries")
    void matchesScalarOnEveryPath(String label, Conv2dGeometry g) {
        assertTrue(Winograd.applies(g), g.toString());
        SplittableRandom rnd = new SplittableRandom(label.hashCode());
        float[] x = random(rnd, g.inputSize());
        float[] w = random(rnd, g.kernelSize());
        float[] dy = random(rnd, g.outputSize());
        float[] dwStart = random(rnd, g.kernelSize());
        float[] y = random(rnd, g.outputSize());
        float[] dx = random(rnd, g.inputSize());
        float[] dw = dwStart.clone();
        scalar.conv2dForward(g, x, w, y);
        scalar.conv2dBackwardInput(g, dy, w, dx);
        scalar.conv2dBackwardKernel(g, x, dy, dw);
        // The scale of each result (F(4x4, 3x3)'s larger coefficients round more).
        float[][] scales = convScales(g, x, w, dy, dwStart);
        float[] yScale = scales[0];
        float[] dxScale = scales[1];
        float[] dwScale = scales[2];

        for (Winograd.Tiling f : new Winograd.Tiling[] {Winograd.Tiling.F2, Winograd.Tiling.F4}) {
            Winograd.forceTiling(f);
            float[][] first = null;
            // Default limits; every run one image (unfused and fused); runs of up to three images
            // (unequal when the batch is not a multiple); nothing fused.
            long perImageTiles = (long) f.e * f.tilesPerImage(g.outH(), g.outW()) * Math.max(g.inC(), g.outC());
            long[][] limits = {
                {Winograd.FUSED_MAX_PLANE, Winograd.MAX_RUN_FLOATS, Winograd.FUSED_RUN_FLOATS},
                {Long.MAX_VALUE, 1, 1},
                {0, 1, 1},
                {Long.MAX_VALUE, 3 * perImageTiles, 3 * perImageTiles},
                {0, 3 * perImageTiles, 3 * perImageTiles}};
            for (long[] l : limits) {
                Winograd.setLimits(l[0], (int) l[1], (int) l[2]);
                for (int threads : new int[] {1, 2}) {
                    KernelRegistry.setThreads(threads);
                    String what = label + " " + g + " in " + f + ", fused up to " + l[0] + ", runs " + l[1] + "/"
                            + l[2] + ", " + threads + " thread(s)";
                    float[] y2 = random(rnd, g.outputSize());
                    Winograd.forward(vector, g, x, w, y2);
                    assertWithinScale(what + " forward", y, y2, yScale);
                    float[] dx2 = random(rnd, g.inputSize());
                    Winograd.backwardInput(vector, g, dy, w, dx2);
                    assertWithinScale(what + " backward input", dx, dx2, dxScale);
                    float[] dw2 = dwStart.clone();
                    Winograd.backwardKernel(vector, g, x, dy, dw2, true);
                    assertWithinScale(what + " backward kernel", dw, dw2, dwScale);
                    // Overwriting garbage gives the bits that accumulating onto zeros gives.
                    float[] dwZeros = new float[g.kernelSize()];
                    Winograd.backwardKernel(vector, g, x, dy, dwZeros, true);
                    float[] dwOver = random(rnd, g.kernelSize());
                    Winograd.backwardKernel(vector, g, x, dy, dwOver, false);
                    assertBitIdentical(what + " backward kernel overwriting", dwZeros, dwOver);
                    // The path and the thread count change nothing: the same operations for every element.
                    if (first == null) {
                        first = new float[][] {y2, dx2, dw2};
                    } else {
                        assertBitIdentical(what + " forward vs the first", first[0], y2);
                        assertBitIdentical(what + " backward input vs the first", first[1], dx2);
                        assertBitIdentical(what + " backward kernel vs the first", first[2], dw2);
                    }
                }
            }
        }
    }

    /** {@link KernelParityTest#assertWithinScale}; F(2x2, 3x3) stays within {@link KernelParityTest#assertClose} as well. */
    private static void assertWithinScale(String what, float[] expected, float[] actual, float[] scale) {
        KernelParityTest.assertWithinScale(what, expected, actual, scale);
        if (what.contains(Winograd.Tiling.F2.toString())) {
            assertClose(what, expected, actual);
        }
    }

    @Test
    void tilingWithFewerProductsIsChosen() {
        // 15x15: 16 F(4x4) tiles (576 products) against 64 F(2x2) tiles (1024).
        assertSame(Winograd.Tiling.F4, Winograd.Tiling.of(15, 15));
        assertSame(Winograd.Tiling.F4, Winograd.Tiling.of(8, 8));
        assertSame(Winograd.Tiling.F4, Winograd.Tiling.of(4, 4));
        assertSame(Winograd.Tiling.F4, Winograd.Tiling.of(3, 3));
        assertSame(Winograd.Tiling.F4, Winograd.Tiling.of(5, 4));
        // One F(2x2) tile covers a 2x2 image with 16 products, one F(4x4) tile takes 36.
        assertSame(Winograd.Tiling.F2, Winograd.Tiling.of(2, 2));
        assertSame(Winograd.Tiling.F2, Winograd.Tiling.of(1, 1));
        assertSame(Winograd.Tiling.F2, Winograd.Tiling.of(2, 9));
        assertEquals(16, Winograd.Tiling.F4.tilesPerImage(15, 15));
        assertEquals(64, Winograd.Tiling.F2.tilesPerImage(15, 15));
    }

    @Test
    void vectorKernelsUseItWhereItPays() {
        // The notebook's 3x3 convolutions at batch 32: stages 2 to 4 (2048, 512 and 128 tiles).
        assertTrue(VectorKernels.winograd(geometry(32, 15, 15, 64, 3, 3, 64, 1, 1, Padding.SAME)));
        assertTrue(VectorKernels.winograd(geometry(32, 8, 8, 128, 3, 3, 128, 1, 1, Padding.SAME)));
        assertTrue(VectorKernels.winograd(geometry(32, 4, 4, 256, 3, 3, 256, 1, 1, Padding.SAME)));
        // Stage 5's 2x2 images (32 tiles), and batch 1, stay with im2col.
        assertFalse(VectorKernels.winograd(geometry(32, 2, 2, 512, 3, 3, 512, 1, 1, Padding.SAME)));
        assertFalse(VectorKernels.winograd(geometry(1, 15, 15, 64, 3, 3, 64, 1, 1, Padding.SAME)));
        // Not 3x3 stride 1.
        assertFalse(VectorKernels.winograd(geometry(32, 15, 15, 64, 3, 3, 64, 2, 2, Padding.SAME)));
        assertFalse(VectorKernels.winograd(geometry(32, 15, 15, 64, 1, 1, 64, 1, 1, Padding.SAME)));
        assertFalse(VectorKernels.winograd(geometry(32, 70, 70, 3, 7, 7, 64, 2, 2, Padding.VALID)));
        assertFalse(Winograd.applies(padded(1, 5, 5, 2, 2, 3, 1)));
    }

    @Test
    void vectorKernelsRouteThroughIt() {
        Conv2dGeometry g = geometry(2, 15, 15, 8, 3, 3, 8, 1, 1, Padding.SAME);
        assertEquals(128, Winograd.tiles(g));
        SplittableRandom rnd = new SplittableRandom(5);
        float[] x = random(rnd, g.inputSize());
        float[] w = random(rnd, g.kernelSize());
        float[] dy = random(rnd, g.outputSize());
        float[] y = new float[g.outputSize()];
        float[] y2 = new float[g.outputSize()];
        vector.conv2dForward(g, x, w, y);
        Winograd.forward(vector, g, x, w, y2);
        assertBitIdentical("forward", y2, y);
        float[] dx = new float[g.inputSize()];
        float[] dx2 = new float[g.inputSize()];
        vector.conv2dBackwardInput(g, dy, w, dx);
        Winograd.backwardInput(vector, g, dy, w, dx2);
        assertBitIdentical("backward input", dx2, dx);
        float[] dw = new float[g.kernelSize()];
        float[] dw2 = new float[g.kernelSize()];
        vector.conv2dBackwardKernel(g, x, dy, dw);
        Winograd.backwardKernel(vector, g, x, dy, dw2, true);
        assertBitIdentical("backward kernel", dw2, dw);
        float[] dw3 = random(rnd, g.kernelSize());
        vector.conv2dBackwardKernel(g, x, dy, dw3, false);
        assertBitIdentical("backward kernel overwriting", dw2, dw3);
    }
}
