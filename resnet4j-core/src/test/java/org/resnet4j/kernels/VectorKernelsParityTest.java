package org.resnet4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.Arguments;
import org.resnet4j.layers.Padding;

/** {@link VectorKernels} (Vector API GEMM) against the scalar oracle. */
class VectorKernelsParityTest extends KernelParityTest {
    @Override
    Kernels fastKernels() {
        return new VectorKernels();
    }

    /** The turned 3x3 kernel of an input gradient: taps reversed, channels transposed, in blocks and at ragged edges. */
    @Test
    void turnedKernelsAreTransposedTapsInReverse() {
        SplittableRandom rnd = new SplittableRandom(12);
        for (int[] c : new int[][] {{16, 16}, {19, 21}, {64, 48}, {130, 129}, {1, 5}}) {
            int inC = c[0];
            int outC = c[1];
            float[] w = random(rnd, 9 * inC * outC);
            float[] wt = random(rnd, 9 * inC * outC);
            VectorKernels.turnKernel3x3(w, inC, outC, wt);
            for (int t = 0; t < 9; t++) {
                for (int i = 0; i < inC; i++) {
                    for (int o = 0; o < outC; o++) {
                        assertEquals(w[((8 - t) * inC + i) * outC + o], wt[(t * outC + o) * inC + i],
                                inC + " x " + outC + ", tap " + t + ", " + i + " -> " + o);
                    }
                }
            }
        }
    }

    /**
     * A forward pass that reads its patches in place gives the bits of the same GEMM on copied
     * patches (im2col), on every thread count, for the parity geometries that take that path;
     * padded or pointwise convolutions, a partial strip of output channels, or few output
     * pixels, do not take it.
     */
    @Test
    void patchesReadInPlaceEqualCopiedOnes() {
        VectorKernels v = new VectorKernels();
        SplittableRandom rnd = new SplittableRandom(13);
        int inPlace = 0;
        for (Object[] args : convGeometries().map(Arguments::get).toList()) {
            Conv2dGeometry g = (Conv2dGeometry) args[1];
            if (!VectorKernels.readsPatchesInPlace(g) || VectorKernels.winograd(g)) {
                continue;
            }
            inPlace++;
            float[] x = random(rnd, g.inputSize());
            float[] w = random(rnd, g.kernelSize());
            float[] garbage = random(rnd, g.outputSize());
            float[] copied = garbage.clone();
            try {
                VectorKernels.copyPatches(true);
                v.conv2dForward(g, x, w, copied);
            } finally {
                VectorKernels.copyPatches(false);
            }
            for (int t : new int[] {1, 2, 3}) {
                KernelRegistry.setThreads(t);
                float[] y = garbage.clone();
                v.conv2dForward(g, x, w, y);
                assertBitIdentical(args[0] + " " + g + ", " + t + " threads", copied, y);
            }
        }
        assertEquals(4, inPlace);
        assertEquals(false, VectorKernels.readsPatchesInPlace(geometry(2, 5, 7, 3, 3, 3, 64, 1, 1, Padding.SAME)));
        assertEquals(false, VectorKernels.readsPatchesInPlace(geometry(2, 5, 7, 3, 1, 1, 64, 1, 1, Padding.VALID)));
        assertEquals(false, VectorKernels.readsPatchesInPlace(geometry(2, 15, 13, 3, 7, 7, 96, 2, 2, Padding.VALID)));
        // Few output pixels: the GEMM on copied patches reads the kernel in place instead.
        assertEquals(false, VectorKernels.readsPatchesInPlace(geometry(1, 9, 7, 30, 1, 1, 64, 2, 2, Padding.VALID)));
    }

    /** The parity cases above with a small C over a long depth do take the depth-split path. */
    @Test
    void smallOutputsOverLongDepthsAreSplit() {
        assertEquals(2560, VectorKernels.depthChunk(37, 70, 5000));
        assertEquals(2304, VectorKernels.depthChunk(147, 64, 9000));
        assertEquals(2048, VectorKernels.depthChunk(147, 16, 4096));
        // A large C, or a short depth, is not split.
        assertEquals(9000, VectorKernels.depthChunk(300, 300, 9000));
        assertEquals(4000, VectorKernels.depthChunk(37, 70, 4000));
    }

    /**
     * Each product of a batch is the GEMM of that product alone, bit for bit, in every layout and
     * on every path: B read in place (few rows), packed panel by panel (one row block), packed
     * whole (several), and a depth split; C between the products is left alone. Products packed
     * once ({@link VectorKernels#packBatch}) and run on one thread give the same bits again (and
     * one that would be split along its depth is refused there).
     */
    @Test
    void batchedProductsEqualSingleOnes() {
        VectorKernels v = new VectorKernels();
        int[][] sizes = {{7, 13, 5}, {40, 70, 33}, {100, 129, 300}, {300, 64, 257}, {37, 70, 5000}};
        SplittableRandom rnd = new SplittableRandom(11);
        int count = 3;
        for (int[] size : sizes) {
            int m = size[0];
            int n = size[1];
            int k = size[2];
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    for (boolean accumulate : new boolean[] {false, true}) {
                        int lda = (transA ? m : k) + 1;
                        int ldb = (transB ? k : n) + 2;
                        int ldc = n + 3;
                        int aStride = (transA ? k : m) * lda + 5;
                        int bStride = (transB ? n : k) * ldb + 6;
                        int cStride = m * ldc + 7;
                        float[] a = random(rnd, count * aStride);
                        float[] b = random(rnd, count * bStride);
                        float[] c0 = random(rnd, count * cStride);
                        float[] expected = c0.clone();
                        for (int q = 0; q < count; q++) {
                            v.gemm(transA, transB, m, n, k, a, q * aStride, lda, b, q * bStride, ldb,
                                    expected, q * cStride, ldc, accumulate);
                        }
                        float[] batched = c0.clone();
                        v.gemmBatch(count, transA, transB, m, n, k, a, 0, aStride, lda, b, 0, bStride, ldb,
                                batched, 0, cStride, ldc, accumulate);
                        String what = "batch of " + count + " m=" + m + " n=" + n + " k=" + k + " transA=" + transA
                                + " transB=" + transB + " accumulate=" + accumulate;
                        assertBitIdentical(what, expected, batched);
                        if (!transA && !accumulate && VectorKernels.depthChunk(m, n, k) == k) {
                            float[] bp = new float[count * VectorKernels.packedBSize(k, n)];
                            Arrays.fill(bp, Float.NaN);
                            v.packBatch(count, transB, b, 0, bStride, ldb, k, n, bp);
                            float[] packed = c0.clone();
                            v.gemmBatchPacked(count, m, n, k, a, 0, aStride, lda, bp, packed, 0, cStride, ldc);
                            assertBitIdentical(what + ", packed first", expected, packed);
                        } else if (!transA && !accumulate) {
                            float[] bp = new float[count * VectorKernels.packedBSize(k, n)];
                            assertThrows(IllegalArgumentException.class, () -> v.gemmBatchPacked(count, m, n, k, a, 0,
                                    aStride, lda, bp, c0.clone(), 0, cStride, ldc));
                        }
                    }
                }
            }
        }
    }
}
