package org.resnet4j.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.resnet4j.tensor.ArrayPool;

/**
 * 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast
 * Algorithms for Convolutional Neural Networks", 2016): each 2x2 block of outputs comes from a
 * 4x4 tile of input with 16 multiplications per input and output channel pair instead of 36.
 *
 * <p>With {@code d} a 4x4 input tile and {@code g} a 3x3 kernel (one input and one output
 * channel), {@code y = A^T [(G g G^T) (.) (B^T d B)] A}, where (.) multiplies element by
 * element. Summed over input channels, each of the 16 element positions is a matrix product:
 * {@code M[e] = V[e] U[e]} with {@code V[e]} (tiles x inC) the transformed input and {@code U[e]}
 * (inC x outC) the transformed kernel, so the work is 16 GEMMs of the kernels' own GEMM between
 * cheap linear transforms. The transforms use only additions and halvings, so the results
 * differ from a direct convolution's by rounding alone (the tests bound it against the scalar
 * oracle).
 *
 * <p>The two backward passes are Winograd too. The input gradient of a stride-1 convolution is
 * the convolution of the output gradient with the kernel turned by 180 degrees and its channels
 * swapped, padded by {@code 2 - pad}; since {@code G} with its columns reversed is {@code G}
 * with rows 0 and 3 swapped, the turned kernel's transform is the forward one with positions
 * 0 and 3 swapped on both axes, used transposed. The kernel gradient is the adjoint of the
 * forward: {@code dU[e] = V[e]^T (A dY A^T)[e]} summed over tiles, then {@code dg = G^T dU G}.
 *
 * <p>Tiles come in runs of whole images. Where the transformed kernels are small (at most
 * {@link #FUSED_MAX_KERNEL} floats: the network's first two stages), forward and input gradient
 * are fused: the transformed kernels are packed once, and each run of about
 * {@link #FUSED_RUN_FLOATS} transformed floats is transformed, multiplied and transformed back
 * by one thread while it is in that thread's cache (at batch 32, stage 2's forward pass took
 * 2.1 to 2.5 ms fused against 3.6 unfused, stage 3's 1.8 against 3.4).
 * Larger kernels are worth more reuse of each packed kernel than a small run gives: their runs
 * of up to {@link #MAX_RUN_FLOATS} are transformed by all threads, then multiplied as one batch
 * of 16 products ({@link VectorKernels#gemmBatch}); so is every kernel gradient, whose sums over
 * all tiles must not depend on how they are shared among threads. Large arrays come from the
 * active {@link ArrayPool}.
 *
 * <p>Every output element is computed by the same operations whatever the thread count, so
 * results do not depend on it.
 */
final class Winograd {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** The 16 positions of a transformed 4x4 tile. */
    private static final int E = 16;
    /** About the most floats the transformed input or output of one run of images holds (4 MB). */
    static final int MAX_RUN_FLOATS = 1 << 20;
    /**
     * The fewest output tiles (of the whole batch) for which a convolution is worth computing
     * this way: below it, transforming the kernel costs more than the products save. (Measured
     * per stage of the notebook's network: the last stage's 2x2 images at batch 32, 32 tiles,
     * and batch 1 everywhere ran slower than im2col; 128 tiles and more ran faster.)
     */
    static final int MIN_TILES = 128;
    /** The largest transformed kernel (floats) for which forward and input gradient are fused. */
    static final long FUSED_MAX_KERNEL = 1 << 18;
    /** About the most floats a fused run's transformed input or output holds (256 KB, kept by each thread). */
    static final int FUSED_RUN_FLOATS = 1 << 16;
    /** The limits in use: the constants above, unless a test sets others ({@link #setLimits}). */
    private static volatile long fusedMaxKernel = FUSED_MAX_KERNEL;
    private static volatile int maxRunFloats = MAX_RUN_FLOATS;
    private static volatile int fusedRunFloats = FUSED_RUN_FLOATS;
    /** Each thread's transformed input and output for fused runs, grown as needed. */
    private static final ThreadLocal<float[][]> RUN = ThreadLocal.withInitial(() -> new float[2][0]);

