package org.resnet4j.kernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels whose GEMM runs on the Vector API ({@code jdk.incubator.vector}); convolution reaches
 * it through {@link BlockedKernels}' im2col and pointwise paths.
 *
 * <p>The GEMM follows the Goto/BLIS layout. C is cut into {@code MC x NC} tiles, one task each,
 * spread over the kernel threads; when that leaves fewer than two tiles per thread (a small
 * batch: few rows against a large weight matrix), the tiles are narrowed, down to {@code NR}. A task walks the depth in {@code KC} slices: it packs its
 * {@code MC x KC} block of A into {@code MR}-row strips and its {@code KC x NC} panel of B into
 * {@code NR}-column strips (packing also absorbs any transposition), then runs a register-blocked
 * micro-kernel over every {@code MR x NR} tile: {@code MR = 4} rows times {@code NR = 4} vectors
 * keep 16 accumulators in registers (of 32 on AVX-512, 16 on AVX2 with 8-float vectors: then
 * {@code NR} is 32), each iteration loading 4 vectors of B and broadcasting 4 values of A into
 * 16 fused multiply-adds. Edge tiles are computed whole on zero-padded strips and only their
 * valid part written back.
 *
 * <p>A task packs its own panels instead of sharing them: re-packing B once per row block costs
 * about {@code 1/MC} of the arithmetic and needs no barrier between threads. Each element of C
 * is accumulated over the depth in one fixed order, so results do not depend on the thread count.
 */
