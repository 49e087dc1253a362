package org.resnet4j.kernels;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Plain-Java kernels that route convolution through one GEMM: a 1x1 stride-1 convolution in NHWC
 * is already a matrix product, and larger kernels are unrolled with im2col first. The GEMM is
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

    private final ThreadLocal<float[]> patchBuffer = ThreadLocal.withInitial(() -> new float[0]);

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
        KernelRegistry.pool().invoke(new RecursiveAction() {
            @Override
            protected void compute() {
                RecursiveAction[] parts = new RecursiveAction[chunks];
                for (int t = 0; t < chunks; t++) {
                    int r0 = (int) ((long) m * t / chunks);
                    int r1 = (int) ((long) m * (t + 1) / chunks);
                    parts[t] = new RecursiveAction() {
                        @Override
                        protected void compute() {
                            gemmRows(r0, r1, transA, n, k, a, aOff, lda, fb, fbOff, fbLd, c, cOff, ldc);
                        }
                    };
                }
                invokeAll(parts);
            }
        });
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
        if (g.isPointwise()) {
            gemm(false, false, g.patchRows(), g.outC(), g.inC(), x, 0, g.inC(), w, 0, g.outC(), y, 0, g.outC(), false);
            return;
        }
        float[] col = im2col(g, x);
        gemm(false, false, g.patchRows(), g.outC(), g.patchCols(), col, 0, g.patchCols(), w, 0, g.outC(),
                y, 0, g.outC(), false);
    }

    @Override
    public void conv2dBackwardInput(Conv2dGeometry g, float[] dy, float[] w, float[] dx) {
        if (g.isPointwise()) {
            gemm(false, true, g.patchRows(), g.inC(), g.outC(), dy, 0, g.outC(), w, 0, g.outC(), dx, 0, g.inC(), false);
            return;
        }
        float[] col = buffer(g.patchRows() * g.patchCols());
        gemm(false, true, g.patchRows(), g.patchCols(), g.outC(), dy, 0, g.outC(), w, 0, g.outC(),
                col, 0, g.patchCols(), false);
        col2im(g, col, dx);
    }

    @Override
    public void conv2dBackwardKernel(Conv2dGeometry g, float[] x, float[] dy, float[] dw) {
        if (g.isPointwise()) {
            gemm(true, false, g.inC(), g.outC(), g.patchRows(), x, 0, g.inC(), dy, 0, g.outC(), dw, 0, g.outC(), true);
            return;
        }
        float[] col = im2col(g, x);
        gemm(true, false, g.patchCols(), g.outC(), g.patchRows(), col, 0, g.patchCols(), dy, 0, g.outC(),
                dw, 0, g.outC(), true);
    }

    /** Unrolls every receptive field into one row: {@code (patchRows, kH*kW*inC)}, zeros for padding. */
    private float[] im2col(Conv2dGeometry g, float[] x) {
        int cols = g.patchCols();
        float[] col = buffer(g.patchRows() * cols);
        Parallel.forRange(g.patchRows(), cols, (from, to) -> im2colRows(g, x, col, from, to));
        return col;
    }

    private static void im2colRows(Conv2dGeometry g, float[] x, float[] col, int from, int to) {
        int cols = g.patchCols();
        int inC = g.inC();
        int perImage = g.outH() * g.outW();
        for (int row = from; row < to; row++) {
            int nb = row / perImage;
            int oh = (row % perImage) / g.outW();
            int ow = row % g.outW();
            int dst = row * cols;
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
     * The adjoint of im2col: adds every patch entry back to the input pixel it came from. Images
     * are independent (split over threads); within one the rows are added in order.
     */
    private static void col2im(Conv2dGeometry g, float[] col, float[] dx) {
        int perImage = g.inH() * g.inW() * g.inC();
        Parallel.forRange(g.batch(), (long) g.outH() * g.outW() * g.patchCols(), (from, to) -> {
            Arrays.fill(dx, from * perImage, to * perImage, 0f);
            for (int nb = from; nb < to; nb++) {
                col2imImage(g, col, dx, nb);
            }
        });
    }

    private static void col2imImage(Conv2dGeometry g, float[] col, float[] dx, int nb) {
        int cols = g.patchCols();
        int inC = g.inC();
        int row = nb * g.outH() * g.outW();
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
    public void batchNormBackwardInput(float[] x, float[] dy, int rows, int channels, float[] mean, float[] invStd,
                                       float[] gamma, double[] sumDy, double[] sumDyXhat, boolean training,
                                       float[] dx) {
        float[][] coef = batchNormBackwardCoefficients(rows, channels, invStd, gamma, sumDy, sumDyXhat, training);
        Parallel.forRange(rows, 2L * channels,
                (from, to) -> ScalarKernels.batchNormBackwardInput(x, dy, from, to, channels, mean, invStd, coef, dx));
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