    private Winograd() {
    }

    /**
     * For tests: the largest transformed kernel that is fused, and the floats of an unfused and
     * a fused run, so that small problems take every path; {@code resetLimits} restores them.
     */
    static void setLimits(long fusedMaxKernelFloats, int maxRun, int fusedRun) {
        fusedMaxKernel = fusedMaxKernelFloats;
        maxRunFloats = Math.max(1, maxRun);
        fusedRunFloats = Math.max(1, fusedRun);
    }

    static void resetLimits() {
        setLimits(FUSED_MAX_KERNEL, MAX_RUN_FLOATS, FUSED_RUN_FLOATS);
    }

    /** Whether the geometry is one this algorithm computes: a 3x3 kernel, stride 1, padding at most 2. */
    static boolean applies(Conv2dGeometry g) {
        return g.kH() == 3 && g.kW() == 3 && g.strideH() == 1 && g.strideW() == 1
                && g.padTop() >= 0 && g.padTop() <= 2 && g.padLeft() >= 0 && g.padLeft() <= 2;
    }

    /** Output tiles of the whole batch: one per 2x2 block of output pixels. */
    static int tiles(Conv2dGeometry g) {
        return g.batch() * tilesPerImage(g.outH(), g.outW());
    }

    private static int tilesPerImage(int outH, int outW) {
        return ((outH + 1) / 2) * ((outW + 1) / 2);
    }

    /** {@code y = conv(x, w)}. */
    static void forward(VectorKernels k, Conv2dGeometry g, float[] x, float[] w, float[] y) {
        float[] u = ArrayPool.scratch(E * g.inC() * g.outC());
        try {
            transformKernel(w, g.inC(), g.outC(), false, u);
            convolve(k, x, g.batch(), g.inH(), g.inW(), g.inC(), g.padTop(), g.padLeft(),
                    y, g.outH(), g.outW(), g.outC(), u, false);
        } finally {
            ArrayPool.recycle(u);
        }
    }

    /** {@code dx = dL/dx}: the output gradient convolved with the turned kernel. */
    static void backwardInput(VectorKernels k, Conv2dGeometry g, float[] dy, float[] w, float[] dx) {
        float[] u = ArrayPool.scratch(E * g.inC() * g.outC());
        try {
            transformKernel(w, g.inC(), g.outC(), true, u);
            convolve(k, dy, g.batch(), g.outH(), g.outW(), g.outC(), 2 - g.padTop(), 2 - g.padLeft(),
                    dx, g.inH(), g.inW(), g.inC(), u, true);
        } finally {
            ArrayPool.recycle(u);
        }
    }

    /** {@code dw += dL/dw}. */
    static void backwardKernel(VectorKernels k, Conv2dGeometry g, float[] x, float[] dy, float[] dw) {
        int inC = g.inC();
        int outC = g.outC();
        int tpi = tilesPerImage(g.outH(), g.outW());
        int images = imagesPerRun(tpi, Math.max(inC, outC), g.batch());
        float[] du = ArrayPool.scratch(E * inC * outC);
        float[] v = ArrayPool.scratch(E * images * tpi * inC);
        float[] dm = ArrayPool.scratch(E * images * tpi * outC);
        try {
            for (int from = 0; from < g.batch(); from += images) {
                int to = Math.min(g.batch(), from + images);
                int t = (to - from) * tpi;
                transformInput(x, from, to, g.inH(), g.inW(), inC, g.padTop(), g.padLeft(), g.outH(), g.outW(), v);
                transformOutputGradient(dy, from, to, g.outH(), g.outW(), outC, dm);
                k.gemmBatch(E, true, false, inC, outC, t, v, 0, t * inC, inC, dm, 0, t * outC, outC,
                        du, 0, inC * outC, outC, from > 0);
            }
            accumulateKernelGradient(du, inC, outC, dw);
        } finally {
            ArrayPool.recycle(dm);
            ArrayPool.recycle(v);
            ArrayPool.recycle(du);
        }
    }