public final class VectorKernels extends BlockedKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int MR = 4;
    private static final int NR = 4 * L;
    private static final int KC = 256;
    private static final int MC = 128;
    private static final int NC = 512 / NR * NR == 0 ? NR : 512 / NR * NR;
    /** Row blocks this short read B in place instead of packing it (see {@link #microDirect}). */
    private static final int DIRECT_B_MAX_ROWS = 32;
    /** Below this many multiply-adds a single task is cheaper than forking. */
    private static final long PARALLEL_THRESHOLD = 1L << 20;

    private static final ThreadLocal<float[][]> BUFFERS =
            ThreadLocal.withInitial(() -> new float[][] {new float[MC * KC], new float[KC * NC], new float[MR * NR]});

    @Override
    public String name() {
        return "vector-" + S.vectorBitSize();
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        if (!prepareOutput(m, n, k, c, cOff, ldc, accumulate)) {
            return;
        }
        int threads = KernelRegistry.threads();
        boolean parallel = threads > 1 && (long) m * n * k >= PARALLEL_THRESHOLD;
        int rowBlocks = (m + MC - 1) / MC;
        // Few rows (a small batch) leave too few tiles to share: narrow them, down to one strip.
        int nc = NC;
        while (parallel && nc > NR && rowBlocks * ((n + nc - 1) / nc) < 2 * threads) {
            nc = Math.max(NR, nc / 2 / NR * NR);
        }
        int width = nc;
        int colBlocks = (n + width - 1) / width;
        int tiles = rowBlocks * colBlocks;
        if (tiles == 1 || !parallel) {
            for (int t = 0; t < tiles; t++) {
                tile(t / colBlocks, t % colBlocks, width, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
            }
            return;
        }
        List<RecursiveAction> tasks = new ArrayList<>(tiles);
        for (int t = 0; t < tiles; t++) {
            int rb = t / colBlocks;
            int cb = t % colBlocks;
            tasks.add(new RecursiveAction() {
                @Override
                protected void compute() {
                    tile(rb, cb, width, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
                }
            });
        }
        KernelRegistry.pool().invoke(new RecursiveAction() {
            @Override
            protected void compute() {
                ForkJoinTask.invokeAll(tasks);
            }
        });
    }

    // Element-wise work on vectors. Each result is the same single IEEE operation (or the same
    // sequence of them) as in the scalar reference, with no fused multiply-add, so the results
    // are bit-identical to ScalarKernels'; the split over threads is BlockedKernels'.

    @Override
    public void reluForward(float[] x, float[] y, int n) {
        Parallel.forRange(n, 1, (from, to) -> {
            FloatVector zero = FloatVector.zero(S);
            int i = from;
            for (int end = from + S.loopBound(to - from); i < end; i += L) {
                FloatVector v = FloatVector.fromArray(S, x, i);
                // Only negatives become 0: NaN and -0 pass through, as in the reference.
                v.blend(zero, v.lt(0f)).intoArray(y, i);
            }
            ScalarKernels.reluForward(x, y, i, to);
        });
    }

    @Override
    public void reluBackward(float[] y, float[] dy, float[] dx, int n) {
        Parallel.forRange(n, 1, (from, to) -> {
            FloatVector zero = FloatVector.zero(S);
            int i = from;
            for (int end = from + S.loopBound(to - from); i < end; i += L) {
                FloatVector g = FloatVector.fromArray(S, dy, i);
                zero.blend(g, FloatVector.fromArray(S, y, i).compare(VectorOperators.GT, 0f)).intoArray(dx, i);
            }
            ScalarKernels.reluBackward(y, dy, dx, i, to);
        });
    }

    @Override
    public void add(float[] a, float[] b, float[] y, int n) {
        Parallel.forRange(n, 1, (from, to) -> {
            int i = from;
            for (int end = from + S.loopBound(to - from); i < end; i += L) {
                FloatVector.fromArray(S, a, i).add(FloatVector.fromArray(S, b, i)).intoArray(y, i);
            }
            ScalarKernels.add(a, b, y, i, to);
        });
    }

    @Override
    public void channelAffine(float[] x, int rows, int channels, float[] scale, float[] shift, float[] y) {
        Parallel.forRange(rows, channels, (from, to) -> {
            int vc = S.loopBound(channels);
            for (int r = from; r < to; r++) {
                int base = r * channels;
                int ch = 0;
                for (; ch < vc; ch += L) {
                    FloatVector.fromArray(S, x, base + ch).mul(FloatVector.fromArray(S, scale, ch))
                            .add(FloatVector.fromArray(S, shift, ch)).intoArray(y, base + ch);
                }
                for (; ch < channels; ch++) {
                    y[base + ch] = x[base + ch] * scale[ch] + shift[ch];
                }
            }
        });
    }

    @Override
    public void addRowVector(float[] y, int rows, int cols, float[] v) {
        Parallel.forRange(rows, cols, (from, to) -> {
            int vc = S.loopBound(cols);
            for (int r = from; r < to; r++) {
                int base = r * cols;
                int c = 0;
                for (; c < vc; c += L) {
                    FloatVector.fromArray(S, y, base + c).add(FloatVector.fromArray(S, v, c)).intoArray(y, base + c);
                }
                for (; c < cols; c++) {
                    y[base + c] += v[c];
                }
            }
        });
    }

    @Override
    public void batchNormBackwardInput(float[] x, float[] dy, int rows, int channels, float[] mean, float[] invStd,
                                       float[] gamma, double[] sumDy, double[] sumDyXhat, boolean training,
                                       float[] dx) {
        float[][] coef = batchNormBackwardCoefficients(rows, channels, invStd, gamma, sumDy, sumDyXhat, training);
        float[] k = coef[0];
        float[] meanDy = coef[1];
        float[] meanDyXhat = coef[2];
        Parallel.forRange(rows, 2L * channels, (from, to) -> {
            int vc = S.loopBound(channels);
            for (int r = from; r < to; r++) {
                int base = r * channels;
                int ch = 0;
                for (; ch < vc; ch += L) {
                    FloatVector xhat = FloatVector.fromArray(S, x, base + ch).sub(FloatVector.fromArray(S, mean, ch))
                            .mul(FloatVector.fromArray(S, invStd, ch));
                    FloatVector t = FloatVector.fromArray(S, dy, base + ch).sub(FloatVector.fromArray(S, meanDy, ch))
                            .sub(xhat.mul(FloatVector.fromArray(S, meanDyXhat, ch)));
                    FloatVector.fromArray(S, k, ch).mul(t).intoArray(dx, base + ch);
                }
                if (ch < channels) {
                    // The tail channels, with the reference loop body.
                    for (; ch < channels; ch++) {
                        float xhat = (x[base + ch] - mean[ch]) * invStd[ch];
                        dx[base + ch] = k[ch] * (dy[base + ch] - meanDy[ch] - xhat * meanDyXhat[ch]);
                    }
                }
            }
        });
    }

    /** C tile (rb, cb), {@code width} columns wide, += op(A) * op(B), depth slice by depth slice. */
    private static void tile(int rb, int cb, int width, boolean transA, boolean transB, int m, int n, int k,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc) {
        float[][] buf = BUFFERS.get();
        float[] ap = buf[0];
        float[] bp = buf[1];
        float[] tmp = buf[2];
        int i0 = rb * MC;
        int mc = Math.min(MC, m - i0);
        int j0 = cb * width;
        int nc = Math.min(width, n - j0);
        int mStrips = (mc + MR - 1) / MR;
        int nStrips = (nc + NR - 1) / NR;
        // With few rows, packing B would cost as much as using it: read full strips where they lie.
        boolean direct = !transB && mc <= DIRECT_B_MAX_ROWS;
        for (int p0 = 0; p0 < k; p0 += KC) {
            int kc = Math.min(KC, k - p0);
            packA(transA, a, aOff, lda, i0, mc, p0, kc, ap);
            if (!direct || nc % NR != 0) {
                packB(transB, b, bOff, ldb, p0, kc, j0, nc, bp);
            }
            for (int js = 0; js < nStrips; js++) {
                int nr = Math.min(NR, nc - js * NR);
                for (int is = 0; is < mStrips; is++) {
                    int mr = Math.min(MR, mc - is * MR);
                    int ci = cOff + (i0 + is * MR) * ldc + j0 + js * NR;
                    if (direct && mr == MR && nr == NR) {
                        microDirect(kc, ap, is * MR * kc, b, bOff + p0 * ldb + j0 + js * NR, ldb, c, ci, ldc);
                    } else if (mr == MR && nr == NR) {
                        micro(kc, ap, is * MR * kc, bp, js * NR * kc, c, ci, ldc);
                    } else {
                        // Edge tile: compute it whole in a scratch tile, write back the valid part.
                        for (int r = 0; r < MR; r++) {
                            for (int j = 0; j < NR; j++) {
                                tmp[r * NR + j] = r < mr && j < nr ? c[ci + r * ldc + j] : 0f;
                            }
                        }
                        if (direct && nr == NR) {
                            microDirect(kc, ap, is * MR * kc, b, bOff + p0 * ldb + j0 + js * NR, ldb, tmp, 0, NR);
                        } else {
                            micro(kc, ap, is * MR * kc, bp, js * NR * kc, tmp, 0, NR);
                        }
                        for (int r = 0; r < mr; r++) {
                            System.arraycopy(tmp, r * NR, c, ci + r * ldc, nr);
                        }
                    }
                }
            }
        }
    }

    /**
     * {@code C[MR x NR] += Ap[MR x kc] * Bp[kc x NR]}: Ap is a strip stored {@code [p][MR]}, Bp a
     * strip stored {@code [p][NR]}. Sixteen accumulators stay in registers for the whole loop.
     */
    private static void micro(int kc, float[] ap, int aBase, float[] bp, int bBase, float[] c, int ci, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, ci);
        FloatVector c01 = FloatVector.fromArray(S, c, ci + L);
        FloatVector c02 = FloatVector.fromArray(S, c, ci + 2 * L);
        FloatVector c03 = FloatVector.fromArray(S, c, ci + 3 * L);
        FloatVector c10 = FloatVector.fromArray(S, c, ci + ldc);
        FloatVector c11 = FloatVector.fromArray(S, c, ci + ldc + L);
        FloatVector c12 = FloatVector.fromArray(S, c, ci + ldc + 2 * L);
        FloatVector c13 = FloatVector.fromArray(S, c, ci + ldc + 3 * L);
        FloatVector c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
        FloatVector c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + L);
        FloatVector c22 = FloatVector.fromArray(S, c, ci + 2 * ldc + 2 * L);
        FloatVector c23 = FloatVector.fromArray(S, c, ci + 2 * ldc + 3 * L);
        FloatVector c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
        FloatVector c31 = FloatVector.fromArray(S, c, ci + 3 * ldc + L);
        FloatVector c32 = FloatVector.fromArray(S, c, ci + 3 * ldc + 2 * L);
        FloatVector c33 = FloatVector.fromArray(S, c, ci + 3 * ldc + 3 * L);
        int ai = aBase;
        int bi = bBase;
        for (int p = 0; p < kc; p++, ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, bp, bi + 3 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c02.intoArray(c, ci + 2 * L);
        c03.intoArray(c, ci + 3 * L);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L);
        c12.intoArray(c, ci + ldc + 2 * L);
        c13.intoArray(c, ci + ldc + 3 * L);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L);
        c22.intoArray(c, ci + 2 * ldc + 2 * L);
        c23.intoArray(c, ci + 2 * ldc + 3 * L);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L);
        c32.intoArray(c, ci + 3 * ldc + 2 * L);
        c33.intoArray(c, ci + 3 * ldc + 3 * L);
    }

    /**
     * {@link #micro} reading B unpacked: row {@code p} of the strip starts at
     * {@code bBase + p * ldb}. The same operations in the same order, so the same results.
     */
    private static void microDirect(int kc, float[] ap, int aBase, float[] bp, int bBase, int ldb,
                                    float[] c, int ci, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, ci);
        FloatVector c01 = FloatVector.fromArray(S, c, ci + L);
        FloatVector c02 = FloatVector.fromArray(S, c, ci + 2 * L);
        FloatVector c03 = FloatVector.fromArray(S, c, ci + 3 * L);
        FloatVector c10 = FloatVector.fromArray(S, c, ci + ldc);
        FloatVector c11 = FloatVector.fromArray(S, c, ci + ldc + L);
        FloatVector c12 = FloatVector.fromArray(S, c, ci + ldc + 2 * L);
        FloatVector c13 = FloatVector.fromArray(S, c, ci + ldc + 3 * L);
        FloatVector c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
        FloatVector c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + L);
        FloatVector c22 = FloatVector.fromArray(S, c, ci + 2 * ldc + 2 * L);
        FloatVector c23 = FloatVector.fromArray(S, c, ci + 2 * ldc + 3 * L);
        FloatVector c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
        FloatVector c31 = FloatVector.fromArray(S, c, ci + 3 * ldc + L);
        FloatVector c32 = FloatVector.fromArray(S, c, ci + 3 * ldc + 2 * L);
        FloatVector c33 = FloatVector.fromArray(S, c, ci + 3 * ldc + 3 * L);
        int ai = aBase;
        int bi = bBase;
        for (int p = 0; p < kc; p++, ai += MR, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, bp, bi + 3 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c02.intoArray(c, ci + 2 * L);
        c03.intoArray(c, ci + 3 * L);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L);
        c12.intoArray(c, ci + ldc + 2 * L);
        c13.intoArray(c, ci + ldc + 3 * L);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L);
        c22.intoArray(c, ci + 2 * ldc + 2 * L);
        c23.intoArray(c, ci + 2 * ldc + 3 * L);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L);
        c32.intoArray(c, ci + 3 * ldc + 2 * L);
        c33.intoArray(c, ci + 3 * ldc + 3 * L);
    }

    /** Packs rows {@code [i0, i0+mc)} x depth {@code [p0, p0+kc)} of op(A) into MR-row strips, zero-padded. */
    private static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc, float[] ap) {
        int strips = (mc + MR - 1) / MR;
        if (mc % MR != 0) {
            Arrays.fill(ap, 0, strips * MR * kc, 0f);
        }
        if (transA) {
            // op(A) = A^T: a row of the stored A holds one depth index for consecutive rows of
            // op(A); read it in order (the strided walk down a column was the slow part).
            for (int p = 0; p < kc; p++) {
                int src = aOff + (p0 + p) * lda + i0;
                for (int i = 0; i < mc; i++) {
                    ap[(i / MR) * MR * kc + p * MR + (i % MR)] = a[src + i];
                }
            }
            return;
        }
        for (int i = 0; i < mc; i++) {
            int src = aOff + (i0 + i) * lda + p0;
            int dst = (i / MR) * MR * kc + (i % MR);
            for (int p = 0; p < kc; p++, dst += MR) {
                ap[dst] = a[src + p];
            }
        }
    }

    /** Packs depth {@code [p0, p0+kc)} x columns {@code [j0, j0+nc)} of op(B) into NR-column strips, zero-padded. */
    private static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc, float[] bp) {
        int strips = (nc + NR - 1) / NR;
        for (int s = 0; s < strips; s++) {
            int base = s * NR * kc;
            int jn = Math.min(NR, nc - s * NR);
            if (!transB) {
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (p0 + p) * ldb + j0 + s * NR;
                    int dst = base + p * NR;
                    System.arraycopy(b, src, bp, dst, jn);
                    if (jn < NR) {
                        Arrays.fill(bp, dst + jn, dst + NR, 0f);
                    }
                }
            } else {
                for (int j = 0; j < NR; j++) {
                    if (j >= jn) {
                        for (int p = 0; p < kc; p++) {
                            bp[base + p * NR + j] = 0f;
                        }
                        continue;
                    }
                    int src = bOff + (j0 + s * NR + j) * ldb + p0;
                    for (int p = 0; p < kc; p++) {
                        bp[base + p * NR + j] = b[src + p];
                    }
                }
            }
        }
    }
}
