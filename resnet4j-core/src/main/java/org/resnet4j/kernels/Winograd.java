package org.resnet4j.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.resnet4j.tensor.ArrayPool;

/**
 * 3x3 stride-1 convolution by Winograd's minimal filtering (Lavin and Gray, "Fast Algorithms for
 * Convolutional Neural Networks", 2016), in one of two tilings ({@link Tiling}): F(2x2, 3x3),
 * where each 2x2 block of outputs comes from a 4x4 tile of input with 16 multiplications per
 * input and output channel pair instead of 36, and F(4x4, 3x3), where each 4x4 block comes from a
 * 6x6 tile with 36 instead of 144.
 *
 * <p>With {@code d} an input tile and {@code g} a 3x3 kernel (one input and one output channel),
 * {@code y = A^T [(G g G^T) (.) (B^T d B)] A}, where (.) multiplies element by element. Summed
 * over input channels, each element position {@code e} of a transformed tile is a matrix
 * product: {@code M[e] = V[e] U[e]} with {@code V[e]} (tiles x inC) the transformed input and
 * {@code U[e]} (inC x outC) the transformed kernel, so the work is 16 or 36 GEMMs of the kernels'
 * own GEMM between cheap linear transforms. The results differ from a direct convolution's by
 * rounding alone (the tests bound it against the scalar oracle); F(4x4, 3x3)'s transforms have
 * larger coefficients and round a little more.
 *
 * <p>The two backward passes are Winograd too. The input gradient of a stride-1 convolution is
 * the convolution of the output gradient with the kernel turned by 180 degrees and its channels
 * swapped, padded by {@code 2 - pad}: the kernel is turned first
 * ({@link VectorKernels#turnKernel3x3}, a quarter of the floats of its transform), so that its
 * transform is the products' B as it lies. The kernel gradient is the adjoint of the forward:
 * {@code dU[e] = V[e]^T (A dY A^T)[e]} summed over tiles, then {@code dg = G^T dU G}.
 *
 * <p>Tiles come in runs of whole images. Where the kernels are small (at most
 * {@link #FUSED_MAX_PLANE} channel pairs: the network's first two stages), forward and input
 * gradient are fused: the transformed kernels are packed once, and each run of about
 * {@link #FUSED_RUN_FLOATS} transformed floats is transformed, multiplied and transformed back
 * by one thread while it is in that thread's cache (at batch 32, stage 2's forward pass took
 * 2.1 to 2.5 ms fused against 3.6 unfused, stage 3's 1.8 against 3.4, both in F(2x2, 3x3); in
 * F(4x4, 3x3), whose transformed tiles are 44% smaller, fusing or not made no difference to
 * a whole prediction or training step, and fusing stage 4 too made predictions 5% slower).
 * Larger kernels are worth more reuse of each packed kernel than a small run gives: their runs
 * of up to {@link #MAX_RUN_FLOATS} are transformed by all threads, then multiplied as one batch
 * of products ({@link VectorKernels#gemmBatch}); so is every kernel gradient, whose sums over
 * all tiles must not depend on how they are shared among threads. Large arrays come from the
 * active {@link ArrayPool}.
 *
 * <p>Every output element is computed by the same operations whatever the thread count, so
 * results do not depend on it.
 */
final class Winograd {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** About the most floats the transformed input or output of one run of images holds (4 MB). */
    static final int MAX_RUN_FLOATS = 1 << 20;
    /**
     * The fewest F(2x2, 3x3) output tiles (of the whole batch) for which a convolution is worth
     * computing this way: below it, transforming the kernel costs more than the products save.
     * (Measured per stage of the notebook's network: the last stage's 2x2 images at batch 32, 32
     * tiles, and batch 1 everywhere ran slower than im2col; 128 tiles and more ran faster.)
     */
    static final int MIN_TILES = 128;
    /** The most channel pairs (inC x outC) for which forward and input gradient are fused. */
    static final long FUSED_MAX_PLANE = 1 << 14;
    /** About the most floats a fused run's transformed input or output holds (256 KB, kept by each thread). */
    static final int FUSED_RUN_FLOATS = 1 << 16;
    /** The limits in use: the constants above, unless a test sets others ({@link #setLimits}). */
    private static volatile long fusedMaxPlane = FUSED_MAX_PLANE;
    private static volatile int maxRunFloats = MAX_RUN_FLOATS;
    private static volatile int fusedRunFloats = FUSED_RUN_FLOATS;
    /** The tiling every convolution uses, for tests; null: the one with fewer products ({@link Tiling#of}). */
    private static volatile Tiling forcedTiling;
    /** Each thread's transformed input and output for fused runs, grown as needed. */
    private static final ThreadLocal<float[][]> RUN = ThreadLocal.withInitial(() -> new float[2][0]);