    /**
     * The convolution of {@code in} (batch x inH x inW x inC) with the transformed kernel
     * {@code u}, padded by {@code padT, padL}, into {@code out} (batch x outH x outW x outC,
     * overwritten). With {@code turned}, {@code u} is the transform of a kernel of outC inputs
     * and inC outputs, laid out for the turned kernel ({@link #transformKernel}), and is used
     * transposed.
     */
    private static void convolve(VectorKernels k, float[] in, int batch, int inH, int inW, int inC, int padT, int padL,
                                 float[] out, int outH, int outW, int outC, float[] u, boolean turned) {
        if ((long) E * inC * outC <= fusedMaxKernel) {
            convolveFused(k, in, batch, inH, inW, inC, padT, padL, out, outH, outW, outC, u, turned);
            return;
        }
        int tpi = tilesPerImage(outH, outW);
        int images = imagesPerRun(tpi, Math.max(inC, outC), batch);
        float[] v = ArrayPool.scratch(E * images * tpi * inC);
        float[] m = ArrayPool.scratch(E * images * tpi * outC);
        try {
            for (int from = 0; from < batch; from += images) {
                int to = Math.min(batch, from + images);
                int t = (to - from) * tpi;
                transformInput(in, from, to, inH, inW, inC, padT, padL, outH, outW, v);
                k.gemmBatch(E, false, turned, t, outC, inC, v, 0, t * inC, inC, u, 0, inC * outC,
                        turned ? inC : outC, m, 0, t * outC, outC, false);
                transformOutput(m, from, to, outH, outW, outC, out);
            }
        } finally {
            ArrayPool.recycle(m);
            ArrayPool.recycle(v);
        }
    }

    /**
     * {@link #convolve} with each run of images transformed, multiplied and transformed back by
     * one thread while its transformed tiles are still in its cache. Runs depend on the shape
     * alone, and each product is {@link VectorKernels#gemmBatchPacked}'s, so the results are
     * those of the unfused path.
     */
    private static void convolveFused(VectorKernels k, float[] in, int batch, int inH, int inW, int inC, int padT,
                                      int padL, float[] out, int outH, int outW, int outC, float[] u, boolean turned) {
        int tpi = tilesPerImage(outH, outW);
        long perImage = (long) E * tpi * Math.max(inC, outC);
        int images = (int) Math.max(1, Math.min(batch, fusedRunFloats / perImage));
        int runs = (batch + images - 1) / images;
        int each = VectorKernels.packedBSize(inC, outC);
        float[] bp = ArrayPool.scratch(E * each);
        try {
            k.packBatch(E, turned, u, 0, inC * outC, turned ? inC : outC, inC, outC, bp);
            Parallel.forRange(runs, 2L * E * images * tpi * inC * outC, (r0, r1) -> {
                float[][] scratch = RUN.get();
                int vSize = E * images * tpi * inC;
                int mSize = E * images * tpi * outC;
                if (scratch[0].length < vSize) {
                    scratch[0] = new float[vSize];
                }
                if (scratch[1].length < mSize) {
                    scratch[1] = new float[mSize];
                }
                float[] v = scratch[0];
                float[] m = scratch[1];
                for (int r = r0; r < r1; r++) {
                    int from = r * images;
                    int to = Math.min(batch, from + images);
                    int t = (to - from) * tpi;
                    inputTiles(in, from, to, inH, inW, inC, padT, padL, outH, outW, v, 0, t);
                    k.gemmBatchPacked(E, t, outC, inC, v, 0, t * inC, inC, bp, m, 0, t * outC, outC);
                    outputTiles(m, from, to, outH, outW, outC, out, 0, t);
                }
            });
        } finally {
            ArrayPool.recycle(bp);
        }
    }

