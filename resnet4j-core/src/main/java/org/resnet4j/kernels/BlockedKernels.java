package org.resnet4j.kernels;

import java.util.Arrays;
import org.resnet4j.tensor.ArrayPool;

/**
 * Plain-Java kernels that route convolution through GEMM: a 1x1 stride-1 convolution in NHWC
 * is already a matrix product, larger kernels are unrolled with im2col first, and a small image
 * under a large kernel skips its padding taps, one product per output pixel and kernel row
 * ({@link #skipsPadding}). The GEMM is
 * cache-blocked (a {@code KC x NC} panel of B stays in L2 while rows of A stream past it) and
 * split over output rows across {@link KernelRegistry#threads()} threads. Its innermost loop is a
 * contiguous {@code c[j] += a * b[j]} that the JIT compiles to SIMD instructions.
 *
 * <p>Each output element is accumulated over {@code k} in increasing order whatever the blocking
 * or thread count, so results are identical for every thread count.
 */
public class BlockedKernels extends ScalarKernels {

    /** Depth of a B panel: 256 rows of floats keep a panel of NC columns within L2. */
    private static final int KC = 256;
    /** Width of a B panel. */
    private static final int NC = 512;
    /** Below this many multiply-adds the fork-join overhead outweighs a second thread. */
    private static final long PARALLEL_THRESHOLD = 1L << 18;

    /**
     * About the most floats an im2col matrix holds at once (8 MB): a convolution whose patches
     * for the whole batch would take more runs on a few images at a time, one GEMM each. The
     * notebook's first convolution at batch 32 would need 19 MB for all of them; it runs in three.
     */
    static final int MAX_PATCH_FLOATS = 1 << 21;
    /** The most products a convolution that skips its padding taps may take ({@link #skipsPadding}). */
    static final int TAP_MAX_PRODUCTS = 16;
    /**
     * The smallest batch that skips padding taps: each product reads its kernel rows once for
     * the batch, so a kernel row used by several output pixels is read several times; with few
     * images, reading the kernel costs more than the padding's multiplications.
     */
    static final int TAP_MIN_BATCH = 16;

    private final ThreadLocal<float[]> patchBuffer = ThreadLocal.withInitial(() -> new float[0]);
    /** {@link #MAX_PATCH_FLOATS}, lowered by tests to exercise the image chunks on small inputs. */
    private int maxPatchFloats = MAX_PATCH_FLOATS;

    @Override
    public String name() {
        return "blocked";
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        if (!prepareOutput(m, n, k, c, cOff, ldc, accumulate)) {
            return;
        }
        // B is read once per row of A: give it a contiguous k x n layout when it is transposed.
        float[] bp = b;
        int bpOff = bOff;
        int bpLd = ldb;
        if (transB) {
            bp = new float[k * n];
            for (int j = 0; j < n; j++) {
                int src = bOff + j * ldb;
                for (int p = 0; p < k; p++) {
                    bp[p * n + j] = b[src + p];
                }
            }
            bpOff = 0;
            bpLd = n;
        }
        final float[] fb = bp;
        final int fbOff = bpOff;
        final int fbLd = bpLd;
        int threads = KernelRegistry.threads();
        long work = (long) m * n * k;
        if (threads <= 1 || m < 2 || work < PARALLEL_THRESHOLD) {
            gemmRows(0, m, transA, n, k, a, aOff, lda, fb, fbOff, fbLd, c, cOff, ldc);
            return;
        }
        int chunks = Math.min(m, threads * 4);
        KernelRegistry.pool().run(chunks, t -> gemmRows((int) ((long) m * t / chunks), (int) ((long) m * (t + 1) / chunks),
                transA, n, k, a, aOff, lda, fb, fbOff, fbLd, c, cOff, ldc));
    }

    /**
     * Zeroes C unless accumulating; returns false when there is nothing left to compute
     * (an empty C, or no depth).
     */
    static boolean prepareOutput(int m, int n, int k, float[] c, int cOff, int ldc, boolean accumulate) {
        if (m == 0 || n == 0) {
            return false;
        }
        if (!accumulate) {
            for (int i = 0; i < m; i++) {
                Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            }
        }
        return k != 0;
    }