    private Winograd() {
    }

    /**
     * For tests: the most channel pairs that are fused, and the floats of an unfused and a fused
     * run, so that small problems take every path; {@code resetLimits} restores them.
     */
    static void setLimits(long fusedMaxChannelPairs, int maxRun, int fusedRun) {
        fusedMaxPlane = fusedMaxChannelPairs;
        maxRunFloats = Math.max(1, maxRun);
        fusedRunFloats = Math.max(1, fusedRun);
    }

    /** For tests: every convolution in {@code tiling} (null: each in the one that pays). */
    static void forceTiling(Tiling tiling) {
        forcedTiling = tiling;
    }

    static void resetLimits() {
        setLimits(FUSED_MAX_PLANE, MAX_RUN_FLOATS, FUSED_RUN_FLOATS);
        forceTiling(null);
    }

    /** Whether the geometry is one this algorithm computes: a 3x3 kernel, stride 1, padding at most 2. */
    static boolean applies(Conv2dGeometry g) {
        return g.kH() == 3 && g.kW() == 3 && g.strideH() == 1 && g.strideW() == 1
                && g.padTop() >= 0 && g.padTop() <= 2 && g.padLeft() >= 0 && g.padLeft() <= 2;
    }

    /** F(2x2, 3x3) output tiles of the whole batch: one per 2x2 block of output pixels. */
    static int tiles(Conv2dGeometry g) {
        return g.batch() * Tiling.F2.tilesPerImage(g.outH(), g.outW());
    }

    /** The tiling a convolution with this output uses. */
    static Tiling tiling(int outH, int outW) {
        Tiling forced = forcedTiling;
        return forced != null ? forced : Tiling.of(outH, outW);
    }

    /** {@code y = conv(x, w)}. */
    static void forward(VectorKernels k, Conv2dGeometry g, float[] x, float[] w, float[] y) {
        Tiling f = tiling(g.outH(), g.outW());
        float[] u = ArrayPool.scratch(f.e * g.inC() * g.outC());
        try {
            transformKernel(f, w, g.inC(), g.outC(), u);
            convolve(k, f, x, g.batch(), g.inH(), g.inW(), g.inC(), g.padTop(), g.padLeft(),
                    y, g.outH(), g.outW(), g.outC(), u);
        } finally {
            ArrayPool.recycle(u);
        }
    }

    /** {@code dx = dL/dx}: the output gradient convolved with the turned kernel. */
    static void backwardInput(VectorKernels k, Conv2dGeometry g, float[] dy, float[] w, float[] dx) {
        Tiling f = tiling(g.inH(), g.inW());
        float[] wt = ArrayPool.scratch(g.kernelSize());
        float[] u = ArrayPool.scratch(f.e * g.inC() * g.outC());
        try {
            VectorKernels.turnKernel3x3(w, g.inC(), g.outC(), wt);
            transformKernel(f, wt, g.outC(), g.inC(), u);
            convolve(k, f, dy, g.batch(), g.outH(), g.outW(), g.outC(), 2 - g.padTop(), 2 - g.padLeft(),
                    dx, g.inH(), g.inW(), g.inC(), u);
        } finally {
            ArrayPool.recycle(u);
            ArrayPool.recycle(wt);
        }
    }

    /** {@code dw += dL/dw}, or {@code dw = dL/dw} without {@code accumulate}. */
    static void backwardKernel(VectorKernels k, Conv2dGeometry g, float[] x, float[] dy, float[] dw,
                               boolean accumulate) {
        Tiling f = tiling(g.outH(), g.outW());
        int inC = g.inC();
        int outC = g.outC();
        int tpi = f.tilesPerImage(g.outH(), g.outW());
        int images = imagesPerRun(f, tpi, Math.max(inC, outC), g.batch());
        float[] du = ArrayPool.scratch(f.e * inC * outC);
        float[] v = ArrayPool.scratch(f.e * images * tpi * inC);
        float[] dm = ArrayPool.scratch(f.e * images * tpi * outC);
        try {
            for (int from = 0; from < g.batch(); from += images) {
                int to = Math.min(g.batch(), from + images);
                int t = (to - from) * tpi;
                transformInput(f, x, from, to, g.inH(), g.inW(), inC, g.padTop(), g.padLeft(), g.outH(), g.outW(), v);
                transformOutputGradient(f, dy, from, to, g.outH(), g.outW(), outC, dm);
                k.gemmBatch(f.e, true, false, inC, outC, t, v, 0, t * inC, inC, dm, 0, t * outC, outC,
                        du, 0, inC * outC, outC, from > 0);
            }
            kernelGradient(f, du, inC, outC, dw, accumulate);
        } finally {
            ArrayPool.recycle(dm);
            ArrayPool.recycle(v);
            ArrayPool.recycle(du);
        }
    }