    /** Vectors of {@link #L} floats that cover {@code n} (the last one masked when ragged). */
    private static int vectors(int n) {
        return (n + L - 1) / L;
    }

    /** Where position (r, s) of a transformed tile starts, with planes of {@code plane} floats. */
    private static int at(int r, int s, int plane) {
        return (4 * r + s) * plane;
    }

    /** Swaps positions 0 and 3 of one axis of a transformed tile (the kernel turned on that axis). */
    private static int turn(int i) {
        return i == 0 ? 3 : i == 3 ? 0 : i;
    }

    /** How many images one run takes so that its transformed tiles stay within {@link #MAX_RUN_FLOATS}. */
    private static int imagesPerRun(int tilesPerImage, int channels, int batch) {
        long perImage = (long) E * tilesPerImage * channels;
        return (int) Math.max(1, Math.min(batch, maxRunFloats / perImage));
    }

    // ---------------------------------------------------------------- transforms
    //
    // Each transform works on one vector of channels at a time: a first pass along one axis of
    // the tile writes its 16 (or 12) vectors to a small scratch array, which stays in L1, and a
    // second pass along the other axis reads them back. (Vectors kept in an array of vectors
    // would be boxed.) Channels past the last whole vector are masked off.

    /**
     * {@code U[e] = (G g G^T)[e]} for every input and output channel pair, one vector of the
     * flattened (inC, outC) plane at a time: {@code u} holds 16 matrices of inC x outC, kernel
     * {@code w} is (3, 3, inC, outC). With {@code turned}, each
     * goes where the turned kernel's transform has it: position (r, s) at (turn(r), turn(s)).
     */
    private static void transformKernel(float[] w, int inC, int outC, boolean turned, float[] u) {
        int plane = inC * outC;
        Parallel.forRange(vectors(plane), 25L * L, (v0, v1) -> {
            float[] tmp = new float[12 * L];
            for (int src = v0 * L, end = Math.min(plane, v1 * L); src < end; src += L) {
                VectorMask<Float> mask = S.indexInRange(src, plane);
                // G g: rows 0, (0+1+2)/2, (0-1+2)/2 and 2 of the kernel, for each of its 3 columns.
                for (int j = 0; j < 3; j++) {
                    FloatVector g0 = FloatVector.fromArray(S, w, src + j * plane, mask);
                    FloatVector g1 = FloatVector.fromArray(S, w, src + (3 + j) * plane, mask);
                    FloatVector g2 = FloatVector.fromArray(S, w, src + (6 + j) * plane, mask);
                    FloatVector sum = g0.add(g2);
                    g0.intoArray(tmp, j * L);
                    sum.add(g1).mul(0.5f).intoArray(tmp, (3 + j) * L);
                    sum.sub(g1).mul(0.5f).intoArray(tmp, (6 + j) * L);
                    g2.intoArray(tmp, (9 + j) * L);
                }
                // (G g) G^T: the same along each row.
                for (int r = 0; r < 4; r++) {
                    FloatVector g0 = FloatVector.fromArray(S, tmp, 3 * r * L);
                    FloatVector g1 = FloatVector.fromArray(S, tmp, (3 * r + 1) * L);
                    FloatVector g2 = FloatVector.fromArray(S, tmp, (3 * r + 2) * L);
                    FloatVector sum = g0.add(g2);
                    int row = turned ? turn(r) : r;
                    g0.intoArray(u, at(row, turned ? 3 : 0, plane) + src, mask);
                    sum.add(g1).mul(0.5f).intoArray(u, at(row, 1, plane) + src, mask);
                    sum.sub(g1).mul(0.5f).intoArray(u, at(row, 2, plane) + src, mask);
                    g2.intoArray(u, at(row, turned ? 0 : 3, plane) + src, mask);
                }
            }
        });
    }

