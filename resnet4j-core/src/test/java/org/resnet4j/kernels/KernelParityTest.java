package org.resnet4j.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
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
 * A fast kernel implementation against the {@link ScalarKernels} oracle on seeded random data, odd
 * sizes included: GEMM in every transpose and accumulate combination with offsets and padded
 * leading dimensions, sizes that cross the KC and NC blocks and the parallel threshold;
 * convolution forward and both backward passes over the geometries ResNet uses and awkward ones;
 * pooling. The blocked results must also be bit-identical for every thread count.
 */
abstract class KernelParityTest {

    private final ScalarKernels scalar = new ScalarKernels();
    /** The fast implementation under test. */
    abstract Kernels fastKernels();

    private final Kernels blocked = fastKernels();
    private int savedThreads;

    @BeforeEach
    void saveThreads() {
        savedThreads = KernelRegistry.threads();
    }

    @AfterEach
    void restoreThreads() {
        KernelRegistry.setThreads(savedThreads);
    }

    // ---------------------------------------------------------------- helpers

    static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (2 * rnd.nextDouble() - 1);
        }
        return a;
    }

    /** {@code |a - b| <= 1e-4 * (1 + |b|)} elementwise; the message names the case and the index. */
    static void assertClose(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            if (!(Math.abs(a - e) <= 1e-4 * (1 + Math.abs(e)))) {
                fail(what + ": element " + i + " differs: scalar " + e + ", fast " + a);
            }
        }
    }

    /**
     * {@link #assertClose}, except that over long depths, where the oracle's own float rounding
     * grows past that tolerance, a fast element may instead be at least as close as the oracle's
     * to the double-precision result (a different summation order may round better).
     */
    static void assertCloseOrCloserToExact(String what, float[] expected, float[] actual, float[] exact) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            boolean close = Math.abs(a - e) <= 1e-4 * (1 + Math.abs(e));
            if (!close && !(Math.abs(a - exact[i]) <= Math.abs(e - exact[i]))) {
                fail(what + ": element " + i + " differs: scalar " + e + ", fast " + a + ", exact " + exact[i]);
            }
        }
    }

    /**
     * Each element within {@code 1e-5} of its scale (its sum of absolute terms, which bounds the
     * rounding of any order of summation) of the oracle's: for Winograd's F(4x4, 3x3), whose
     * transforms' larger coefficients round more than {@link #assertClose} allows an element
     * that cancels to near zero. A wrong coefficient misses by a fraction of the scale itself.
     */
    static void assertWithinScale(String what, float[] expected, float[] actual, float[] scale) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(actual[i] - expected[i]) <= 1e-5 * (1 + scale[i]))) {
                fail(what + ": element " + i + " differs: scalar " + expected[i] + ", fast " + actual[i]
                        + ", scale " + scale[i]);
            }
        }
    }

    /**
     * The scale of each result of a convolution's three passes (forward, input gradient, kernel
     * gradient added to {@code dwStart}): its sum of absolute terms, from the scalar oracle on
     * absolute values. It bounds the rounding of any order of summation, and of Winograd's
     * transforms.
     */
    static float[][] convScales(Conv2dGeometry g, float[] x, float[] w, float[] dy, float[] dwStart) {
        ScalarKernels oracle = new ScalarKernels();
        float[] y = new float[g.outputSize()];
        float[] dx = new float[g.inputSize()];
        float[] dw = abs(dwStart);
        oracle.conv2dForward(g, abs(x), abs(w), y);
        oracle.conv2dBackwardInput(g, abs(dy), abs(w), dx);
        oracle.conv2dBackwardKernel(g, abs(x), abs(dy), dw);
        return new float[][] {y, dx, dw};
    }

    static float[] abs(float[] a) {
        float[] b = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Math.abs(a[i]);
        }
        return b;
    }

    static void assertBitIdentical(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": element " + i + " is not bit-identical: " + expected[i] + " vs " + actual[i]);
            }
        }
    }

    // ---------------------------------------------------------------- GEMM

    /**
     * m, n, k: trivial, odd, crossing KC = 256 in k, crossing NC = 512 in n, a Dense layer's few
     * units over a long depth, empty k, and a small C over a long depth (computed in depth chunks
     * that are summed at the end).
     */
    static Stream<Arguments> gemmSizes() {
        return Stream.of(
                Arguments.of(1, 1, 1),
                Arguments.of(7, 13, 5),
                Arguments.of(3, 1, 17),
                Arguments.of(67, 129, 300),
                Arguments.of(33, 600, 300),
                Arguments.of(4, 2048, 300),
                Arguments.of(16, 256, 600),
                Arguments.of(6, 128, 100),
                Arguments.of(30, 64, 70),
                Arguments.of(32, 6, 2048),
                Arguments.of(300, 64, 257),
                Arguments.of(37, 70, 5000),
                Arguments.of(147, 64, 9000),
                Arguments.of(5, 4, 0));
    }

    /** One GEMM problem laid out with offsets and leading dimensions larger than the matrices. */
    private record GemmCase(boolean transA, boolean transB, int m, int n, int k, boolean accumulate,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc) {

        static GemmCase of(SplittableRandom rnd, boolean transA, boolean transB, int m, int n, int k,
                           boolean accumulate) {
            int aRows = transA ? k : m;
            int aCols = transA ? m : k;
            int bRows = transB ? n : k;
            int bCols = transB ? k : n;
            int lda = aCols + 3;
            int ldb = bCols + 5;
            int ldc = n + 2;
            int aOff = 7;
            int bOff = 11;
            int cOff = 4;
            // Garbage around the matrices must be neither read into the result nor written.
            float[] a = random(rnd, aOff + aRows * lda + 3);
            float[] b = random(rnd, bOff + bRows * ldb + 3);
            float[] c = random(rnd, cOff + m * ldc + 3);
            return new GemmCase(transA, transB, m, n, k, accumulate, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        }

        /** The result computed in double precision, rounded once. */
        float[] exact() {
            float[] out = c.clone();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = accumulate ? out[cOff + i * ldc + j] : 0;
                    for (int p = 0; p < k; p++) {
                        float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                        float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                        sum += (double) av * bv;
                    }
                    out[cOff + i * ldc + j] = (float) sum;
                }
            }
            return out;
        }

        float[] run(Kernels kernels) {
            float[] out = c.clone();
            kernels.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, out, cOff, ldc, accumulate);
            return out;
        }

        @Override
        public String toString() {
            return "gemm(transA=" + transA + ", transB=" + transB + ", m=" + m + ", n=" + n + ", k=" + k
                    + ", accumulate=" + accumulate + ", lda=" + lda + ", ldb=" + ldb + ", ldc=" + ldc + ")";
        }

        /** True when flat index {@code i} of C lies inside the m x n result. */
        boolean inResult(int i) {
            int rel = i - cOff;
            return rel >= 0 && rel / ldc < m && rel % ldc < n;
        }
    }

    @ParameterizedTest(name = "gemm m={0} n={1} k={2}")
    @MethodSource("gemmSizes")
    void gemmMatchesScalarInEveryLayout(int m, int n, int k) {
        SplittableRandom rnd = new SplittableRandom(1000L * m + 31L * n + k);
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                for (boolean accumulate : new boolean[] {false, true}) {
                    GemmCase g = GemmCase.of(rnd, transA, transB, m, n, k, accumulate);
                    float[] expected = g.run(scalar);
                    float[] actual = g.run(blocked);
                    assertCloseOrCloserToExact(g.toString(), expected, actual, g.exact());
                    for (int i = 0; i < actual.length; i++) {
                        if (!g.inResult(i) && actual[i] != g.c()[i]) {
                            fail(g + ": wrote element " + i + " outside the result (" + g.c()[i] + " -> "
                                    + actual[i] + ")");
                        }
                    }
                }
            }
        }
    }

    /**
     * A row of C does not depend on the rows around it: with few columns, one strip of rows is
     * summed element by element and several strips through a packed panel, with the same fused
     * multiply-adds in the same order.
     */
    @Test
    void gemmRowsDoNotDependOnTheirNeighbours() {
        SplittableRandom rnd = new SplittableRandom(23);
        for (int[] nk : new int[][] {{6, 2048}, {13, 5}, {1, 300}, {70, 40}}) {
            int m = 9;
            int n = nk[0];
            int k = nk[1];
            float[] a = random(rnd, m * k);
            float[] b = random(rnd, k * n);
            float[] all = new float[m * n];
            blocked.gemm(false, false, m, n, k, a, 0, k, b, 0, n, all, 0, n, false);
            for (int r = 0; r < m; r++) {
                float[] one = new float[n];
                blocked.gemm(false, false, 1, n, k, a, r * k, k, b, 0, n, one, 0, n, false);
                assertBitIdentical("row " + r + " of " + m + " x " + n + " x " + k, one,
                        Arrays.copyOfRange(all, r * n, (r + 1) * n));
            }
        }
    }

    /** Sizes over the parallel threshold, so the row split really changes with the thread count. */
    @Test
    void gemmIsBitIdenticalForEveryThreadCount() {
        int[][] sizes = {{67, 129, 300}, {33, 600, 300}, {257, 64, 40}, {4, 1030, 70}, {300, 130, 64}, {30, 640, 70},
            {37, 70, 5000}, {147, 64, 9000}};
        SplittableRandom rnd = new SplittableRandom(7);
        for (int[] s : sizes) {
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    for (boolean accumulate : new boolean[] {false, true}) {
                        GemmCase g = GemmCase.of(rnd, transA, transB, s[0], s[1], s[2], accumulate);
                        KernelRegistry.setThreads(1);
                        float[] one = g.run(blocked);
                        for (int t : new int[] {2, 3}) {
                            KernelRegistry.setThreads(t);
                            assertBitIdentical(g + " with " + t + " threads vs 1", one, g.run(blocked));
                        }
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- convolution

    static Conv2dGeometry geometry(int batch, int inH, int inW, int inC, int kH, int kW, int outC,
                                   int strideH, int strideW, Padding padding) {
        return new Conv2dGeometry(batch, inH, inW, inC, kH, kW, outC, strideH, strideW,
                padding.padBefore(inH, kH, strideH), padding.padBefore(inW, kW, strideW),
                padding.outputSize(inH, kH, strideH), padding.outputSize(inW, kW, strideW));
    }

    static Stream<Arguments> convGeometries() {
        return Stream.of(
                Arguments.of("1x1 stride 1 (pointwise)", geometry(2, 5, 7, 3, 1, 1, 4, 1, 1, Padding.VALID)),
                Arguments.of("1x1 stride 1 same (pointwise)", geometry(2, 4, 4, 16, 1, 1, 8, 1, 1, Padding.SAME)),
                Arguments.of("1x1 stride 1, k=300 > KC", geometry(1, 6, 5, 300, 1, 1, 20, 1, 1, Padding.VALID)),
                Arguments.of("1x1 stride 2", geometry(2, 5, 7, 6, 1, 1, 5, 2, 2, Padding.VALID)),
                Arguments.of("3x3 same stride 1", geometry(2, 5, 7, 3, 3, 3, 4, 1, 1, Padding.SAME)),
                Arguments.of("3x3 same stride 2", geometry(2, 7, 5, 4, 3, 3, 3, 2, 2, Padding.SAME)),
                Arguments.of("3x3 same stride 2, even input", geometry(1, 8, 6, 5, 3, 3, 7, 2, 2, Padding.SAME)),
                Arguments.of("3x3 same, 288 patch columns > KC",
                        geometry(1, 9, 9, 32, 3, 3, 17, 1, 1, Padding.SAME)),
                Arguments.of("3x3 valid", geometry(2, 5, 7, 2, 3, 3, 3, 1, 1, Padding.VALID)),
                Arguments.of("7x7 stride 2 valid", geometry(1, 15, 13, 3, 7, 7, 8, 2, 2, Padding.VALID)),
                Arguments.of("7x7 stride 2 same", geometry(2, 16, 16, 3, 7, 7, 4, 2, 2, Padding.SAME)),
                Arguments.of("7x7 stride 2 valid, 4096 output pixels (weight gradient split along the depth)",
                        geometry(16, 38, 38, 3, 7, 7, 16, 2, 2, Padding.VALID)),
                Arguments.of("7x7 stride 2 valid into 64 channels (patches read in place, strips across image rows)",
                        geometry(3, 21, 19, 3, 7, 7, 64, 2, 2, Padding.VALID)),
                Arguments.of("7x7 stride 2 valid into 64 channels, over the parallel threshold",
                        geometry(4, 38, 38, 3, 7, 7, 64, 2, 2, Padding.VALID)),
                Arguments.of("1x1 stride 2, 300 channels into 128 (patches read in place, depth over KC)",
                        geometry(4, 9, 7, 300, 1, 1, 128, 2, 2, Padding.VALID)),
                Arguments.of("3x3 valid, 37 channels into 64 (a KC slice ends inside a kernel row)",
                        geometry(4, 7, 6, 37, 3, 3, 64, 1, 1, Padding.VALID)),
                Arguments.of("2x2 same (pads 0 before, 1 after)", geometry(2, 5, 7, 3, 2, 2, 2, 1, 1, Padding.SAME)),
                Arguments.of("3x2 same", geometry(2, 5, 7, 3, 3, 2, 4, 1, 1, Padding.SAME)),
                Arguments.of("3x2 valid strides (2, 1)", geometry(2, 5, 7, 4, 3, 2, 3, 2, 1, Padding.VALID)),
                Arguments.of("1 channel in and out", geometry(3, 5, 5, 1, 3, 3, 1, 1, 1, Padding.SAME)),
                Arguments.of("3x3 same, output over the parallel threshold",
                        geometry(4, 15, 15, 32, 3, 3, 32, 1, 1, Padding.SAME)),
                Arguments.of("3x3 same on 2x2 images (padding taps skipped)",
                        geometry(16, 2, 2, 19, 3, 3, 21, 1, 1, Padding.SAME)),
                Arguments.of("3x3 same on 2x2 images, 512 input channels (input gradient's taps over the threads)",
                        geometry(32, 2, 2, 512, 3, 3, 16, 1, 1, Padding.SAME)),
                Arguments.of("3x3 same on 1x1 images (centre tap only)",
                        geometry(17, 1, 1, 5, 3, 3, 6, 1, 1, Padding.SAME)),
                Arguments.of("5x4 same on 2x3 images (padding taps skipped)",
                        geometry(16, 2, 3, 3, 5, 4, 4, 1, 1, Padding.SAME)));
    }

    @Test
    void geometriesUsePaddingArithmetic() {
        Conv2dGeometry twoBySame = geometry(2, 5, 7, 3, 2, 2, 2, 1, 1, Padding.SAME);
        assertEquals(0, twoBySame.padTop());
        assertEquals(0, twoBySame.padLeft());
        assertEquals(5, twoBySame.outH());
        assertEquals(7, twoBySame.outW());
        Conv2dGeometry stem = geometry(1, 15, 13, 3, 7, 7, 8, 2, 2, Padding.VALID);
        assertEquals(5, stem.outH());
        assertEquals(4, stem.outW());
        Conv2dGeometry s2 = geometry(2, 7, 5, 4, 3, 3, 3, 2, 2, Padding.SAME);
        assertEquals(1, s2.padTop());
        assertEquals(4, s2.outH());
        assertEquals(3, s2.outW());
        assertEquals(true, geometry(2, 5, 7, 3, 1, 1, 4, 1, 1, Padding.VALID).isPointwise());
        assertEquals(false, geometry(2, 5, 7, 6, 1, 1, 5, 2, 2, Padding.VALID).isPointwise());
    }

    /** Which of the geometries above skip their padding taps. */
    @Test
    void smallImagesSkipPaddingTaps() {
        assertEquals(true, BlockedKernels.skipsPadding(geometry(16, 2, 2, 19, 3, 3, 21, 1, 1, Padding.SAME)));
        assertEquals(true, BlockedKernels.skipsPadding(geometry(17, 1, 1, 5, 3, 3, 6, 1, 1, Padding.SAME)));
        assertEquals(true, BlockedKernels.skipsPadding(geometry(16, 2, 3, 3, 5, 4, 4, 1, 1, Padding.SAME)));
        // The notebook's last stage at batch 32 does; at batch 1, or on 4x4 images, it does not.
        assertEquals(true, BlockedKernels.skipsPadding(geometry(32, 2, 2, 512, 3, 3, 512, 1, 1, Padding.SAME)));
        assertEquals(false, BlockedKernels.skipsPadding(geometry(1, 2, 2, 512, 3, 3, 512, 1, 1, Padding.SAME)));
        assertEquals(false, BlockedKernels.skipsPadding(geometry(32, 4, 4, 256, 3, 3, 256, 1, 1, Padding.SAME)));
        // No padding to skip, or strided.
        assertEquals(false, BlockedKernels.skipsPadding(geometry(32, 3, 3, 4, 3, 3, 4, 1, 1, Padding.VALID)));
        assertEquals(false, BlockedKernels.skipsPadding(geometry(32, 2, 2, 4, 3, 3, 4, 2, 2, Padding.SAME)));
    }

    private static void assertConvClose(boolean winograd, String what, float[] expected, float[] actual, float[] scale) {
        if (winograd) {
            assertWithinScale(what, expected, actual, scale);
        } else {
            assertClose(what, expected, actual);
        }
    }

    @ParameterizedTest(name = "conv2d {0}")
    @MethodSource("convGeometries")
    void convolutionMatchesScalar(String label, Conv2dGeometry g) {
        SplittableRandom rnd = new SplittableRandom(label.hashCode());
        float[] x = random(rnd, g.inputSize());
        float[] w = random(rnd, g.kernelSize());
        float[] dy = random(rnd, g.outputSize());
        float[] dwStart = random(rnd, g.kernelSize());
        String what = "conv2d " + label + " " + g;
        // Winograd's convolutions are held to their scale instead (see assertWithinScale).
        boolean winograd = blocked instanceof VectorKernels && VectorKernels.winograd(g);
        float[][] scales = convScales(g, x, w, dy, dwStart);
        float[] yScale = scales[0];
        float[] dxScale = scales[1];
        float[] dwScale = scales[2];

        // Forward: y is overwritten, so start both from garbage.
        float[] garbageY = random(rnd, g.outputSize());
        float[] yScalar = garbageY.clone();
        float[] yBlocked = garbageY.clone();
        scalar.conv2dForward(g, x, w, yScalar);
        blocked.conv2dForward(g, x, w, yBlocked);
        assertConvClose(winograd, what + " forward", yScalar, yBlocked, yScale);

        // Backward input: dx is overwritten.
        float[] garbageX = random(rnd, g.inputSize());
        float[] dxScalar = garbageX.clone();
        float[] dxBlocked = garbageX.clone();
        scalar.conv2dBackwardInput(g, dy, w, dxScalar);
        blocked.conv2dBackwardInput(g, dy, w, dxBlocked);
        assertConvClose(winograd, what + " backward input", dxScalar, dxBlocked, dxScale);

        // Backward kernel: dw accumulates (+=).
        float[] dwScalar = dwStart.clone();
        float[] dwBlocked = dwStart.clone();
        scalar.conv2dBackwardKernel(g, x, dy, dwScalar);
        blocked.conv2dBackwardKernel(g, x, dy, dwBlocked);
        assertConvClose(winograd, what + " backward kernel", dwScalar, dwBlocked, dwScale);
        float[] dwScalarZeros = new float[g.kernelSize()];
        scalar.conv2dBackwardKernel(g, x, dy, dwScalarZeros, true);
        float[] dwScalarOver = random(rnd, g.kernelSize());
        scalar.conv2dBackwardKernel(g, x, dy, dwScalarOver, false);
        assertBitIdentical(what + " scalar backward kernel overwriting", dwScalarZeros, dwScalarOver);

        // Every thread count gives the same bits.
        for (int t : new int[] {1, 2}) {
            KernelRegistry.setThreads(t);
            float[] y2 = garbageY.clone();
            blocked.conv2dForward(g, x, w, y2);
            assertBitIdentical(what + " forward, " + t + " threads", yBlocked, y2);
            float[] dx2 = garbageX.clone();
            blocked.conv2dBackwardInput(g, dy, w, dx2);
            assertBitIdentical(what + " backward input, " + t + " threads", dxBlocked, dx2);
            float[] dw2 = dwStart.clone();
            blocked.conv2dBackwardKernel(g, x, dy, dw2);
            assertBitIdentical(what + " backward kernel, " + t + " threads", dwBlocked, dw2);
            // Overwriting garbage gives the bits that accumulating onto zeros gives.
            float[] dwZeros = new float[g.kernelSize()];
            blocked.conv2dBackwardKernel(g, x, dy, dwZeros, true);
            float[] dwOver = random(rnd, g.kernelSize());
            blocked.conv2dBackwardKernel(g, x, dy, dwOver, false);
            assertBitIdentical(what + " backward kernel overwriting, " + t + " threads", dwZeros, dwOver);
        }
    }

    /** Convolutions whose patches exceed the im2col limit run a few images at a time, with the same results. */
    @ParameterizedTest(name = "conv2d in image chunks {0}")
    @MethodSource("convGeometries")
    void convolutionInImageChunksMatchesScalar(String label, Conv2dGeometry g) {
        BlockedKernels chunked = (BlockedKernels) fastKernels();
        SplittableRandom rnd = new SplittableRandom(label.hashCode() + 1);
        float[] x = random(rnd, g.inputSize());
        float[] w = random(rnd, g.kernelSize());
        float[] dy = random(rnd, g.outputSize());
        float[] dwStart = random(rnd, g.kernelSize());
        int perImage = g.outH() * g.outW() * g.patchCols();
        float[] y = new float[g.outputSize()];
        float[] dx = new float[g.inputSize()];
        float[] dw = dwStart.clone();
        scalar.conv2dForward(g, x, w, y);
        scalar.conv2dBackwardInput(g, dy, w, dx);
        scalar.conv2dBackwardKernel(g, x, dy, dw);
        // One image at a time, then runs of up to three (of unequal sizes when the batch is not a multiple).
        for (int images : new int[] {1, 3}) {
            chunked.setMaxPatchFloats(images * perImage + perImage - 1);
            String what = "conv2d " + label + " " + g + ", " + images + " image(s) at a time";
            float[] y2 = random(rnd, g.outputSize());
            chunked.conv2dForward(g, x, w, y2);
            assertClose(what + " forward", y, y2);
            float[] dx2 = random(rnd, g.inputSize());
            chunked.conv2dBackwardInput(g, dy, w, dx2);
            assertClose(what + " backward input", dx, dx2);
            float[] dw2 = dwStart.clone();
            chunked.conv2dBackwardKernel(g, x, dy, dw2);
            assertClose(what + " backward kernel", dw, dw2);
            // Overwriting: the first run of images writes, the others add.
            float[] dwZeros = new float[g.kernelSize()];
            chunked.conv2dBackwardKernel(g, x, dy, dwZeros, true);
            float[] dwOver = random(rnd, g.kernelSize());
            chunked.conv2dBackwardKernel(g, x, dy, dwOver, false);
            assertBitIdentical(what + " backward kernel overwriting", dwZeros, dwOver);
        }
    }

    /** The per-thread scratch buffer is reused: a small problem after a large one must not see stale data. */
    @Test
    void scratchBufferReuseAcrossGeometries() {
        SplittableRandom rnd = new SplittableRandom(3);
        Conv2dGeometry big = geometry(2, 9, 9, 8, 3, 3, 4, 1, 1, Padding.SAME);
        Conv2dGeometry small = geometry(1, 4, 3, 2, 3, 3, 3, 2, 2, Padding.SAME);
        for (Conv2dGeometry g : new Conv2dGeometry[] {big, small, big, small}) {
            float[] x = random(rnd, g.inputSize());
            float[] w = random(rnd, g.kernelSize());
            float[] dy = random(rnd, g.outputSize());
            float[] y1 = new float[g.outputSize()];
            float[] y2 = new float[g.outputSize()];
            scalar.conv2dForward(g, x, w, y1);
            blocked.conv2dForward(g, x, w, y2);
            assertClose("forward after reuse " + g, y1, y2);
            float[] dx1 = new float[g.inputSize()];
            float[] dx2 = new float[g.inputSize()];
            scalar.conv2dBackwardInput(g, dy, w, dx1);
            blocked.conv2dBackwardInput(g, dy, w, dx2);
            assertClose("backward input after reuse " + g, dx1, dx2);
        }
    }

    // ---------------------------------------------------------------- pooling

    static Pool2dGeometry pool(int batch, int inH, int inW, int c, int pH, int pW, int sH, int sW, Padding p) {
        return new Pool2dGeometry(batch, inH, inW, c, pH, pW, sH, sW, p.padBefore(inH, pH, sH),
                p.padBefore(inW, pW, sW), p.outputSize(inH, pH, sH), p.outputSize(inW, pW, sW));
    }

    static Stream<Arguments> poolGeometries() {
        return Stream.of(
                Arguments.of("2x2 stride 2 valid, odd input", pool(2, 5, 7, 3, 2, 2, 2, 2, Padding.VALID)),
                Arguments.of("3x3 stride 2 valid", pool(2, 7, 7, 4, 3, 3, 2, 2, Padding.VALID)),
                Arguments.of("3x3 stride 2 same", pool(2, 5, 7, 3, 3, 3, 2, 2, Padding.SAME)),
                Arguments.of("2x2 stride 1 same", pool(1, 4, 5, 2, 2, 2, 1, 1, Padding.SAME)),
                Arguments.of("3x2 strides (1, 2) same", pool(2, 5, 6, 3, 3, 2, 1, 2, Padding.SAME)),
                Arguments.of("3x3 stride 2 valid, 37 channels (vectors and a tail)",
                        pool(2, 9, 9, 37, 3, 3, 2, 2, Padding.VALID)),
                Arguments.of("3x3 stride 2 same, 64 channels, over the parallel threshold",
                        pool(4, 16, 16, 64, 3, 3, 2, 2, Padding.SAME)));
    }

    /** Ties go to the first maximum and NaN never wins after the first position, as in the oracle. */
    @Test
    void maxPoolTiesAndNaNFollowTheOracle() {
        Pool2dGeometry g = pool(4, 16, 16, 40, 3, 3, 2, 2, Padding.SAME);
        float[] values = {1f, 1f, 0f, -0f, Float.NaN, Float.NEGATIVE_INFINITY, 2f};
        SplittableRandom rnd = new SplittableRandom(11);
        float[] x = new float[g.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = values[rnd.nextInt(values.length)];
        }
        float[] yS = new float[g.outputSize()];
        int[] argS = new int[g.outputSize()];
        scalar.maxPoolForward(g, x, yS, argS);
        for (int t : new int[] {1, 2, 3}) {
            KernelRegistry.setThreads(t);
            float[] yB = new float[g.outputSize()];
            int[] argB = new int[g.outputSize()];
            blocked.maxPoolForward(g, x, yB, argB);
            assertBitIdentical("max pool with ties and NaN, " + t + " threads", yS, yB);
            assertArrayEquals(argS, argB, "argmax with ties and NaN, " + t + " threads");
            float[] yN = new float[g.outputSize()];
            blocked.maxPoolForward(g, x, yN, null);
            assertBitIdentical("max pool with ties and NaN, no argmax, " + t + " threads", yS, yN);
        }
    }

    @ParameterizedTest(name = "pooling {0}")
    @MethodSource("poolGeometries")
    void poolingMatchesScalar(String label, Pool2dGeometry g) {
        SplittableRandom rnd = new SplittableRandom(label.hashCode());
        float[] x = random(rnd, g.inputSize());
        float[] dy = random(rnd, g.outputSize());
        String what = "pooling " + label + " " + g;

        float[] yS = new float[g.outputSize()];
        float[] yB = new float[g.outputSize()];
        int[] argS = new int[g.outputSize()];
        int[] argB = new int[g.outputSize()];
        scalar.maxPoolForward(g, x, yS, argS);
        blocked.maxPoolForward(g, x, yB, argB);
        assertClose(what + " max forward", yS, yB);
        assertArrayEquals(argS, argB, what + " max argmax");
        float[] yN = new float[g.outputSize()];
        blocked.maxPoolForward(g, x, yN, null);
        assertBitIdentical(what + " max forward without argmax", yB, yN);
        float[] yNS = new float[g.outputSize()];
        scalar.maxPoolForward(g, x, yNS, null);
        assertBitIdentical(what + " oracle max forward without argmax", yS, yNS);
        float[] dxS = random(rnd, g.inputSize());
        float[] dxStart = dxS.clone();
        scalar.maxPoolBackward(g, dy, argS, dxS);
        float[] dxB = dxStart;
        for (int t : new int[] {1, 2, 3}) {
            // Overlapping windows route several outputs to one input: the sums must be the oracle's.
            KernelRegistry.setThreads(t);
            dxB = dxStart.clone();
            blocked.maxPoolBackward(g, dy, argB, dxB);
            assertBitIdentical(what + " max backward, " + t + " threads", dxS, dxB);
        }

        Arrays.fill(yS, 0f);
        scalar.avgPoolForward(g, x, yS);
        for (int t : new int[] {1, 2, 3}) {
            KernelRegistry.setThreads(t);
            Arrays.fill(yB, 7f);
            blocked.avgPoolForward(g, x, yB);
            assertBitIdentical(what + " avg forward, " + t + " threads", yS, yB);
        }
        dxS = random(rnd, g.inputSize());
        dxB = dxS.clone();
        scalar.avgPoolBackward(g, dy, dxS);
        blocked.avgPoolBackward(g, dy, dxB);
        assertClose(what + " avg backward", dxS, dxB);
    }

    // ---------------------------------------------------------------- per-channel sums

    /**
     * Per-channel sums (batch statistics, BatchNormalization's gradient sums, bias gradients)
     * over channel counts with and without a ragged last vector: equal to the oracle's bit for
     * bit, with every thread count. The rows are summed in chunks of {@code SUM_ROWS}: one, two
     * and seventeen chunks, the last one short; with fewer chunks than threads the channels are
     * shared too (130 channels in ranges at 0 and 64, 1000 at 0, 320 and 640 on three threads).
     */
    @Test
    void perChannelSumsEqualTheOracleExactly() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int[] shape : new int[][] {{37, 301}, {64, 4099}, {128, 200}, {213, 301}, {213, 4099}, {130, 70},
            {1000, 130}}) {
            int channels = shape[0];
            int rows = shape[1];
            float[] x = random(rnd, rows * channels);
            float[] dy = random(rnd, rows * channels);
            for (int i = 0; i < x.length; i++) {
                // Values far apart in size, so that any other order of the sums rounds differently.
                x[i] *= (float) Math.pow(10, rnd.nextInt(-6, 7));
            }
            float[] mean = random(rnd, channels);
            float[] invStd = random(rnd, channels);
            float[] meanS = new float[channels];
            float[] varS = new float[channels];
            scalar.channelMoments(x, rows, channels, meanS, varS);
            float[] accS = random(rnd, channels);
            float[] accStart = accS.clone();
            scalar.addColumnSums(x, rows, channels, accS);
            double[] sumDyS = new double[channels];
            double[] sumDyXhatS = new double[channels];
            scalar.batchNormGradSums(x, dy, rows, channels, mean, invStd, sumDyS, sumDyXhatS);
            for (int threads : new int[] {1, 2, 3}) {
                KernelRegistry.setThreads(threads);
                String t = rows + " x " + channels + ", " + threads + " thread(s)";
                float[] meanF = new float[channels];
                float[] varF = new float[channels];
                blocked.channelMoments(x, rows, channels, meanF, varF);
                assertBitIdentical("channelMoments mean, " + t, meanS, meanF);
                assertBitIdentical("channelMoments variance, " + t, varS, varF);
                float[] accF = accStart.clone();
                blocked.addColumnSums(x, rows, channels, accF);
                assertBitIdentical("addColumnSums, " + t, accS, accF);
                double[] sumDyF = new double[channels];
                double[] sumDyXhatF = new double[channels];
                blocked.batchNormGradSums(x, dy, rows, channels, mean, invStd, sumDyF, sumDyXhatF);
                assertArrayEquals(sumDyS, sumDyF, "batchNormGradSums dy, " + t);
                assertArrayEquals(sumDyXhatS, sumDyXhatF, "batchNormGradSums dy*xhat, " + t);
            }
        }
    }

    // ---------------------------------------------------------------- element-wise

    /** Sizes above the split threshold, odd so chunks are uneven; results must equal the oracle bit for bit. */
    @Test
    void elementWiseKernelsEqualTheOracleExactly() {
        SplittableRandom rnd = new SplittableRandom(99);
        int rows = 4099;
        int channels = 37;
        int n = rows * channels;
        float[] x = random(rnd, n);
        float[] y = random(rnd, n);
        float[] finiteX = x.clone();
        float[] finiteY = y.clone();
        // The values ReLU must treat exactly as the reference: NaN passes, -0 and 0 stay.
        float[] specials = {Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE};
        for (int i = 0; i < 600; i++) {
            x[rnd.nextInt(n)] = specials[i % specials.length];
            y[rnd.nextInt(n)] = specials[(i + 1) % specials.length];
        }
        float[] scale = random(rnd, channels);
        float[] shift = random(rnd, channels);
        float[] mean = random(rnd, channels);
        float[] invStd = random(rnd, channels);
        float[] gamma = random(rnd, channels);
        double[] s1 = new double[channels];
        double[] s2 = new double[channels];
        for (int c = 0; c < channels; c++) {
            s1[c] = rnd.nextDouble(-5, 5);
            s2[c] = rnd.nextDouble(-5, 5);
        }
        for (int threads : new int[] {1, 2, 3}) {
            KernelRegistry.setThreads(threads);
            String t = " with " + threads + " thread(s)";
            float[] want = new float[n];
            float[] got = new float[n];
            scalar.reluForward(x, want, n);
            blocked.reluForward(x, got, n);
            assertBitIdentical("reluForward" + t, want, got);
            scalar.reluBackward(x, y, want, n);
            blocked.reluBackward(x, y, got, n);
            assertBitIdentical("reluBackward" + t, want, got);
            scalar.add(x, y, want, n);
            blocked.add(x, y, got, n);
            assertBitIdentical("add" + t, want, got);
            scalar.channelAffine(x, rows, channels, scale, shift, want);
            blocked.channelAffine(x, rows, channels, scale, shift, got);
            assertBitIdentical("channelAffine" + t, want, got);
            float[] w1 = y.clone();
            float[] w2 = y.clone();
            scalar.addRowVector(w1, rows, channels, shift);
            blocked.addRowVector(w2, rows, channels, shift);
            assertBitIdentical("addRowVector" + t, w1, w2);
            // The fused passes of a prediction: the oracle's, and the unfused kernels' in order.
            float[] bias = random(rnd, channels);
            for (float[] b : new float[][] {bias, null}) {
                for (boolean relu : new boolean[] {true, false}) {
                    String what = "biasAffineRelu bias=" + (b != null) + " relu=" + relu + t;
                    float[] steps = x.clone();
                    if (b != null) {
                        scalar.addRowVector(steps, rows, channels, b);
                    }
                    scalar.channelAffine(steps, rows, channels, scale, shift, steps);
                    if (relu) {
                        scalar.reluForward(steps, steps, n);
                    }
                    scalar.biasAffineRelu(x, rows, channels, b, scale, shift, relu, want);
                    assertBitIdentical(what + " (oracle against the unfused kernels)", steps, want);
                    blocked.biasAffineRelu(x, rows, channels, b, scale, shift, relu, got);
                    assertBitIdentical(what, want, got);
                    float[] inPlace = x.clone();
                    blocked.biasAffineRelu(inPlace, rows, channels, b, scale, shift, relu, inPlace);
                    assertBitIdentical(what + " in place", want, inPlace);
                }
            }
            float[] sum = new float[n];
            scalar.add(x, y, sum, n);
            scalar.reluForward(sum, sum, n);
            scalar.addRelu(x, y, want, n);
            assertBitIdentical("addRelu (oracle against add then reluForward)" + t, sum, want);
            float[] inPlace = y.clone();
            blocked.addRelu(x, inPlace, inPlace, n);
            assertBitIdentical("addRelu" + t, want, inPlace);
            for (boolean training : new boolean[] {true, false}) {
                scalar.batchNormBackwardInput(x, y, rows, channels, mean, invStd, gamma, s1, s2, training, want);
                blocked.batchNormBackwardInput(x, y, rows, channels, mean, invStd, gamma, s1, s2, training, got);
                assertBitIdentical("batchNormBackwardInput training=" + training + t, want, got);
            }
            // Sums over finite values (the specials above make every channel's sum NaN), and
            // over the specials.
            for (float[][] xy : new float[][][] {{finiteX, finiteY}, {x, y}}) {
                double[][] sums = new double[4][channels + 3];
                scalar.batchNormGradSums(xy[0], xy[1], rows, channels, mean, invStd, sums[0], sums[1]);
                blocked.batchNormGradSums(xy[0], xy[1], rows, channels, mean, invStd, sums[2], sums[3]);
                for (int c = 0; c < channels; c++) {
                    // Equal values, -0 apart from 0; any NaN equals any NaN (a NaN's payload may differ).
                    if (Double.compare(sums[0][c], sums[2][c]) != 0 || Double.compare(sums[1][c], sums[3][c]) != 0) {
                        fail("batchNormGradSums channel " + c + t + ": " + sums[0][c] + ", " + sums[1][c] + " vs "
                                + sums[2][c] + ", " + sums[3][c]);
                    }
                }
            }
        }
        KernelRegistry.setThreads(Runtime.getRuntime().availableProcessors());
    }
}