    /**
     * The convolution of {@code in} (batch x inH x inW x inC) with the transformed kernel
     * {@code u}, padded by {@code padT, padL}, into {@code out} (batch x outH x outW x outC,
     * overwritten).
     */
    private static void convolve(VectorKernels k, Tiling f, float[] in, int batch, int inH, int inW, int inC, int padT,
                                 int padL, float[] out, int outH, int outW, int outC, float[] u) {
        if ((long) inC * outC <= fusedMaxPlane) {
            convolveFused(k, f, in, batch, inH, inW, inC, padT, padL, out, outH, outW, outC, u);
            return;
        }
        int tpi = f.tilesPerImage(outH, outW);
        int images = imagesPerRun(f, tpi, Math.max(inC, outC), batch);
        float[] v = ArrayPool.scratch(f.e * images * tpi * inC);
        float[] m = ArrayPool.scratch(f.e * images * tpi * outC);
        try {
            for (int from = 0; from < batch; from += images) {
                int to = Math.min(batch, from + images);
                int t = (to - from) * tpi;
                transformInput(f, in, from, to, inH, inW, inC, padT, padL, outH, outW, v);
                k.gemmBatch(f.e, false, false, t, outC, inC, v, 0, t * inC, inC, u, 0, inC * outC, outC,
                        m, 0, t * outC, outC, false);
                transformOutput(f, m, from, to, outH, outW, outC, out);
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
    private static void convolveFused(VectorKernels k, Tiling f, float[] in, int batch, int inH, int inW, int inC,
                                      int padT, int padL, float[] out, int outH, int outW, int outC, float[] u) {
        int tpi = f.tilesPerImage(outH, outW);
        long perImage = (long) f.e * tpi * Math.max(inC, outC);
        int images = (int) Math.max(1, Math.min(batch, fusedRunFloats / perImage));
        int runs = (batch + images - 1) / images;
        int each = VectorKernels.packedBSize(inC, outC);
        float[] bp = ArrayPool.scratch(f.e * each);
        try {
            k.packBatch(f.e, false, u, 0, inC * outC, outC, inC, outC, bp);
            Parallel.forRange(runs, 2L * f.e * images * tpi * inC * outC, (r0, r1) -> {
                float[][] scratch = RUN.get();
                int vSize = f.e * images * tpi * inC;
                int mSize = f.e * images * tpi * outC;
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
                    inputTiles(f, in, from, to, inH, inW, inC, padT, padL, outH, outW, v, 0, t);
                    k.gemmBatchPacked(f.e, t, outC, inC, v, 0, t * inC, inC, bp, m, 0, t * outC, outC);
                    outputTiles(f, m, from, to, outH, outW, outC, out, 0, t);
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

    /** How many images one run takes so that its transformed tiles stay within {@link #MAX_RUN_FLOATS}. */
    private static int imagesPerRun(Tiling f, int tilesPerImage, int channels, int batch) {
        long perImage = (long) f.e * tilesPerImage * channels;
        return (int) Math.max(1, Math.min(batch, maxRunFloats / perImage));
    }

    // ---------------------------------------------------------------- transforms
    //
    // Each transform works on one vector of channels at a time, as two passes of a 1-D transform
    // of its tiling: the first along one axis of the tile writes to a small scratch array, which
    // stays in L1, and the second along the other axis reads it back. (Vectors kept in an array
    // of vectors would be boxed.) Channels past the last whole vector are masked off. A tile or
    // block that reaches past the image's edge is first gathered into scratch, zero outside.
    //
    // Both tilings' arithmetic is written out inside each loop, not called: a call the JIT
    // declines to inline (it does for large vector methods) passes its mask boxed and may run
    // code compiled without the vector intrinsics, many times slower.

    /**
     * {@code U[e] = (G g G^T)[e]} for every input and output channel pair, one vector of the
     * flattened (inC, outC) plane at a time: {@code u} holds {@code f.e} matrices of inC x outC,
     * kernel {@code w} is (3, 3, inC, outC).
     */
    private static void transformKernel(Tiling f, float[] w, int inC, int outC, float[] u) {
        int plane = inC * outC;
        int n = f.n;
        boolean four = f == Tiling.F4;
        Parallel.forRange(vectors(plane), 4L * f.e * L, (v0, v1) -> {
            float[] tmp = new float[3 * n * L];
            for (int src = v0 * L, end = Math.min(plane, v1 * L); src < end; src += L) {
                VectorMask<Float> mask = S.indexInRange(src, plane);
                // Pass 0: G g down each of the kernel's 3 columns into tmp (n x 3); pass 1:
                // (G g) G^T along each row of tmp.
                for (int pass = 0; pass < 2; pass++) {
                    for (int i = 0, count = pass == 0 ? 3 : n; i < count; i++) {
                        float[] a = pass == 0 ? w : tmp;
                        int at = pass == 0 ? i * plane + src : 3 * i * L;
                        int step = pass == 0 ? 3 * plane : L;
                        float[] d = pass == 0 ? tmp : u;
                        int to = pass == 0 ? i * L : n * i * plane + src;
                        int dStep = pass == 0 ? 3 * L : plane;
                        FloatVector g0 = FloatVector.fromArray(S, a, at, mask);
                        FloatVector g1 = FloatVector.fromArray(S, a, at + step, mask);
                        FloatVector g2 = FloatVector.fromArray(S, a, at + 2 * step, mask);
                        FloatVector even = g0.add(g2);
                        if (four) {
                            // G's rows: (1/4, 0, 0), -(1, 1, 1)/6, -(1, -1, 1)/6, (1/24, 1/12, 1/6),
                            // (1/24, -1/12, 1/6), (0, 0, 1).
                            FloatVector outer = g0.mul(1f / 24).add(g2.mul(1f / 6));
                            FloatVector middle = g1.mul(1f / 12);
                            g0.mul(0.25f).intoArray(d, to, mask);
                            even.add(g1).mul(-1f / 6).intoArray(d, to + dStep, mask);
                            even.sub(g1).mul(-1f / 6).intoArray(d, to + 2 * dStep, mask);
                            outer.add(middle).intoArray(d, to + 3 * dStep, mask);
                            outer.sub(middle).intoArray(d, to + 4 * dStep, mask);
                            g2.intoArray(d, to + 5 * dStep, mask);
                        } else {
                            // G's rows: (1, 0, 0), (1, 1, 1)/2, (1, -1, 1)/2, (0, 0, 1).
                            g0.intoArray(d, to, mask);
                            even.add(g1).mul(0.5f).intoArray(d, to + dStep, mask);
                            even.sub(g1).mul(0.5f).intoArray(d, to + 2 * dStep, mask);
                            g2.intoArray(d, to + 3 * dStep, mask);
                        }
                    }
                }
            }
        });
    }

    /** {@code dw += G^T dU G} for every channel pair, or {@code dw = G^T dU G} without {@code accumulate}. */
    private static void kernelGradient(Tiling f, float[] du, int inC, int outC, float[] dw, boolean accumulate) {
        int plane = inC * outC;
        int n = f.n;
        boolean four = f == Tiling.F4;
        Parallel.forRange(vectors(plane), 4L * f.e * L, (v0, v1) -> {
            float[] tmp = new float[3 * n * L];
            float[] row = new float[3 * L];
            for (int src = v0 * L, end = Math.min(plane, v1 * L); src < end; src += L) {
                VectorMask<Float> mask = S.indexInRange(src, plane);
                // Pass 0: G^T dU down each of the tile's n columns into tmp (3 x n); pass 1:
                // (G^T dU) G along each row of tmp, added into dw (or stored).
                for (int pass = 0; pass < 2; pass++) {
                    for (int i = 0, count = pass == 0 ? n : 3; i < count; i++) {
                        float[] a = pass == 0 ? du : tmp;
                        int at = pass == 0 ? i * plane + src : i * n * L;
                        int step = pass == 0 ? n * plane : L;
                        float[] d = pass == 0 ? tmp : row;
                        int to = pass == 0 ? i * L : 0;
                        int dStep = pass == 0 ? n * L : L;
                        FloatVector x0 = FloatVector.fromArray(S, a, at, mask);
                        FloatVector x1 = FloatVector.fromArray(S, a, at + step, mask);
                        FloatVector x2 = FloatVector.fromArray(S, a, at + 2 * step, mask);
                        FloatVector x3 = FloatVector.fromArray(S, a, at + 3 * step, mask);
                        if (four) {
                            // G's columns: (1/4, -1/6, -1/6, 1/24, 1/24, 0), (0, -1/6, 1/6, 1/12,
                            // -1/12, 0), (0, -1/6, -1/6, 1/6, 1/6, 1).
                            FloatVector x4 = FloatVector.fromArray(S, a, at + 4 * step, mask);
                            FloatVector x5 = FloatVector.fromArray(S, a, at + 5 * step, mask);
                            FloatVector sum12 = x1.add(x2);
                            FloatVector sum34 = x3.add(x4);
                            x0.mul(0.25f).sub(sum12.mul(1f / 6)).add(sum34.mul(1f / 24)).intoArray(d, to, mask);
                            x2.sub(x1).mul(1f / 6).add(x3.sub(x4).mul(1f / 12)).intoArray(d, to + dStep, mask);
                            sum34.sub(sum12).mul(1f / 6).add(x5).intoArray(d, to + 2 * dStep, mask);
                        } else {
                            // G's columns: (1, 1/2, 1/2, 0), (0, 1/2, -1/2, 0), (0, 1/2, 1/2, 1).
                            FloatVector mid = x1.add(x2).mul(0.5f);
                            x0.add(mid).intoArray(d, to, mask);
                            x1.sub(x2).mul(0.5f).intoArray(d, to + dStep, mask);
                            mid.add(x3).intoArray(d, to + 2 * dStep, mask);
                        }
                        if (pass == 1) {
                            for (int j = 0; j < 3; j++) {
                                int k = (3 * i + j) * plane + src;
                                if (accumulate) {
                                    FloatVector.fromArray(S, dw, k, mask).add(FloatVector.fromArray(S, row, j * L))
                                            .intoArray(dw, k, mask);
                                } else {
                                    FloatVector.fromArray(S, row, j * L).intoArray(dw, k, mask);
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * {@code V[e] = (B^T d B)[e]} for the tiles of images {@code [from, to)}, in tile order
     * (image, tile row, tile column): {@code v} holds {@code f.e} matrices of tiles x inC. The
     * tile of output block (th, tw) starts at input pixel (m th - padT, m tw - padL); pixels
     * outside the image are zero.
     */
    private static void transformInput(Tiling f, float[] in, int from, int to, int inH, int inW, int inC, int padT,
                                       int padL, int outH, int outW, float[] v) {
        int t = (to - from) * f.tilesPerImage(outH, outW);
        Parallel.forRange(t, 4L * f.e * inC, (t0, t1) -> inputTiles(f, in, from, to, inH, inW, inC, padT, padL, outH,
                outW, v, t0, t1));
    }

    /** {@link #transformInput} for tiles {@code [t0, t1)} of the run. */
    private static void inputTiles(Tiling f, float[] in, int from, int to, int inH, int inW, int inC, int padT,
                                   int padL, int outH, int outW, float[] v, int t0, int t1) {
        int n = f.n;
        boolean four = f == Tiling.F4;
        int tilesW = (outW + f.m - 1) / f.m;
        int tpi = f.tilesPerImage(outH, outW);
        int plane = (to - from) * tpi * inC;
        int rowStride = inW * inC;
        float[] edge = new float[f.e * L];
        float[] tmp = new float[f.e * L];
        for (int tile = t0; tile < t1; tile++) {
            int img = from + tile / tpi;
            int ih0 = f.m * (tile % tpi / tilesW) - padT;
            int iw0 = f.m * (tile % tilesW) - padL;
            boolean inside = ih0 >= 0 && ih0 + n <= inH && iw0 >= 0 && iw0 + n <= inW;
            for (int c = 0; c < inC; c += L) {
                VectorMask<Float> mask = S.indexInRange(c, inC);
                int origin = ((img * inH + ih0) * inW + iw0) * inC + c;
                if (!inside) {
                    gather(in, origin, rowStride, inC, ih0, inH, iw0, inW, n, n, mask, edge);
                }
                int dst = tile * inC + c;
                // Pass 0: B^T d down each of the tile's n columns into tmp; pass 1: (B^T d) B
                // along each row of tmp into v.
                for (int pass = 0; pass < 2; pass++) {
                    for (int i = 0; i < n; i++) {
                        float[] a = pass == 1 ? tmp : inside ? in : edge;
                        int at = pass == 1 ? i * n * L : inside ? origin + i * inC : i * L;
                        int step = pass == 1 ? L : inside ? rowStride : n * L;
                        float[] d = pass == 0 ? tmp : v;
                        int out = pass == 0 ? i * L : i * n * plane + dst;
                        int dStep = pass == 0 ? n * L : plane;
                        FloatVector d0 = FloatVector.fromArray(S, a, at, mask);
                        FloatVector d1 = FloatVector.fromArray(S, a, at + step, mask);
                        FloatVector d2 = FloatVector.fromArray(S, a, at + 2 * step, mask);
                        FloatVector d3 = FloatVector.fromArray(S, a, at + 3 * step, mask);
                        if (four) {
                            // B^T's rows: (4, 0, -5, 0, 1, 0), (0, -4, -4, 1, 1, 0), (0, 4, -4, -1, 1, 0),
                            // (0, -2, -1, 2, 1, 0), (0, 2, -1, -2, 1, 0), (0, 4, 0, -5, 0, 1).
                            FloatVector d4 = FloatVector.fromArray(S, a, at + 4 * step, mask);
                            FloatVector d5 = FloatVector.fromArray(S, a, at + 5 * step, mask);
                            FloatVector p = d4.sub(d2.mul(4f));
                            FloatVector q = d3.sub(d1.mul(4f));
                            FloatVector r = d4.sub(d2);
                            FloatVector s = d3.sub(d1).mul(2f);
                            d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(d, out, mask);
                            p.add(q).intoArray(d, out + dStep, mask);
                            p.sub(q).intoArray(d, out + 2 * dStep, mask);
                            r.add(s).intoArray(d, out + 3 * dStep, mask);
                            r.sub(s).intoArray(d, out + 4 * dStep, mask);
                            d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(d, out + 5 * dStep, mask);
                        } else {
                            // B^T's rows: (1, 0, -1, 0), (0, 1, 1, 0), (0, -1, 1, 0), (0, 1, 0, -1).
                            d0.sub(d2).intoArray(d, out, mask);
                            d1.add(d2).intoArray(d, out + dStep, mask);
                            d2.sub(d1).intoArray(d, out + 2 * dStep, mask);
                            d1.sub(d3).intoArray(d, out + 3 * dStep, mask);
                        }
                    }
                }
            }
        }
    }

    /**
     * Copies the {@code rows x cols} block of vectors at {@code origin} (rows {@code rowStride}
     * apart, columns {@code colStride}) into {@code edge}, row after row, with zeros where the
     * pixel (top + row, left + col) lies outside a {@code height x width} image.
     */
    private static void gather(float[] a, int origin, int rowStride, int colStride, int top, int height, int left,
                               int width, int rows, int cols, VectorMask<Float> mask, float[] edge) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                // (Branches, not a choice between two vectors, which would box them.)
                if (inside(top + i, height) && inside(left + j, width)) {
                    FloatVector.fromArray(S, a, origin + i * rowStride + j * colStride, mask)
                            .intoArray(edge, (i * cols + j) * L);
                } else {
                    FloatVector.zero(S).intoArray(edge, (i * cols + j) * L);
                }
            }
        }
    }

    private static boolean inside(int i, int size) {
        return i >= 0 && i < size;
    }

    /**
     * Writes {@code A^T M A}, the output block of each tile of images {@code [from, to)}, into
     * {@code out}; blocks that reach past the output's edge write only their part inside it.
     */
    private static void transformOutput(Tiling f, float[] m, int from, int to, int outH, int outW, int outC,
                                        float[] out) {
        int t = (to - from) * f.tilesPerImage(outH, outW);
        Parallel.forRange(t, 3L * f.e * outC, (t0, t1) -> outputTiles(f, m, from, to, outH, outW, outC, out, t0, t1));
    }

    /** {@link #transformOutput} for tiles {@code [t0, t1)} of the run. */
    private static void outputTiles(Tiling f, float[] m, int from, int to, int outH, int outW, int outC, float[] out,
                                    int t0, int t1) {
        int n = f.n;
        int mo = f.m;
        boolean four = f == Tiling.F4;
        int tilesW = (outW + mo - 1) / mo;
        int tpi = f.tilesPerImage(outH, outW);
        int plane = (to - from) * tpi * outC;
        int rowStride = outW * outC;
        float[] tmp = new float[mo * n * L];
        float[] row = new float[mo * L];
        for (int tile = t0; tile < t1; tile++) {
            int img = from + tile / tpi;
            int oh = mo * (tile % tpi / tilesW);
            int ow = mo * (tile % tilesW);
            int rows = Math.min(mo, outH - oh);
            int cols = Math.min(mo, outW - ow);
            for (int c = 0; c < outC; c += L) {
                VectorMask<Float> mask = S.indexInRange(c, outC);
                int src = tile * outC + c;
                int at0 = ((img * outH + oh) * outW + ow) * outC + c;
                // Pass 0: A^T M down each of the tile's n columns into tmp (m x n); pass 1:
                // (A^T M) A along each row of tmp inside the output (a ragged block through row).
                for (int pass = 0; pass < 2; pass++) {
                    for (int i = 0, count = pass == 0 ? n : rows; i < count; i++) {
                        float[] a = pass == 0 ? m : tmp;
                        int at = pass == 0 ? i * plane + src : i * n * L;
                        int step = pass == 0 ? n * plane : L;
                        float[] d = pass == 0 ? tmp : cols == mo ? out : row;
                        int to2 = pass == 0 ? i * L : cols == mo ? at0 + i * rowStride : 0;
                        int dStep = pass == 0 ? n * L : cols == mo ? outC : L;
                        FloatVector m0 = FloatVector.fromArray(S, a, at, mask);
                        FloatVector m1 = FloatVector.fromArray(S, a, at + step, mask);
                        FloatVector m2 = FloatVector.fromArray(S, a, at + 2 * step, mask);
                        FloatVector m3 = FloatVector.fromArray(S, a, at + 3 * step, mask);
                        if (four) {
                            // A^T's rows: (1, 1, 1, 1, 1, 0), (0, 1, -1, 2, -2, 0), (0, 1, 1, 4, 4, 0),
                            // (0, 1, -1, 8, -8, 1).
                            FloatVector m4 = FloatVector.fromArray(S, a, at + 4 * step, mask);
                            FloatVector m5 = FloatVector.fromArray(S, a, at + 5 * step, mask);
                            FloatVector sum12 = m1.add(m2);
                            FloatVector dif12 = m1.sub(m2);
                            FloatVector sum34 = m3.add(m4);
                            FloatVector dif34 = m3.sub(m4);
                            m0.add(sum12).add(sum34).intoArray(d, to2, mask);
                            dif12.add(dif34.mul(2f)).intoArray(d, to2 + dStep, mask);
                            sum12.add(sum34.mul(4f)).intoArray(d, to2 + 2 * dStep, mask);
                            dif12.add(dif34.mul(8f)).add(m5).intoArray(d, to2 + 3 * dStep, mask);
                        } else {
                            // A^T's rows: (1, 1, 1, 0), (0, 1, -1, -1).
                            m0.add(m1).add(m2).intoArray(d, to2, mask);
                            m1.sub(m2).sub(m3).intoArray(d, to2 + dStep, mask);
                        }
                        if (pass == 1 && cols < mo) {
                            for (int j = 0; j < cols; j++) {
                                FloatVector.fromArray(S, row, j * L).intoArray(out, at0 + i * rowStride + j * outC, mask);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * {@code dM = A dY A^T} for the tiles of images {@code [from, to)}: the gradient of the
     * transformed output, from each block of the output gradient (zero past its edge).
     */
    private static void transformOutputGradient(Tiling f, float[] dy, int from, int to, int outH, int outW, int outC,
                                                float[] dm) {
        int n = f.n;
        int mo = f.m;
        boolean four = f == Tiling.F4;
        int tilesW = (outW + mo - 1) / mo;
        int tpi = f.tilesPerImage(outH, outW);
        int t = (to - from) * tpi;
        int plane = t * outC;
        int rowStride = outW * outC;
        Parallel.forRange(t, 3L * f.e * outC, (t0, t1) -> {
            float[] edge = new float[mo * mo * L];
            float[] tmp = new float[n * mo * L];
            for (int tile = t0; tile < t1; tile++) {
                int img = from + tile / tpi;
                int oh = mo * (tile % tpi / tilesW);
                int ow = mo * (tile % tilesW);
                boolean whole = oh + mo <= outH && ow + mo <= outW;
                for (int c = 0; c < outC; c += L) {
                    VectorMask<Float> mask = S.indexInRange(c, outC);
                    int origin = ((img * outH + oh) * outW + ow) * outC + c;
                    if (!whole) {
                        gather(dy, origin, rowStride, outC, oh, outH, ow, outW, mo, mo, mask, edge);
                    }
                    int dst = tile * outC + c;
                    // Pass 0: A e down each of the block's m columns into tmp (n x m); pass 1:
                    // (A e) A^T along each row of tmp into dm.
                    for (int pass = 0; pass < 2; pass++) {
                        for (int i = 0, count = pass == 0 ? mo : n; i < count; i++) {
                            float[] a = pass == 1 ? tmp : whole ? dy : edge;
                            int at = pass == 1 ? i * mo * L : whole ? origin + i * outC : i * L;
                            int step = pass == 1 ? L : whole ? rowStride : mo * L;
                            float[] d = pass == 0 ? tmp : dm;
                            int out = pass == 0 ? i * L : i * n * plane + dst;
                            int dStep = pass == 0 ? mo * L : plane;
                            FloatVector e0 = FloatVector.fromArray(S, a, at, mask);
                            FloatVector e1 = FloatVector.fromArray(S, a, at + step, mask);
                            if (four) {
                                // A's rows: (1, 0, 0, 0), (1, 1, 1, 1), (1, -1, 1, -1), (1, 2, 4, 8),
                                // (1, -2, 4, -8), (0, 0, 0, 1).
                                FloatVector e2 = FloatVector.fromArray(S, a, at + 2 * step, mask);
                                FloatVector e3 = FloatVector.fromArray(S, a, at + 3 * step, mask);
                                FloatVector even = e0.add(e2);
                                FloatVector odd = e1.add(e3);
                                FloatVector even4 = e0.add(e2.mul(4f));
                                FloatVector odd4 = e1.mul(2f).add(e3.mul(8f));
                                e0.intoArray(d, out, mask);
                                even.add(odd).intoArray(d, out + dStep, mask);
                                even.sub(odd).intoArray(d, out + 2 * dStep, mask);
                                even4.add(odd4).intoArray(d, out + 3 * dStep, mask);
                                even4.sub(odd4).intoArray(d, out + 4 * dStep, mask);
                                e3.intoArray(d, out + 5 * dStep, mask);
                            } else {
                                // A's rows: (1, 0), (1, 1), (1, -1), (0, -1).
                                e0.intoArray(d, out, mask);
                                e0.add(e1).intoArray(d, out + dStep, mask);
                                e0.sub(e1).intoArray(d, out + 2 * dStep, mask);
                                e1.neg().intoArray(d, out + 3 * dStep, mask);
                            }
                        }
                    }
                }
            }
        });
    }

    // ---------------------------------------------------------------- tilings

    /** A tiling: m x m output blocks from n x n input tiles (n = m + 2). */
    static final class Tiling {

        /** F(2x2, 3x3): 16 products per 2x2 block (Lavin and Gray's matrices). */
        static final Tiling F2 = new Tiling(2);
        /** F(4x4, 3x3): 36 products per 4x4 block, at the points 0, 1, -1, 2, -2 and infinity (theirs too). */
        static final Tiling F4 = new Tiling(4);

        /** Outputs per block side. */
        final int m;
        /** Inputs per tile side. */
        final int n;
        /** Elements of a transformed tile: the products per channel pair. */
        final int e;

        private Tiling(int m) {
            this.m = m;
            this.n = m + 2;
            this.e = n * n;
        }

        /**
         * The tiling with fewer products for an output of {@code outH x outW}: F(4x4, 3x3) unless
         * its larger blocks waste more on a small image than they save (a 2x2 image takes one
         * F(2x2, 3x3) tile of 16 products against 36).
         */
        static Tiling of(int outH, int outW) {
            return (long) F4.tilesPerImage(outH, outW) * F4.e < (long) F2.tilesPerImage(outH, outW) * F2.e ? F4 : F2;
        }

        int tilesPerImage(int outH, int outW) {
            return ((outH + m - 1) / m) * ((outW + m - 1) / m);
        }

        @Override
        public String toString() {
            return "F(" + m + "x" + m + ", 3x3)";
        }
    }
}