    /** {@code dw += G^T dU G} for every channel pair. */
    private static void accumulateKernelGradient(float[] du, int inC, int outC, float[] dw) {
        int plane = inC * outC;
        Parallel.forRange(vectors(plane), 40L * L, (v0, v1) -> {
            float[] tmp = new float[12 * L];
            for (int src = v0 * L, end = Math.min(plane, v1 * L); src < end; src += L) {
                VectorMask<Float> mask = S.indexInRange(src, plane);
                // G^T dU: rows 0 + (1+2)/2, (1-2)/2 and (1+2)/2 + 3, for each of the 4 columns.
                for (int j = 0; j < 4; j++) {
                    FloatVector d0 = FloatVector.fromArray(S, du, src + j * plane, mask);
                    FloatVector d1 = FloatVector.fromArray(S, du, src + (4 + j) * plane, mask);
                    FloatVector d2 = FloatVector.fromArray(S, du, src + (8 + j) * plane, mask);
                    FloatVector d3 = FloatVector.fromArray(S, du, src + (12 + j) * plane, mask);
                    FloatVector mid = d1.add(d2).mul(0.5f);
                    d0.add(mid).intoArray(tmp, j * L);
                    d1.sub(d2).mul(0.5f).intoArray(tmp, (4 + j) * L);
                    mid.add(d3).intoArray(tmp, (8 + j) * L);
                }
                // (G^T dU) G: the same along each row, added into dw.
                for (int r = 0; r < 3; r++) {
                    FloatVector q0 = FloatVector.fromArray(S, tmp, 4 * r * L);
                    FloatVector q1 = FloatVector.fromArray(S, tmp, (4 * r + 1) * L);
                    FloatVector q2 = FloatVector.fromArray(S, tmp, (4 * r + 2) * L);
                    FloatVector q3 = FloatVector.fromArray(S, tmp, (4 * r + 3) * L);
                    FloatVector mid = q1.add(q2).mul(0.5f);
                    int dst = 3 * r * plane + src;
                    addInto(dw, dst, q0.add(mid), mask);
                    addInto(dw, dst + plane, q1.sub(q2).mul(0.5f), mask);
                    addInto(dw, dst + 2 * plane, mid.add(q3), mask);
                }
            }
        });
    }

    private static void addInto(float[] a, int off, FloatVector v, VectorMask<Float> mask) {
        FloatVector.fromArray(S, a, off, mask).add(v).intoArray(a, off, mask);
    }

    /**
     * {@code V[e] = (B^T d B)[e]} for the tiles of images {@code [from, to)}, in tile order
     * (image, tile row, tile column): {@code v} holds 16 matrices of tiles x inC. The tile of
     * output block (th, tw) starts at input pixel (2 th - padT, 2 tw - padL); pixels outside the
     * image are zero.
     */
    private static void transformInput(float[] in, int from, int to, int inH, int inW, int inC, int padT, int padL,
                                       int outH, int outW, float[] v) {
        int t = (to - from) * tilesPerImage(outH, outW);
        Parallel.forRange(t, 64L * inC, (t0, t1) -> inputTiles(in, from, to, inH, inW, inC, padT, padL, outH, outW, v,
                t0, t1));
    }