    /** Rows {@code [r0, r1)} of C += op(A) * B, B non-transposed. */
    private static void gemmRows(int r0, int r1, boolean transA, int n, int k,
                                 float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                 float[] c, int cOff, int ldc) {
        float[] aRow = transA ? new float[Math.min(k, KC)] : null;
        for (int jc = 0; jc < n; jc += NC) {
            int jn = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int pn = Math.min(KC, k - pc);
                for (int i = r0; i < r1; i++) {
                    float[] ar;
                    int arOff;
                    if (transA) {
                        for (int p = 0; p < pn; p++) {
                            aRow[p] = a[aOff + (pc + p) * lda + i];
                        }
                        ar = aRow;
                        arOff = 0;
                    } else {
                        ar = a;
                        arOff = aOff + i * lda + pc;
                    }
                    int ci = cOff + i * ldc + jc;
                    for (int p = 0; p < pn; p++) {
                        float av = ar[arOff + p];
                        int bi = bOff + (pc + p) * ldb + jc;
                        for (int j = 0; j < jn; j++) {
                            c[ci + j] += av * b[bi + j];
                        }
                    }
                }
            }
        }
    }

    @Override
    public void conv2dForward(Conv2dGeometry g, float[] x, float[] w, float[] y) {
        if (skipsPadding(g)) {
            Arrays.fill(y, 0, g.outputSize(), 0f);
            forEachTapRun(g, (p, ih, iw, tap, taps) -> gemm(false, false, g.batch(), g.outC(), taps * g.inC(),
                    x, (ih * g.inW() + iw) * g.inC(), g.inH() * g.inW() * g.inC(), w, tap * g.inC() * g.outC(), g.outC(),
                    y, p * g.outC(), g.outH() * g.outW() * g.outC(), true));
            return;
        }
        if (g.isPointwise()) {
            gemm(false, false, g.patchRows(), g.outC(), g.inC(), x, 0, g.inC(), w, 0, g.outC(), y, 0, g.outC(), false);
            return;
        }
        int cols = g.patchCols();
        inImageRuns(g, (col, from, to, r0, rows) -> {
            im2col(g, x, col, r0, rows);
            gemm(false, false, rows, g.outC(), cols, col, 0, cols, w, 0, g.outC(), y, r0 * g.outC(), g.outC(), false);
        });
    }

    @Override
    public void conv2dBackwardInput(Conv2dGeometry g, float[] dy, float[] w, float[] dx) {
        if (skipsPadding(g)) {
            tapBackwardInput(g, dy, w, dx);
            return;
        }
        if (g.isPointwise()) {
            gemm(false, true, g.patchRows(), g.inC(), g.outC(), dy, 0, g.outC(), w, 0, g.outC(), dx, 0, g.inC(), false);
            return;
        }
        int cols = g.patchCols();
        inImageRuns(g, (col, from, to, r0, rows) -> {
            gemm(false, true, rows, cols, g.outC(), dy, r0 * g.outC(), g.outC(), w, 0, g.outC(), col, 0, cols, false);
            col2im(g, col, from, to, dx);
        });
    }

    @Override
    public void conv2dBackwardKernel(Conv2dGeometry g, float[] x, float[] dy, float[] dw, boolean accumulate) {
        if (skipsPadding(g)) {
            // Several products add into each tap: they all accumulate, onto zeros when overwriting.
            if (!accumulate) {
                // The last stage's kernel is megabytes: zeroed by both threads.
                Parallel.forRange(g.kernelSize(), 1, (from, to) -> Arrays.fill(dw, from, to, 0f));
            }
            forEachTapRun(g, (p, ih, iw, tap, taps) -> gemm(true, false, taps * g.inC(), g.outC(), g.batch(),
                    x, (ih * g.inW() + iw) * g.inC(), g.inH() * g.inW() * g.inC(), dy, p * g.outC(),
                    g.outH() * g.outW() * g.outC(), dw, tap * g.inC() * g.outC(), g.outC(), true));
            return;
        }
        if (g.isPointwise()) {
            gemm(true, false, g.inC(), g.outC(), g.patchRows(), x, 0, g.inC(), dy, 0, g.outC(), dw, 0, g.outC(),
                    accumulate);
            return;
        }
        int cols = g.patchCols();
        inImageRuns(g, (col, from, to, r0, rows) -> {
            im2col(g, x, col, r0, rows);
            // The first run of images overwrites when asked to; the others add to it.
            gemm(true, false, cols, g.outC(), rows, col, 0, cols, dy, r0 * g.outC(), g.outC(), dw, 0, g.outC(),
                    accumulate || from > 0);
        });
    }

    /**
     * Whether a convolution's forward pass and kernel gradient skip its padding taps
     * ({@link #forEachTapRun}) instead of unrolling patches: stride 1, a batch of at least
     * {@link #TAP_MIN_BATCH}, at most {@link #TAP_MAX_PRODUCTS} products, and at least half of
     * the im2col matrix padding. That is a small image under a kernel as large as it, such as
     * the notebook's last stage, 3x3 on 2x2 images, where each output pixel sees 4 of the 9
     * taps: at batch 32 its forward pass took 2.3 ms instead of 3.9, its kernel gradient 2.7
     * instead of 4.0. Its input gradient goes tap by tap ({@link #tapBackwardInput}): 2.4 ms
     * instead of 4.1 through im2col.
     */
    static boolean skipsPadding(Conv2dGeometry g) {
        if (g.strideH() != 1 || g.strideW() != 1 || g.isPointwise() || g.batch() < TAP_MIN_BATCH) {
            return false;
        }
        long valid = 0;
        int products = 0;
        for (int oh = 0; oh < g.outH(); oh++) {
            int rows = tapEnd(oh, g.padTop(), g.kH(), g.inH()) - tapStart(oh, g.padTop());
            for (int ow = 0; ow < g.outW(); ow++) {
                int cols = tapEnd(ow, g.padLeft(), g.kW(), g.inW()) - tapStart(ow, g.padLeft());
                if (rows > 0 && cols > 0) {
                    valid += (long) rows * cols;
                    products += rows;
                }
            }
        }
        return products <= TAP_MAX_PRODUCTS && 2 * valid <= (long) g.outH() * g.outW() * g.kH() * g.kW();
    }

    /**
     * The input gradient on {@link #skipsPadding}'s geometries, tap by tap, with the kernel read
     * as it lies: for tap {@code t}, {@code C = W_t D^T}, where the rows of {@code D} are those
     * rows of dy (output pixel, image) whose input pixel under tap {@code t} lies inside the
     * image, and column {@code (pixel, image)} of {@code C} is then added into that input
     * pixel's row of dx. Only the taps that land inside are multiplied, and no product reads
     * the kernel transposed (which would mean packing all of it turned, megabytes in the last
     * stage, every step). Taps are added in order, so results do not depend on the thread count.
     */
    private void tapBackwardInput(Conv2dGeometry g, float[] dy, float[] w, float[] dx) {
        int inC = g.inC();
        int outC = g.outC();
        int batch = g.batch();
        int outPixels = g.outH() * g.outW();
        int inPixels = g.inH() * g.inW();
        Parallel.forRange(g.inputSize(), 1, (from, to) -> Arrays.fill(dx, from, to, 0f));
        int[] outPixel = new int[outPixels];
        int[] inPixel = new int[outPixels];
        float[] d = ArrayPool.scratch(outPixels * batch * outC);
        float[] c = ArrayPool.scratch(inC * outPixels * batch);
        try {
            for (int kh = 0; kh < g.kH(); kh++) {
                for (int kw = 0; kw < g.kW(); kw++) {
                    int v = 0;
                    for (int oh = 0; oh < g.outH(); oh++) {
                        int ih = oh - g.padTop() + kh;
                        for (int ow = 0; ow < g.outW(); ow++) {
                            int iw = ow - g.padLeft() + kw;
                            if (ih >= 0 && ih < g.inH() && iw >= 0 && iw < g.inW()) {
                                outPixel[v] = oh * g.outW() + ow;
                                inPixel[v++] = ih * g.inW() + iw;
                            }
                        }
                    }
                    if (v == 0) {
                        continue;
                    }
                    int cols = v * batch;
                    Parallel.forRange(cols, outC, (from, to) -> {
                        for (int r = from; r < to; r++) {
                            int src = ((r % batch) * outPixels + outPixel[r / batch]) * outC;
                            System.arraycopy(dy, src, d, r * outC, outC);
                        }
                    });
                    gemm(false, true, inC, cols, outC, w, (kh * g.kW() + kw) * inC * outC, outC, d, 0, outC,
                            c, 0, cols, false);
                    Parallel.forRange((inC + 15) / 16, 16L * cols, (b0, b1) -> {
                        // C's columns into dx's rows; 16 rows of C at a time stay in L1.
                        int ci0 = b0 * 16;
                        int ci1 = Math.min(inC, b1 * 16);
                        for (int col = 0; col < cols; col++) {
                            int dst = ((col % batch) * inPixels + inPixel[col / batch]) * inC;
                            for (int ci = ci0; ci < ci1; ci++) {
                                dx[dst + ci] += c[ci * cols + col];
                            }
                        }
                    });
                }
            }
        } finally {
            ArrayPool.recycle(c);
            ArrayPool.recycle(d);
        }
    }

    /** The first kernel tap along one axis that lands inside the input, for output position {@code o}. */
    private static int tapStart(int o, int pad) {
        return Math.max(0, pad - o);
    }

    /** One past the last kernel tap along one axis that lands inside an input of {@code size}. */
    private static int tapEnd(int o, int pad, int k, int size) {
        return Math.min(k, size + pad - o);
    }

    /** One product of {@link #forEachTapRun}. */
    private interface TapRun {
        /**
         * Output pixel {@code p} (of one image), its kernel row's taps {@code [tap, tap + taps)}
         * (flat over kH x kW) on input pixels {@code (ih, iw ... iw + taps - 1)}.
         */
        void run(int p, int ih, int iw, int tap, int taps);
    }

    /**
     * The convolution as products over the batch, one per output pixel and kernel row, each
     * over the row's taps that land inside the input: those taps are consecutive rows of the
     * kernel ({@code (kH, kW, inC, outC)}), and their input pixels consecutive values of each
     * image (NHWC), so every product reads its operands in place, with the images as its rows.
     * Products run in a fixed order, so results do not depend on the thread count.
     */
    private static void forEachTapRun(Conv2dGeometry g, TapRun body) {
        for (int oh = 0; oh < g.outH(); oh++) {
            int kh0 = tapStart(oh, g.padTop());
            int kh1 = tapEnd(oh, g.padTop(), g.kH(), g.inH());
            for (int ow = 0; ow < g.outW(); ow++) {
                int kw0 = tapStart(ow, g.padLeft());
                int kw1 = tapEnd(ow, g.padLeft(), g.kW(), g.inW());
                for (int kh = kh0; kh < kh1 && kw0 < kw1; kh++) {
                    body.run(oh * g.outW() + ow, oh - g.padTop() + kh, ow - g.padLeft() + kw0, kh * g.kW() + kw0,
                            kw1 - kw0);
                }
            }
        }
    }

    /** What a convolution does with the patch matrix of one run of images. */
    private interface ImageRun {
        /** Images {@code [from, to)}: patch rows {@code [r0, r0 + rows)}, held by {@code col} from its start. */
        void run(float[] col, int from, int to, int r0, int rows);
    }

    /**
     * Runs {@code body} over the batch in runs of images whose patches fit in
     * {@link #MAX_PATCH_FLOATS}, with one patch matrix for them all: from the active
     * {@link ArrayPool} inside a model's run (so that it is shared with the run's tensors and is
     * not garbage when a larger one is needed), else the thread's own scratch array.
     */
    private void inImageRuns(Conv2dGeometry g, ImageRun body) {
        int chunks = imageChunks(g);
        int perImage = g.outH() * g.outW();
        int size = ceilDiv(g.batch(), chunks) * perImage * g.patchCols();
        ArrayPool pool = size >= ArrayPool.MIN_FLOATS ? ArrayPool.active() : null;
        float[] col = pool != null ? pool.takeUninitialized(size) : buffer(size);
        try {
            for (int c = 0; c < chunks; c++) {
                int from = chunkStart(g, chunks, c);
                int to = chunkStart(g, chunks, c + 1);
                body.run(col, from, to, from * perImage, (to - from) * perImage);
            }
        } finally {
            if (pool != null) {
                pool.give(col);
            }
        }
    }

    /**
     * Into how many runs of images of about equal size the batch is split so that each run's
     * patches fit in {@link #MAX_PATCH_FLOATS} (a run of one image may exceed it).
     */
    private int imageChunks(Conv2dGeometry g) {
        long perImage = (long) g.outH() * g.outW() * g.patchCols();
        long imagesPerRun = Math.max(1, maxPatchFloats / perImage);
        return (int) Math.min(g.batch(), (g.batch() + imagesPerRun - 1) / imagesPerRun);
    }

    /** The first image of run {@code c} of {@code chunks} (the batch's size for {@code c == chunks}). */
    private static int chunkStart(Conv2dGeometry g, int chunks, int c) {
        return (int) ((long) g.batch() * c / chunks);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Sets the im2col limit, for tests (at least one float). */
    void setMaxPatchFloats(int floats) {
        this.maxPatchFloats = Math.max(1, floats);
    }

    /**
     * Unrolls the receptive fields of patch rows {@code [r0, r0 + rows)} into the rows of
     * {@code col}, one per output pixel ({@code kH*kW*inC} values, zeros for padding).
     */
    private static void im2col(Conv2dGeometry g, float[] x, float[] col, int r0, int rows) {
        int cols = g.patchCols();
        Parallel.forRange(rows, cols, (from, to) -> im2colRows(g, x, col, r0, r0 + from, r0 + to));
    }

    /** Patch rows {@code [from, to)} into {@code col}, whose first row is patch row {@code r0}. */
    private static void im2colRows(Conv2dGeometry g, float[] x, float[] col, int r0, int from, int to) {
        int cols = g.patchCols();
        int inC = g.inC();
        int perImage = g.outH() * g.outW();
        for (int row = from; row < to; row++) {
            int nb = row / perImage;
            int oh = (row % perImage) / g.outW();
            int ow = row % g.outW();
            int dst = (row - r0) * cols;
            int iw0 = ow * g.strideW() - g.padLeft();
            // A kernel row that lies wholly inside the image is one run of kW * inC values.
            boolean inside = iw0 >= 0 && iw0 + g.kW() <= g.inW();
            for (int kh = 0; kh < g.kH(); kh++) {
                int ih = oh * g.strideH() - g.padTop() + kh;
                if (inside && ih >= 0 && ih < g.inH()) {
                    System.arraycopy(x, ((nb * g.inH() + ih) * g.inW() + iw0) * inC, col, dst, g.kW() * inC);
                    dst += g.kW() * inC;
                    continue;
                }
                for (int kw = 0; kw < g.kW(); kw++, dst += inC) {
                    int iw = iw0 + kw;
                    if (ih < 0 || ih >= g.inH() || iw < 0 || iw >= g.inW()) {
                        Arrays.fill(col, dst, dst + inC, 0f);
                    } else {
                        System.arraycopy(x, ((nb * g.inH() + ih) * g.inW() + iw) * inC, col, dst, inC);
                    }
                }
            }
        }
    }

    /**
     * The adjoint of im2col for images {@code [first, last)}, whose patch rows {@code col} holds
     * from its start: sets their input gradient to the sum of every patch entry taken from each
     * pixel. Images are independent (split over threads); within one the rows are added in order.
     */
    private static void col2im(Conv2dGeometry g, float[] col, int first, int last, float[] dx) {
        int perImage = g.inH() * g.inW() * g.inC();
        Parallel.forRange(last - first, (long) g.outH() * g.outW() * g.patchCols(), (from, to) -> {
            Arrays.fill(dx, (first + from) * perImage, (first + to) * perImage, 0f);
            for (int i = from; i < to; i++) {
                col2imImage(g, col, i * g.outH() * g.outW(), dx, first + i);
            }
        });
    }

    /** Adds the patch rows of image {@code nb}, at row {@code row} of {@code col}, into its input gradient. */
    private static void col2imImage(Conv2dGeometry g, float[] col, int row, float[] dx, int nb) {
        int cols = g.patchCols();
        int inC = g.inC();
        for (int oh = 0; oh < g.outH(); oh++) {
            for (int ow = 0; ow < g.outW(); ow++, row++) {
                int src = row * cols;
                for (int kh = 0; kh < g.kH(); kh++) {
                    int ih = oh * g.strideH() - g.padTop() + kh;
                    for (int kw = 0; kw < g.kW(); kw++, src += inC) {
                        int iw = ow * g.strideW() - g.padLeft() + kw;
                        if (ih < 0 || ih >= g.inH() || iw < 0 || iw >= g.inW()) {
                            continue;
                        }
                        int dst = ((nb * g.inH() + ih) * g.inW() + iw) * inC;
                        for (int ci = 0; ci < inC; ci++) {
                            dx[dst + ci] += col[src + ci];
                        }
                    }
                }
            }
        }
    }

    // Element-wise work, split over the kernel threads. Each index is written by one chunk with
    // the reference loop body, so results equal the scalar kernels' bit for bit.

    @Override
    public void reluForward(float[] x, float[] y, int n) {
        Parallel.forRange(n, 1, (from, to) -> ScalarKernels.reluForward(x, y, from, to));
    }

    @Override
    public void reluBackward(float[] y, float[] dy, float[] dx, int n) {
        Parallel.forRange(n, 1, (from, to) -> ScalarKernels.reluBackward(y, dy, dx, from, to));
    }

    @Override
    public void add(float[] a, float[] b, float[] y, int n) {
        Parallel.forRange(n, 1, (from, to) -> ScalarKernels.add(a, b, y, from, to));
    }

    @Override
    public void channelAffine(float[] x, int rows, int channels, float[] scale, float[] shift, float[] y) {
        Parallel.forRange(rows, channels, (from, to) -> ScalarKernels.channelAffine(x, from, to, channels, scale, shift, y));
    }

    @Override
    public void addRowVector(float[] y, int rows, int cols, float[] v) {
        Parallel.forRange(rows, cols, (from, to) -> ScalarKernels.addRowVector(y, from, to, cols, v));
    }

    @Override
    public void biasAffineRelu(float[] x, int rows, int channels, float[] bias, float[] scale, float[] shift,
                               boolean relu, float[] y) {
        Parallel.forRange(rows, channels,
                (from, to) -> ScalarKernels.biasAffineRelu(x, from, to, channels, 0, bias, scale, shift, relu, y));
    }

    @Override
    public void addRelu(float[] a, float[] b, float[] y, int n) {
        Parallel.forRange(n, 1, (from, to) -> ScalarKernels.addRelu(a, b, y, from, to));
    }

    @Override
    public void batchNormBackwardInput(float[] x, float[] dy, int rows, int channels, float[] mean, float[] invStd,
                                       float[] gamma, double[] sumDy, double[] sumDyXhat, boolean training,
                                       float[] dx) {
        float[][] coef = batchNormBackwardCoefficients(rows, channels, invStd, gamma, sumDy, sumDyXhat, training);
        Parallel.forRange(rows, 2L * channels,
                (from, to) -> ScalarKernels.batchNormBackwardInput(x, dy, from, to, channels, mean, invStd, coef, dx));
    }

    /**
     * Image by image over the threads: each image's maxima come from its own input, so the
     * images' parts of {@code dx} are disjoint, and each element gets its sums in the
     * reference's order.
     */
    @Override
    public void maxPoolBackward(Pool2dGeometry g, float[] dy, int[] argmax, float[] dx) {
        int in = g.inH() * g.inW() * g.channels();
        int out = g.outH() * g.outW() * g.channels();
        Parallel.forRange(g.batch(), 2L * (in + out), (from, to) -> {
            Arrays.fill(dx, from * in, to * in, 0f);
            for (int i = from * out; i < to * out; i++) {
                dx[argmax[i]] += dy[i];
            }
        });
    }

    /**
     * Output pixels over the threads; each window position adds a whole row of channels, in the
     * reference's window order, so every sum is the reference's.
     */
    @Override
    public void avgPoolForward(Pool2dGeometry g, float[] x, float[] y) {
        int c = g.channels();
        int pixels = g.outH() * g.outW();
        Parallel.forRange(g.batch() * pixels, (long) c * g.poolH() * g.poolW(), (from, to) -> {
            for (int p = from; p < to; p++) {
                int nb = p / pixels;
                int oh = p % pixels / g.outW();
                int ow = p % g.outW();
                int yBase = p * c;
                Arrays.fill(y, yBase, yBase + c, 0f);
                int h0 = g.windowTop(oh);
                int h1 = g.windowBottom(oh);
                int w0 = g.windowLeft(ow);
                int w1 = g.windowRight(ow);
                for (int ih = h0; ih < h1; ih++) {
                    for (int iw = w0; iw < w1; iw++) {
                        int xBase = ((nb * g.inH() + ih) * g.inW() + iw) * c;
                        for (int ch = 0; ch < c; ch++) {
                            y[yBase + ch] += x[xBase + ch];
                        }
                    }
                }
                int count = Math.max(0, h1 - h0) * Math.max(0, w1 - w0);
                for (int ch = 0; ch < c; ch++) {
                    y[yBase + ch] /= count;
                }
            }
        });
    }

    // Per-channel sums: the reference's chunks of rows, shared among the threads; the chunks'
    // sums are added in the reference's order, so the results are its own bit for bit.

    /** Where channel ranges of a per-channel sum may start: a multiple of any vector length. */
    static final int CHANNEL_ALIGN = 64;

    /**
     * Runs the chunks of a per-channel sum over the threads; when there are fewer chunks than
     * threads (few rows: the last stage's 128 at batch 32 make one), each chunk's channels are
     * cut into as many ranges, at multiples of {@link #CHANNEL_ALIGN}.
     */
    static final ScalarKernels.Chunks PARALLEL = (n, channels, cost, part) -> {
        int threads = KernelRegistry.threads();
        int ranges = Math.max(1, Math.min((threads + n - 1) / n, channels / CHANNEL_ALIGN));
        Parallel.forRange(n * ranges, cost / ranges, (from, to) -> {
            for (int t = from; t < to; t++) {
                int r = t % ranges;
                part.run(t / ranges, channelBound(channels, r, ranges), channelBound(channels, r + 1, ranges));
            }
        });
    };

    /** The first channel of range {@code r} of {@code ranges} ({@code channels} for {@code r == ranges}). */
    static int channelBound(int channels, int r, int ranges) {
        if (r == ranges) {
            return channels;
        }
        return (int) ((long) channels * r / ranges / CHANNEL_ALIGN * CHANNEL_ALIGN);
    }

    @Override
    public void channelMoments(float[] x, int rows, int channels, float[] mean, float[] variance) {
        ScalarKernels.channelMoments(x, rows, channels, mean, variance, PARALLEL);
    }

    @Override
    public void addColumnSums(float[] x, int rows, int cols, float[] acc) {
        ScalarKernels.addColumnSums(x, rows, cols, acc, PARALLEL);
    }

    @Override
    public void batchNormGradSums(float[] x, float[] dy, int rows, int channels, float[] mean, float[] invStd,
                                  double[] sumDy, double[] sumDyXhat) {
        ScalarKernels.batchNormGradSums(rows, channels, sumDy, sumDyXhat, PARALLEL,
                ScalarKernels.gradSumsChunk(x, dy, rows, channels, mean, invStd));
    }

    /** A per-thread scratch array of at least {@code size} floats, reused across calls. */
    private float[] buffer(int size) {
        float[] buf = patchBuffer.get();
        if (buf.length < size) {
            buf = new float[size];
            patchBuffer.set(buf);
        }
        return buf;
    }
}