    /** {@link #transformInput} for tiles {@code [t0, t1)} of the run. */
    private static void inputTiles(float[] in, int from, int to, int inH, int inW, int inC, int padT, int padL,
                                   int outH, int outW, float[] v, int t0, int t1) {
        int tilesW = (outW + 1) / 2;
        int tpi = tilesPerImage(outH, outW);
        int plane = (to - from) * tpi * inC;
        FloatVector zero = FloatVector.zero(S);
        float[] tmp = new float[16 * L];
        for (int tile = t0; tile < t1; tile++) {
            int n = from + tile / tpi;
            int ih0 = 2 * (tile % tpi / tilesW) - padT;
            int iw0 = 2 * (tile % tilesW) - padL;
            for (int c = 0; c < inC; c += L) {
                VectorMask<Float> mask = S.indexInRange(c, inC);
                // B^T d: rows 0-2, 1+2, 2-1 and 1-3, for each column.
                for (int b = 0; b < 4; b++) {
                    int iw = iw0 + b;
                    boolean col = iw >= 0 && iw < inW;
                    int at = ((n * inH + ih0) * inW + iw) * inC + c;
                    FloatVector d0 = col && inside(ih0, inH) ? FloatVector.fromArray(S, in, at, mask) : zero;
                    FloatVector d1 = col && inside(ih0 + 1, inH)
                            ? FloatVector.fromArray(S, in, at + inW * inC, mask) : zero;
                    FloatVector d2 = col && inside(ih0 + 2, inH)
                            ? FloatVector.fromArray(S, in, at + 2 * inW * inC, mask) : zero;
                    FloatVector d3 = col && inside(ih0 + 3, inH)
                            ? FloatVector.fromArray(S, in, at + 3 * inW * inC, mask) : zero;
                    d0.sub(d2).intoArray(tmp, b * L);
                    d1.add(d2).intoArray(tmp, (4 + b) * L);
                    d2.sub(d1).intoArray(tmp, (8 + b) * L);
                    d1.sub(d3).intoArray(tmp, (12 + b) * L);
                }
                // (B^T d) B: the same along each row.
                int dst = tile * inC + c;
                for (int a = 0; a < 4; a++) {
                    FloatVector d0 = FloatVector.fromArray(S, tmp, 4 * a * L);
                    FloatVector d1 = FloatVector.fromArray(S, tmp, (4 * a + 1) * L);
                    FloatVector d2 = FloatVector.fromArray(S, tmp, (4 * a + 2) * L);
                    FloatVector d3 = FloatVector.fromArray(S, tmp, (4 * a + 3) * L);
                    int e = 4 * a * plane + dst;
                    d0.sub(d2).intoArray(v, e, mask);
                    d1.add(d2).intoArray(v, e + plane, mask);
                    d2.sub(d1).intoArray(v, e + 2 * plane, mask);
                    d1.sub(d3).intoArray(v, e + 3 * plane, mask);
                }
            }
        }
    }

    private static boolean inside(int i, int size) {
        return i >= 0 && i < size;
    }

    /**
     * Writes {@code A^T M A}, the 2x2 output block of each tile of images {@code [from, to)}, into
     * {@code out}; blocks that reach past the output's edge write only their part inside it.
     */
    private static void transformOutput(float[] m, int from, int to, int outH, int outW, int outC, float[] out) {
        int t = (to - from) * tilesPerImage(outH, outW);
        Parallel.forRange(t, 48L * outC, (t0, t1) -> outputTiles(m, from, to, outH, outW, outC, out, t0, t1));
    }

    /** {@link #transformOutput} for tiles {@code [t0, t1)} of the run. */
    private static void outputTiles(float[] m, int from, int to, int outH, int outW, int outC, float[] out,
                                    int t0, int t1) {
        int tilesW = (outW + 1) / 2;
        int tpi = tilesPerImage(outH, outW);
        int plane = (to - from) * tpi * outC;
        float[] tmp = new float[8 * L];
        for (int tile = t0; tile < t1; tile++) {
            int n = from + tile / tpi;
            int oh = 2 * (tile % tpi / tilesW);
            int ow = 2 * (tile % tilesW);
            for (int c = 0; c < outC; c += L) {
                VectorMask<Float> mask = S.indexInRange(c, outC);
                int src = tile * outC + c;
                // M A: columns 0+1+2 and 1-2-3 of each row.
                for (int a = 0; a < 4; a++) {
                    int e = 4 * a * plane + src;
                    FloatVector m0 = FloatVector.fromArray(S, m, e, mask);
                    FloatVector m1 = FloatVector.fromArray(S, m, e + plane, mask);
                    FloatVector m2 = FloatVector.fromArray(S, m, e + 2 * plane, mask);
                    FloatVector m3 = FloatVector.fromArray(S, m, e + 3 * plane, mask);
                    m0.add(m1).add(m2).intoArray(tmp, 2 * a * L);
                    m1.sub(m2).sub(m3).intoArray(tmp, (2 * a + 1) * L);
                }
                // A^T (M A): rows 0+1+2 and 1-2-3, for each of the 2 columns inside the output.
                for (int j = 0; j < 2 && ow + j < outW; j++) {
                    FloatVector r0 = FloatVector.fromArray(S, tmp, j * L);
                    FloatVector r1 = FloatVector.fromArray(S, tmp, (2 + j) * L);
                    FloatVector r2 = FloatVector.fromArray(S, tmp, (4 + j) * L);
                    FloatVector r3 = FloatVector.fromArray(S, tmp, (6 + j) * L);
                    int at = ((n * outH + oh) * outW + ow + j) * outC + c;
                    r0.add(r1).add(r2).intoArray(out, at, mask);
                    if (oh + 1 < outH) {
                        r1.sub(r2).sub(r3).intoArray(out, at + outW * outC, mask);
                    }
                }
            }
        }
    }

    /**
     * {@code dM = A dY A^T} for the tiles of images {@code [from, to)}: the gradient of the
     * transformed output, from each 2x2 block of the output gradient (zero past its edge).
     */
    private static void transformOutputGradient(float[] dy, int from, int to, int outH, int outW, int outC,
                                                float[] dm) {
        int tilesW = (outW + 1) / 2;
        int tpi = tilesPerImage(outH, outW);
        int t = (to - from) * tpi;
        int plane = t * outC;
        Parallel.forRange(t, 32L * outC, (t0, t1) -> {
            FloatVector zero = FloatVector.zero(S);
            float[] tmp = new float[8 * L];
            for (int tile = t0; tile < t1; tile++) {
                int n = from + tile / tpi;
                int oh = 2 * (tile % tpi / tilesW);
                int ow = 2 * (tile % tilesW);
                for (int c = 0; c < outC; c += L) {
                    VectorMask<Float> mask = S.indexInRange(c, outC);
                    // A e: rows e0, e0+e1, e0-e1 and -e1, for each of the 2 columns.
                    for (int j = 0; j < 2; j++) {
                        int at = ((n * outH + oh) * outW + ow + j) * outC + c;
                        boolean col = ow + j < outW;
                        FloatVector e0 = col ? FloatVector.fromArray(S, dy, at, mask) : zero;
                        FloatVector e1 = col && oh + 1 < outH ? FloatVector.fromArray(S, dy, at + outW * outC, mask) : zero;
                        e0.intoArray(tmp, j * L);
                        e0.add(e1).intoArray(tmp, (2 + j) * L);
                        e0.sub(e1).intoArray(tmp, (4 + j) * L);
                        e1.neg().intoArray(tmp, (6 + j) * L);
                    }
                    // (A e) A^T: the same along each row.
                    int dst = tile * outC + c;
                    for (int a = 0; a < 4; a++) {
                        FloatVector e0 = FloatVector.fromArray(S, tmp, 2 * a * L);
                        FloatVector e1 = FloatVector.fromArray(S, tmp, (2 * a + 1) * L);
                        int e = 4 * a * plane + dst;
                        e0.intoArray(dm, e, mask);
                        e0.add(e1).intoArray(dm, e + plane, mask);
                        e0.sub(e1).intoArray(dm, e + 2 * plane, mask);
                        e1.neg().intoArray(dm, e + 3 * plane, mask);
                    }
                }
            }
        });
    }
}
