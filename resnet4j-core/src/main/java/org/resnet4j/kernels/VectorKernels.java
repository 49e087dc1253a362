package org.resnet4j.kernels;

import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels whose GEMM runs on the Vector API ({@code jdk.incubator.vector}); convolution reaches
 * it through {@link BlockedKernels}' im2col and pointwise paths, a forward pass without padding
 * by reading its patches in place ({@link #readsPatchesInPlace}), and 3x3 stride-1 convolutions
 * over enough tiles through {@link Winograd} (see {@link #winograd}).
 *
 * <p>The GEMM follows the Goto/BLIS layout for B. All of op(B) is first packed, once, into
 * {@code NR}-column strips holding every depth (packing also absorbs any transposition; the
 * strips are packed in parallel). C is then cut into {@code MC x NC} tiles, one task each,
 * spread over the kernel threads; when that leaves fewer than two tiles per thread (a small
 * batch: few rows against a large weight matrix), the tiles are narrowed, down to {@code NR}.
 * A task walks the depth in {@code KC} slices and runs a register-blocked micro-kernel over
 * every {@code MR x NR} tile: {@code MR = 4} rows times {@code NR = 4} vectors keep 16
 * accumulators in registers (of 32 on AVX-512, 16 on AVX2 with 8-float vectors: then
 * {@code NR} is 32), each iteration loading 4 vectors of B and broadcasting 4 values of A into
 * 16 fused multiply-adds. A is read where it lies, through a row and a depth stride (so op(A)
 * may be A or its transpose): packing it cost a quarter of the GEMM on the network's narrow
 * layers, which use each value of A only once or twice. Only a ragged last strip of rows is
 * packed, zero-padded; edge tiles are computed whole and only their valid part written back.
 * With at most {@link #DIRECT_B_MAX_ROWS} rows, B is not packed at all but read where it lies
 * (packing would cost as much as using it). With one row block ({@code MC} rows or fewer), each
 * part of B serves one tile only: that tile packs each {@code KC} slice of its columns into a
 * small per-thread panel as it goes, so that no copy of a whole large B is held (the last
 * stage's 3x3 kernel took 9.4 MB). A small C over a long depth (a weight gradient) is computed
 * in depth chunks that are summed at the end ({@link #depthChunk}). Many products of one shape
 * run as one job ({@link #gemmBatch}).
 *
 * <p>Each element of C is accumulated over the depth in an order fixed by the shape alone, so
 * results do not depend on the thread count.
 */
public final class VectorKernels extends BlockedKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Integers with as many lanes as {@link #S}: argmax indices beside pooled values. */
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    /** Doubles of the same width: per-channel sums are accumulated in double precision. */
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, S.vectorShape());
    private static final int DL = D.length();
    private static final int MR = 4;
    private static final int NR = 4 * L;
    private static final int KC = 256;
    private static final int MC = 128;
    private static final int NC = 512 / NR * NR == 0 ? NR : 512 / NR * NR;
    /** Row blocks this short read B in place instead of packing it (see {@link #microDirect}). */
    private static final int DIRECT_B_MAX_ROWS = 64;
    /** A C of at most this many elements with a depth of at least {@link #SPLIT_MIN_DEPTH} ... */
    private static final long SPLIT_MAX_OUTPUT = 1L << 16;
    /** ... is computed in depth chunks of at least half this, summed at the end (see {@link #depthChunk}). */
    private static final int SPLIT_MIN_DEPTH = 4096;
    private static final int SPLIT_MAX_CHUNKS = 8;
    /** Below this many multiply-adds a single task is cheaper than forking. */
    private static final long PARALLEL_THRESHOLD = 1L << 20;
    /** The fewest depths a task of {@link #packAllB} packs when it cuts a strip's depth. */
    private static final int PACK_MIN_DEPTH = 256;

    private static final ThreadLocal<float[][]> BUFFERS =
            ThreadLocal.withInitial(() -> new float[][] {new float[MR * KC], new float[MR * NR], new float[KC * NC]});
    /** The packed B of the GEMM a thread is running (grows to the largest B it has packed). */
    private static final ThreadLocal<float[]> PACKED_B = ThreadLocal.withInitial(() -> new float[0]);
    /** The largest packed B a thread keeps between GEMMs (16 MiB). */
    private static final int MAX_KEPT_PACKED_B = 1 << 22;
    /** Whether the thread is inside a GEMM that uses its {@link #PACKED_B}. */
    private static final ThreadLocal<boolean[]> PACKING = ThreadLocal.withInitial(() -> new boolean[1]);
    /** Set by tests: see {@link #copyPatches}. */
    private static volatile boolean copiesPatches;

    @Override
    public String name() {
        return "vector-" + S.vectorBitSize();
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        gemmBatch(1, transA, transB, m, n, k, a, aOff, 0, lda, b, bOff, 0, ldb, c, cOff, 0, ldc, accumulate);
    }

    /**
     * {@code count} products of one shape in one parallel job: product {@code q} is
     * {@link #gemm} on A at {@code aOff + q * aStride}, B at {@code bOff + q * bStride} and C at
     * {@code cOff + q * cStride}. Many small products share one packing pass and one set of
     * tasks instead of paying for them one by one; each product's results are those
     * {@link #gemm} gives it alone.
     */
    void gemmBatch(int count, boolean transA, boolean transB, int m, int n, int k,
                   float[] a, int aOff, int aStride, int lda, float[] b, int bOff, int bStride, int ldb,
                   float[] c, int cOff, int cStride, int ldc, boolean accumulate) {
        if (m == 0 || n == 0 || count == 0) {
            return;
        }
        if (k == 0) {
            for (int q = 0; q < count; q++) {
                prepareOutput(m, n, k, c, cOff + q * cStride, ldc, accumulate);
            }
            return;
        }
        // Without accumulate, C is not zeroed first: the first depth slice stores its sums over it.
        int threads = KernelRegistry.threads();
        boolean parallel = threads > 1 && (long) count * m * n * k >= PARALLEL_THRESHOLD;
        int rowBlocks = (m + MC - 1) / MC;
        boolean direct = !transB && m <= DIRECT_B_MAX_ROWS;
        int depth = depthChunk(m, n, k);
        int chunks = (k + depth - 1) / depth;
        int nc = NC;
        if (direct) {
            // A small batch streams B from memory: one wide tile per thread reads long runs of
            // each row of B, which the memory system fetches best.
            nc = parallel && count < threads ? Math.max(NR, (n + threads - 1) / threads + NR - 1) / NR * NR : n;
        } else {
            // Few rows leave too few tiles to share: narrow them, down to one strip.
            while (parallel && nc > NR && count * chunks * rowBlocks * ((n + nc - 1) / nc) < 2 * threads) {
                nc = Math.max(NR, nc / 2 / NR * NR);
            }
        }
        // One row block uses each part of B once: each tile packs its own panels of B as it goes,
        // so that no copy of the whole B is held.
        boolean panels = !direct && rowBlocks == 1;
        Shape shape = new Shape(transA, transB, panels, m, n, k, rowBlocks, nc, (n + nc - 1) / nc, depth, chunks);
        // B is packed once for all the tiles (in parallel, strip by strip), unless a batch so
        // small that packing would cost as much as using it reads it in place.
        boolean[] packing = PACKING.get();
        boolean outer = !packing[0];
        // Marked before packing, so that a GEMM run inside this one on the same thread (a task
        // that multiplies: it runs inline, see WorkerPool) cannot take the buffer in use.
        packing[0] = true;
        try {
            float[] bp = null;
            if (!direct && !panels) {
                // The thread's buffer serves the outermost GEMM it runs: one run inside it gets a
                // fresh array instead. So does a B larger than a thread keeps (MAX_KEPT_PACKED_B),
                // so that one huge GEMM does not pin its memory.
                int size = Math.toIntExact((long) count * packedBSize(k, n));
                bp = !outer || size > MAX_KEPT_PACKED_B ? new float[size] : keptBuffer(size);
                packAllB(parallel, count, transB, b, bOff, bStride, ldb, k, n, bp);
            }
            float[] partial = chunks > 1 ? new float[(chunks - 1) * count * m * n] : null;
            runTiles(parallel, shape, count, partial, a, aOff, aStride, lda, b, bOff, bStride, ldb, bp, c, cOff,
                    cStride, ldc, accumulate);
            if (partial != null) {
                addPartials(partial, count, chunks, m, n, c, cOff, cStride, ldc);
            }
        } finally {
            packing[0] = !outer;
        }
    }

    /**
     * Packs op(B) of {@code count} products of depth {@code k} and width {@code n}, product
     * {@code q}'s B at {@code bOff + q * bStride}, into {@code out} ({@code count *
     * packedBSize(k, n)} floats), for {@link #gemmBatchPacked}.
     */
    void packBatch(int count, boolean transB, float[] b, int bOff, int bStride, int ldb, int k, int n, float[] out) {
        boolean parallel = KernelRegistry.threads() > 1 && (long) count * k * n >= PARALLEL_THRESHOLD / 64;
        packAllB(parallel, count, transB, b, bOff, bStride, ldb, k, n, out);
    }

    /**
     * {@code C = A * B} for {@code count} products whose B {@link #packBatch} packed into
     * {@code bp}, on the calling thread alone: for work that is already split over the threads
     * by its caller. The same tiles in the same order as {@link #gemmBatch}, so the same results;
     * a product {@link #gemmBatch} would split along its depth ({@link #depthChunk}) is refused.
     */
    void gemmBatchPacked(int count, int m, int n, int k, float[] a, int aOff, int aStride, int lda, float[] bp,
                         float[] c, int cOff, int cStride, int ldc) {
        if (depthChunk(m, n, k) < k) {
            throw new IllegalArgumentException("a " + m + " x " + n + " product of depth " + k
                    + " is computed in depth chunks; use gemmBatch");
        }
        if (m == 0 || n == 0 || k == 0) {
            if (k == 0) {
                for (int q = 0; q < count; q++) {
                    prepareOutput(m, n, k, c, cOff + q * cStride, ldc, false);
                }
            }
            return;
        }
        Shape sh = new Shape(false, false, false, m, n, k, (m + MC - 1) / MC, NC, (n + NC - 1) / NC, k, 1);
        int each = packedBSize(k, n);
        for (int q = 0; q < count; q++) {
            for (int rb = 0; rb < sh.rowBlocks(); rb++) {
                for (int cb = 0; cb < sh.colBlocks(); cb++) {
                    tile(sh, rb, cb, 0, k, a, aOff + q * aStride, lda, null, 0, 0, bp, q * each, c, cOff + q * cStride,
                            ldc, false);
                }
            }
        }
    }

    /**
     * How a product is cut: {@code rowBlocks} of {@code MC} rows, {@code colBlocks} of
     * {@code width} columns, {@code chunks} depth ranges of {@code depth}; with {@code panels},
     * each tile packs the panels of B it uses itself.
     */
    private record Shape(boolean transA, boolean transB, boolean panels, int m, int n, int k, int rowBlocks, int width,
                         int colBlocks, int depth, int chunks) {
    }

    @Override
    public void conv2dForward(Conv2dGeometry g, float[] x, float[] w, float[] y) {
        if (winograd(g)) {
            Winograd.forward(this, g, x, w, y);
        } else if (!copiesPatches && readsPatchesInPlace(g)) {
            implicitForward(g, x, w, y);
        } else {
            super.conv2dForward(g, x, w, y);
        }
    }

    /** For tests: every forward pass copies its patches (im2col), as before {@link #implicitForward}. */
    static void copyPatches(boolean on) {
        copiesPatches = on;
    }

    /**
     * Whether a convolution's forward pass reads its patches where they lie instead of copying
     * them out (im2col): a kernel larger than 1x1 or strided, without padding (every window
     * lies inside the image, as after an explicit ZeroPadding2D), into whole strips of
     * {@code NR} output channels, over more than {@link #DIRECT_B_MAX_ROWS} output pixels. The
     * notebook's stem (7x7 stride 2 on 70x70x3: 4.0 -> 3.0 ms at batch 32) and strided 1x1
     * convolutions (0.86 to 0.95x the time). Fewer pixels (a strided convolution of the last
     * stages at batch 1) are left to the GEMM on copied patches, which then reads the kernel in
     * place instead of packing it: packing it took the 4x4 -> 2x2 one from 194 to 359 us.
     */
    static boolean readsPatchesInPlace(Conv2dGeometry g) {
        return !g.isPointwise() && g.padTop() == 0 && g.padLeft() == 0 && g.outC() % NR == 0
                && g.patchRows() > DIRECT_B_MAX_ROWS
                && (g.outH() - 1) * g.strideH() + g.kH() <= g.inH() && (g.outW() - 1) * g.strideW() + g.kW() <= g.inW();
    }

    /**
     * The forward pass as a GEMM of the patch matrix with the kernel ({@code kH * kW * inC} x
     * outC), without the patch matrix: a patch row is {@code kH} runs of {@code kW * inC}
     * consecutive values of the image (NHWC), so the micro-kernel reads each strip of
     * {@code MR} patch rows run by run, from four row addresses. The depth is walked in the same
     * {@code KC} slices and order as the GEMM on the copied patches, so results are bit for bit
     * those of im2col (tested); the copy (19 MB for the stem at batch 32) is gone.
     */
    private void implicitForward(Conv2dGeometry g, float[] x, float[] w, float[] y) {
        int k = g.patchCols();
        int n = g.outC();
        int rows = g.patchRows();
        int strips = (rows + MR - 1) / MR;
        int colStrips = n / NR;
        int threads = KernelRegistry.threads();
        boolean parallel = threads > 1 && (long) rows * n * k >= PARALLEL_THRESHOLD;
        int stripsPerBlock = MC / MR;
        int rowBlocks = (strips + stripsPerBlock - 1) / stripsPerBlock;
        int width = NC / NR;
        while (parallel && width > 1 && rowBlocks * ((colStrips + width - 1) / width) < 2 * threads) {
            width = Math.max(1, width / 2);
        }
        int colBlocks = (colStrips + width - 1) / width;
        int blockWidth = width;
        boolean[] packing = PACKING.get();
        boolean outer = !packing[0];
        packing[0] = true;
        try {
            int size = packedBSize(k, n);
            float[] bp = !outer || size > MAX_KEPT_PACKED_B ? new float[size] : keptBuffer(size);
            packAllB(parallel, 1, false, w, 0, 0, n, k, n, bp);
            WorkerPool.Task task = t -> implicitTile(g, x, bp, y, t / colBlocks, t % colBlocks, stripsPerBlock,
                    blockWidth);
            int tasks = rowBlocks * colBlocks;
            if (parallel) {
                KernelRegistry.pool().run(tasks, task);
            } else {
                for (int t = 0; t < tasks; t++) {
                    task.run(t);
                }
            }
        } finally {
            packing[0] = !outer;
        }
    }

    /** Strips of rows {@code [rb * perBlock, ...)} by column strips {@code [cb * width, ...)} of {@link #implicitForward}. */
    private static void implicitTile(Conv2dGeometry g, float[] x, float[] bp, float[] y, int rb, int cb,
                                     int perBlock, int width) {
        int k = g.patchCols();
        int n = g.outC();
        int rows = g.patchRows();
        int run = g.kW() * g.inC();
        int rowStride = g.inW() * g.inC();
        int pixels = g.outH() * g.outW();
        int s0 = rb * perBlock;
        int s1 = Math.min((rows + MR - 1) / MR, s0 + perBlock);
        int js0 = cb * width;
        int js1 = Math.min(n / NR, js0 + width);
        float[] tmp = BUFFERS.get()[1];
        int[] base = new int[MR];
        for (int p0 = 0; p0 < k; p0 += KC) {
            int p1 = Math.min(k, p0 + KC);
            for (int s = s0; s < s1; s++) {
                int r0 = s * MR;
                int mr = Math.min(MR, rows - r0);
                // Where each row's patch starts in x; a ragged last strip repeats its first row.
                for (int r = 0; r < MR; r++) {
                    int row = r0 + Math.min(r, mr - 1);
                    int nb = row / pixels;
                    int oh = row % pixels / g.outW();
                    int ow = row % g.outW();
                    base[r] = ((nb * g.inH() + oh * g.strideH()) * g.inW() + ow * g.strideW()) * g.inC();
                }
                for (int js = js0; js < js1; js++) {
                    float[] c = mr == MR ? y : tmp;
                    int ci = mr == MR ? r0 * n + js * NR : 0;
                    int ldc = mr == MR ? n : NR;
                    if (mr < MR && p0 > 0) {
                        for (int r = 0; r < mr; r++) {
                            System.arraycopy(y, (r0 + r) * n + js * NR, tmp, r * NR, NR);
                        }
                    }
                    microRuns(p0, p1, run, rowStride, x, 1, base[0], base[1], base[2], base[3], bp, (js * k + p0) * NR,
                            c, ci, ldc, p0 > 0);
                    if (mr < MR) {
                        for (int r = 0; r < mr; r++) {
                            System.arraycopy(tmp, r * NR, y, (r0 + r) * n + js * NR, NR);
                        }
                    }
                }
            }
        }
    }

    @Override
    public void conv2dBackwardInput(Conv2dGeometry g, float[] dy, float[] w, float[] dx) {
        if (winograd(g)) {
            Winograd.backwardInput(this, g, dy, w, dx);
        } else {
            super.conv2dBackwardInput(g, dy, w, dx);
        }
    }

    @Override
    public void conv2dBackwardKernel(Conv2dGeometry g, float[] x, float[] dy, float[] dw, boolean accumulate) {
        if (winograd(g)) {
            Winograd.backwardKernel(this, g, x, dy, dw, accumulate);
        } else {
            super.conv2dBackwardKernel(g, x, dy, dw, accumulate);
        }
    }

    /**
     * Whether a convolution runs as Winograd's minimal filtering ({@link Winograd}): a 3x3
     * stride-1 kernel over at least {@link Winograd#MIN_TILES} F(2x2, 3x3) output tiles. Fewer
     * tiles (a small batch, or the last stage's 2x2 images) cannot repay transforming the
     * kernel, which im2col reads as it is.
     */
    static boolean winograd(Conv2dGeometry g) {
        return Winograd.applies(g) && Winograd.tiles(g) >= Winograd.MIN_TILES;
    }

    /**
     * The depth each task covers. A small C over a long depth (a weight gradient: few rows and
     * columns, one depth per pixel of the batch) makes too few tiles to keep the threads busy, so
     * its depth is cut into up to {@link #SPLIT_MAX_CHUNKS} chunks (multiples of {@code KC}) whose
     * sums are added at the end. The cut depends on the shape alone, never on the thread count,
     * so results stay the same for every thread count.
     */
    static int depthChunk(int m, int n, int k) {
        if ((long) m * n > SPLIT_MAX_OUTPUT || k < SPLIT_MIN_DEPTH) {
            return k;
        }
        // A power of two, so that the tiles share evenly over two or four threads: three chunks
        // of a one-tile product left one thread idle a third of the time.
        int chunks = Integer.highestOneBit(Math.min(SPLIT_MAX_CHUNKS, k / (SPLIT_MIN_DEPTH / 2)));
        int per = (k + chunks - 1) / chunks;
        return (per + KC - 1) / KC * KC;
    }

    /**
     * {@code C += partial[1] + partial[2] + ...} for each product of the batch, added in chunk
     * order for every element; chunk {@code q > 0} of product {@code b} is the {@code m x n}
     * matrix at {@code ((q - 1) * count + b) * m * n} of {@code partial}.
     */
    private static void addPartials(float[] partial, int count, int chunks, int m, int n, float[] c, int cOff,
                                    int cStride, int ldc) {
        Parallel.forRange(count * m, (long) n * chunks, (from, to) -> {
            for (int row = from; row < to; row++) {
                int b = row / m;
                int i = row % m;
                int ci = cOff + b * cStride + i * ldc;
                for (int j = 0; j < n; j++) {
                    float v = c[ci + j];
                    for (int q = 1; q < chunks; q++) {
                        v += partial[(((q - 1) * count + b) * m + i) * n + j];
                    }
                    c[ci + j] = v;
                }
            }
        });
    }

    /**
     * Runs every (product, depth chunk, row block, column block) tile: chunk 0 into C, chunk
     * {@code q > 0} into its part of {@code partial} (overwritten).
     */
    private static void runTiles(boolean parallel, Shape sh, int count, float[] partial, float[] a, int aOff,
                                 int aStride, int lda, float[] b, int bOff, int bStride, int ldb, float[] bp,
                                 float[] c, int cOff, int cStride, int ldc, boolean accumulate) {
        int tiles = sh.rowBlocks() * sh.colBlocks();
        int perProduct = tiles * sh.chunks();
        int tasks = perProduct * count;
        int packedSize = packedBSize(sh.k(), sh.n());
        WorkerPool.Task task = t -> {
            int p = t / perProduct;
            int q = t % perProduct / tiles;
            int rb = t % tiles / sh.colBlocks();
            int cb = t % sh.colBlocks();
            int pFrom = q * sh.depth();
            int pTo = Math.min(sh.k(), pFrom + sh.depth());
            int ai = aOff + p * aStride;
            int bi = bOff + p * bStride;
            int bpi = p * packedSize;
            if (q == 0) {
                tile(sh, rb, cb, pFrom, pTo, a, ai, lda, b, bi, ldb, bp, bpi, c, cOff + p * cStride, ldc, accumulate);
            } else {
                int at = ((q - 1) * count + p) * sh.m() * sh.n();
                tile(sh, rb, cb, pFrom, pTo, a, ai, lda, b, bi, ldb, bp, bpi, partial, at, sh.n(), false);
            }
        };
        if (parallel) {
            KernelRegistry.pool().run(tasks, task);
        } else {
            for (int t = 0; t < tasks; t++) {
                task.run(t);
            }
        }
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
    public void biasAffineRelu(float[] x, int rows, int channels, float[] bias, float[] scale, float[] shift,
                               boolean relu, float[] y) {
        Parallel.forRange(rows, channels, (from, to) -> {
            FloatVector zero = FloatVector.zero(S);
            int vc = S.loopBound(channels);
            for (int r = from; r < to; r++) {
                int base = r * channels;
                int ch = 0;
                for (; ch < vc; ch += L) {
                    FloatVector v = FloatVector.fromArray(S, x, base + ch);
                    if (bias != null) {
                        v = v.add(FloatVector.fromArray(S, bias, ch));
                    }
                    v = v.mul(FloatVector.fromArray(S, scale, ch)).add(FloatVector.fromArray(S, shift, ch));
                    if (relu) {
                        v = v.blend(zero, v.lt(0f));
                    }
                    v.intoArray(y, base + ch);
                }
                if (ch < channels) {
                    ScalarKernels.biasAffineRelu(x, r, r + 1, channels, ch, bias, scale, shift, relu, y);
                }
            }
        });
    }

    @Override
    public void addRelu(float[] a, float[] b, float[] y, int n) {
        Parallel.forRange(n, 1, (from, to) -> {
            FloatVector zero = FloatVector.zero(S);
            int i = from;
            for (int end = from + S.loopBound(to - from); i < end; i += L) {
                FloatVector v = FloatVector.fromArray(S, a, i).add(FloatVector.fromArray(S, b, i));
                v.blend(zero, v.lt(0f)).intoArray(y, i);
            }
            ScalarKernels.addRelu(a, b, y, i, to);
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

    /**
     * Per-channel sums in double precision: each lane holds one channel and adds the rows of a
     * chunk in order, converting exactly as the reference does, with no fused multiply-add, so
     * the sums are the reference's bit for bit; channels past the last whole vector take the
     * reference loop body. The reference's chunks of rows are shared among the threads. (The
     * reference's plain sums, as in {@code channelMoments}, the JIT already vectorizes.)
     */
    @Override
    public void batchNormGradSums(float[] x, float[] dy, int rows, int channels, float[] mean, float[] invStd,
                                  double[] sumDy, double[] sumDyXhat) {
        ScalarKernels.batchNormGradSums(rows, channels, sumDy, sumDyXhat, PARALLEL, (c, from, to, s1, s2) -> {
            int vc = from + S.loopBound(to - from);
            for (int r = c * ScalarKernels.SUM_ROWS, end = Math.min(rows, r + ScalarKernels.SUM_ROWS); r < end; r++) {
                int base = r * channels;
                int ch = from;
                for (; ch < vc; ch += L) {
                    FloatVector g = FloatVector.fromArray(S, dy, base + ch);
                    FloatVector xhat = FloatVector.fromArray(S, x, base + ch).sub(FloatVector.fromArray(S, mean, ch))
                            .mul(FloatVector.fromArray(S, invStd, ch));
                    for (int part = 0; part < L / DL; part++) {
                        int at = ch + part * DL;
                        DoubleVector gd = (DoubleVector) g.convertShape(VectorOperators.F2D, D, part);
                        DoubleVector.fromArray(D, s1, at).add(gd).intoArray(s1, at);
                        DoubleVector.fromArray(D, s2, at)
                                .add(gd.mul(xhat.convertShape(VectorOperators.F2D, D, part))).intoArray(s2, at);
                    }
                }
                for (; ch < to; ch++) {
                    double g = dy[base + ch];
                    s1[ch] += g;
                    s2[ch] += g * ((x[base + ch] - mean[ch]) * invStd[ch]);
                }
            }
        });
    }

    /**
     * Vectors across channels; output rows are split over the threads. Each window is visited in
     * the reference's order, and a value replaces the best only when strictly greater, so values
     * and argmax are the reference's, NaN included.
     */
    @Override
    public void maxPoolForward(Pool2dGeometry g, float[] x, float[] y, int[] argmax) {
        int c = g.channels();
        int vc = S.loopBound(c);
        Parallel.forRange(g.batch() * g.outH(), (long) g.outW() * c * g.poolH() * g.poolW(), (from, to) -> {
            IntVector iota = IntVector.zero(I).addIndex(1);
            for (int row = from; row < to; row++) {
                int nb = row / g.outH();
                int oh = row % g.outH();
                int h0 = g.windowTop(oh);
                int h1 = g.windowBottom(oh);
                for (int ow = 0; ow < g.outW(); ow++) {
                    int w0 = g.windowLeft(ow);
                    int w1 = g.windowRight(ow);
                    int yBase = ((nb * g.outH() + oh) * g.outW() + ow) * c;
                    int ch = 0;
                    for (; h0 < h1 && w0 < w1 && ch < vc; ch += L) {
                        int first = ((nb * g.inH() + h0) * g.inW() + w0) * c + ch;
                        FloatVector best = FloatVector.fromArray(S, x, first);
                        // Positions are tracked only when asked for; the comparisons are the same.
                        IntVector at = iota.add(first);
                        for (int ih = h0; ih < h1; ih++) {
                            for (int iw = ih == h0 ? w0 + 1 : w0; iw < w1; iw++) {
                                int xi = ((nb * g.inH() + ih) * g.inW() + iw) * c + ch;
                                FloatVector v = FloatVector.fromArray(S, x, xi);
                                VectorMask<Float> greater = v.compare(VectorOperators.GT, best);
                                best = best.blend(v, greater);
                                if (argmax != null) {
                                    at = at.blend(iota.add(xi), greater.cast(I));
                                }
                            }
                        }
                        best.intoArray(y, yBase + ch);
                        if (argmax != null) {
                            at.intoArray(argmax, yBase + ch);
                        }
                    }
                    ScalarKernels.maxPoolPixel(g, x, y, argmax, nb, oh, ow, ch, c);
                }
            }
        });
    }

    /**
     * C tile (rb, cb) += op(A) * op(B) over depths {@code [pFrom, pTo)}, slice by slice;
     * B comes packed at {@code bpOff} of {@code bp} ({@link #packAllB}), or, when {@code bp} is
     * null, is read in place.
     */
    private static void tile(Shape sh, int rb, int cb, int pFrom, int pTo,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] bp, int bpOff,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        boolean transA = sh.transA();
        int m = sh.m();
        int n = sh.n();
        int k = sh.k();
        int width = sh.width();
        float[][] buf = BUFFERS.get();
        float[] ap = buf[0];
        float[] tmp = buf[1];
        int i0 = rb * MC;
        int mc = Math.min(MC, m - i0);
        int j0 = cb * width;
        int nc = Math.min(width, n - j0);
        int mStrips = (mc + MR - 1) / MR;
        int nStrips = (nc + NR - 1) / NR;
        boolean panels = sh.panels();
        boolean direct = bp == null && !panels;
        int fullStrips = mc / MR;
        for (int p0 = pFrom; p0 < pTo; p0 += KC) {
            int kc = Math.min(KC, pTo - p0);
            boolean load = accumulate || p0 > pFrom;
            // A is read where it lies; only a ragged last strip of rows is packed (zero-padded).
            if (fullStrips < mStrips) {
                packA(transA, a, aOff, lda, i0 + fullStrips * MR, mc - fullStrips * MR, p0, kc, ap);
            }
            if (panels) {
                bp = buf[2];
                for (int js = 0; js < nStrips; js++) {
                    packStrip(sh.transB(), b, bOff, ldb, p0, kc, j0 + js * NR, n, bp, js * kc * NR);
                }
            }
            for (int js = 0; js < nStrips; js++) {
                int nr = Math.min(NR, nc - js * NR);
                // Strip (j0 / NR + js) of the packed B holds all k depths, NR floats each; a
                // panel holds this slice's kc.
                int bi = panels ? js * kc * NR : bpOff + ((j0 / NR + js) * k + p0) * NR;
                int bd = bOff + p0 * ldb + j0 + js * NR;
                // A ragged last strip of an unpacked B (a Dense layer's few units) that several
                // strips of rows use is packed, zero-padded, into the thread's panel buffer, which
                // this tile does not use otherwise. Each lane takes the same fused multiply-adds
                // in the same order as the element-by-element loop below.
                boolean packRagged = direct && nr < NR && mStrips > 1;
                if (packRagged) {
                    packStrip(false, b, bOff, ldb, p0, kc, j0 + js * NR, n, buf[2], 0);
                }
                for (int is = 0; is < mStrips; is++) {
                    int mr = Math.min(MR, mc - is * MR);
                    int ci = cOff + (i0 + is * MR) * ldc + j0 + js * NR;
                    // Where the strip's A(r, p) lies: as[ai + r * ars + p * aps].
                    float[] as = a;
                    int ai;
                    int ars;
                    int aps;
                    if (is == fullStrips) {
                        as = ap;
                        ai = 0;
                        ars = 1;
                        aps = MR;
                    } else if (transA) {
                        ai = aOff + p0 * lda + i0 + is * MR;
                        ars = 1;
                        aps = lda;
                    } else {
                        ai = aOff + (i0 + is * MR) * lda + p0;
                        ars = lda;
                        aps = 1;
                    }
                    if (mr == MR && nr == NR) {
                        if (direct) {
                            microDirect(kc, as, ai, ars, aps, b, bd, ldb, c, ci, ldc, load);
                        } else {
                            micro(kc, as, ai, ars, aps, bp, bi, c, ci, ldc, load);
                        }
                        continue;
                    }
                    // Edge tile: computed whole in a scratch tile, only the valid part written back.
                    for (int r = 0; r < MR; r++) {
                        for (int j = 0; j < NR; j++) {
                            tmp[r * NR + j] = load && r < mr && j < nr ? c[ci + r * ldc + j] : 0f;
                        }
                    }
                    if (!direct) {
                        micro(kc, as, ai, ars, aps, bp, bi, tmp, 0, NR, true);
                    } else if (nr == NR) {
                        microDirect(kc, as, ai, ars, aps, b, bd, ldb, tmp, 0, NR, true);
                    } else if (packRagged) {
                        micro(kc, as, ai, ars, aps, buf[2], 0, tmp, 0, NR, true);
                    } else {
                        // One strip of rows: the same sums, element by element.
                        for (int r = 0; r < mr; r++) {
                            for (int j = 0; j < nr; j++) {
                                float acc = tmp[r * NR + j];
                                for (int p = 0; p < kc; p++) {
                                    acc = Math.fma(as[ai + r * ars + p * aps], b[bd + p * ldb + j], acc);
                                }
                                tmp[r * NR + j] = acc;
                            }
                        }
                    }
                    for (int r = 0; r < mr; r++) {
                        System.arraycopy(tmp, r * NR, c, ci + r * ldc, nr);
                    }
                }
            }
        }
    }

    /**
     * Packs all of op(B) ({@code k x n}) of each of {@code count} products into {@code out}:
     * product {@code q}'s {@code NR}-column strips, each holding every depth, strip {@code s} at
     * {@code q * packedBSize(k, n) + s * k * NR}, zero-padded past column {@code n}. Strips are
     * packed in parallel when {@code parallel}.
     */
    private static void packAllB(boolean parallel, int count, boolean transB, float[] b, int bOff, int bStride,
                                 int ldb, int k, int n, float[] out) {
        int strips = (n + NR - 1) / NR;
        int each = packedBSize(k, n);
        int all = count * strips;
        int threads = KernelRegistry.threads();
        if (parallel && all < 2 * threads && k >= 2 * PACK_MIN_DEPTH) {
            // Too few strips to share (a weight gradient's few output channels over a long
            // depth): each strip's depth is cut into ranges instead.
            int parts = Math.min(4 * threads / all, k / PACK_MIN_DEPTH);
            KernelRegistry.pool().run(all * parts, t -> {
                int i = t / parts;
                int part = t % parts;
                int q = i / strips;
                int s = i % strips;
                int p0 = (int) ((long) k * part / parts / 16 * 16);
                int p1 = part == parts - 1 ? k : (int) ((long) k * (part + 1) / parts / 16 * 16);
                packStrip(transB, b, bOff + q * bStride, ldb, p0, p1 - p0, s * NR, n, out,
                        q * each + (s * k + p0) * NR);
            });
            return;
        }
        int chunks = parallel ? Math.min(all, threads * 4) : 1;
        if (chunks <= 1) {
            for (int q = 0; q < count; q++) {
                packB(transB, b, bOff + q * bStride, ldb, k, 0, strips, n, out, q * each);
            }
            return;
        }
        // Strips [from, to) of all the products' strips, product by product.
        KernelRegistry.pool().run(chunks, t -> {
            int from = all * t / chunks;
            int to = all * (t + 1) / chunks;
            for (int i = from; i < to; ) {
                int q = i / strips;
                int end = Math.min(to, (q + 1) * strips);
                packB(transB, b, bOff + q * bStride, ldb, k, i - q * strips, end - q * strips, n, out, q * each);
                i = end;
            }
        });
    }

    /**
     * {@code C[MR x NR] += A[MR x kc] * Bp[kc x NR]}: A's element (r, p) is
     * {@code ap[aBase + r * ars + p * aps]} (in place, either way round, or a packed strip), Bp a
     * strip stored {@code [p][NR]}: {@link #microRuns} with one run.
     */
    private static void micro(int kc, float[] ap, int aBase, int ars, int aps, float[] bp, int bBase,
                              float[] c, int ci, int ldc, boolean load) {
        microRuns(0, kc, kc, 0, ap, aps, aBase, aBase + ars, aBase + 2 * ars, aBase + 3 * ars, bp, bBase, c, ci, ldc,
                load);
    }
    /**
     * {@code C[MR x NR] += A * Bp} over depths {@code [from, to)}, Bp a strip stored
     * {@code [p][NR]} from {@code bBase}, with each of the {@code MR} rows of A at its own
     * address and its depths in runs: depth {@code p} of row {@code r} is
     * {@code a[ar + (p / run) * rowStride + (p % run) * aps]} (a patch row's kernel rows, read
     * where they lie in the image; one run for a matrix). Sixteen accumulators stay in registers
     * across the runs, so the operations and their order are those of one run over copied rows.
     * (Taking A's row addresses apart measured no slower than one address and a row stride:
     * 0.94x the time over 13 of the network's product shapes, in-process A/B.)
     */
    private static void microRuns(int from, int to, int run, int rowStride, float[] a, int aps, int a0, int a1,
                                  int a2, int a3, float[] bp, int bBase, float[] c, int ci, int ldc, boolean load) {
        FloatVector c00 = load ? FloatVector.fromArray(S, c, ci) : FloatVector.zero(S);
        FloatVector c01 = load ? FloatVector.fromArray(S, c, ci + L) : FloatVector.zero(S);
        FloatVector c02 = load ? FloatVector.fromArray(S, c, ci + 2 * L) : FloatVector.zero(S);
        FloatVector c03 = load ? FloatVector.fromArray(S, c, ci + 3 * L) : FloatVector.zero(S);
        FloatVector c10 = load ? FloatVector.fromArray(S, c, ci + ldc) : FloatVector.zero(S);
        FloatVector c11 = load ? FloatVector.fromArray(S, c, ci + ldc + L) : FloatVector.zero(S);
        FloatVector c12 = load ? FloatVector.fromArray(S, c, ci + ldc + 2 * L) : FloatVector.zero(S);
        FloatVector c13 = load ? FloatVector.fromArray(S, c, ci + ldc + 3 * L) : FloatVector.zero(S);
        FloatVector c20 = load ? FloatVector.fromArray(S, c, ci + 2 * ldc) : FloatVector.zero(S);
        FloatVector c21 = load ? FloatVector.fromArray(S, c, ci + 2 * ldc + L) : FloatVector.zero(S);
        FloatVector c22 = load ? FloatVector.fromArray(S, c, ci + 2 * ldc + 2 * L) : FloatVector.zero(S);
        FloatVector c23 = load ? FloatVector.fromArray(S, c, ci + 2 * ldc + 3 * L) : FloatVector.zero(S);
        FloatVector c30 = load ? FloatVector.fromArray(S, c, ci + 3 * ldc) : FloatVector.zero(S);
        FloatVector c31 = load ? FloatVector.fromArray(S, c, ci + 3 * ldc + L) : FloatVector.zero(S);
        FloatVector c32 = load ? FloatVector.fromArray(S, c, ci + 3 * ldc + 2 * L) : FloatVector.zero(S);
        FloatVector c33 = load ? FloatVector.fromArray(S, c, ci + 3 * ldc + 3 * L) : FloatVector.zero(S);
        int bi = bBase;
        for (int q = from; q < to; ) {
            int kh = q / run;
            int end = Math.min(to, (kh + 1) * run);
            int shift = kh * (rowStride - run * aps);
            int r0 = a0 + shift;
            int r1 = a1 + shift;
            int r2 = a2 + shift;
            int r3 = a3 + shift;
            for (int p = q, off = q * aps; p < end; p++, off += aps, bi += NR) {
                FloatVector b0 = FloatVector.fromArray(S, bp, bi);
                FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
                FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
                FloatVector b3 = FloatVector.fromArray(S, bp, bi + 3 * L);
                FloatVector v0 = FloatVector.broadcast(S, a[r0 + off]);
                c00 = v0.fma(b0, c00);
                c01 = v0.fma(b1, c01);
                c02 = v0.fma(b2, c02);
                c03 = v0.fma(b3, c03);
                FloatVector v1 = FloatVector.broadcast(S, a[r1 + off]);
                c10 = v1.fma(b0, c10);
                c11 = v1.fma(b1, c11);
                c12 = v1.fma(b2, c12);
                c13 = v1.fma(b3, c13);
                FloatVector v2 = FloatVector.broadcast(S, a[r2 + off]);
                c20 = v2.fma(b0, c20);
                c21 = v2.fma(b1, c21);
                c22 = v2.fma(b2, c22);
                c23 = v2.fma(b3, c23);
                FloatVector v3 = FloatVector.broadcast(S, a[r3 + off]);
                c30 = v3.fma(b0, c30);
                c31 = v3.fma(b1, c31);
                c32 = v3.fma(b2, c32);
                c33 = v3.fma(b3, c33);
            }
            q = end;
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
     * (One kernel with B's row stride as a parameter measured about 15% slower on the training
     * step than the packed kernel with its constant stride, hence two. A's strides are
     * parameters of both.)
     */
    private static void microDirect(int kc, float[] ap, int aBase, int ars, int aps, float[] bp, int bBase,
                                    int ldb, float[] c, int ci, int ldc, boolean load) {
        FloatVector c00 = load ? FloatVector.fromArray(S, c, ci) : FloatVector.zero(S);
        FloatVector c01 = load ? FloatVector.fromArray(S, c, ci + L) : FloatVector.zero(S);
        FloatVector c02 = load ? FloatVector.fromArray(S, c, ci + 2 * L) : FloatVector.zero(S);
        FloatVector c03 = load ? FloatVector.fromArray(S, c, ci + 3 * L) : FloatVector.zero(S);
        FloatVector c10 = load ? FloatVector.fromArray(S, c, ci + ldc) : FloatVector.zero(S);
        FloatVector c11 = load ? FloatVector.fromArray(S, c, ci + ldc + L) : FloatVector.zero(S);
        FloatVector c12 = load ? FloatVector.fromArray(S, c, ci + ldc + 2 * L) : FloatVector.zero(S);
        FloatVector c13 = load ? FloatVector.fromArray(S, c, ci + ldc + 3 * L) : FloatVector.zero(S);
        FloatVector c20 = load ? FloatVector.fromArray(S, c, ci + 2 * ldc) : FloatVector.zero(S);
        FloatVector c21 = load ? FloatVector.fromArray(S, c, ci + 2 * ldc + L) : FloatVector.zero(S);
        FloatVector c22 = load ? FloatVector.fromArray(S, c, ci + 2 * ldc + 2 * L) : FloatVector.zero(S);
        FloatVector c23 = load ? FloatVector.fromArray(S, c, ci + 2 * ldc + 3 * L) : FloatVector.zero(S);
        FloatVector c30 = load ? FloatVector.fromArray(S, c, ci + 3 * ldc) : FloatVector.zero(S);
        FloatVector c31 = load ? FloatVector.fromArray(S, c, ci + 3 * ldc + L) : FloatVector.zero(S);
        FloatVector c32 = load ? FloatVector.fromArray(S, c, ci + 3 * ldc + 2 * L) : FloatVector.zero(S);
        FloatVector c33 = load ? FloatVector.fromArray(S, c, ci + 3 * ldc + 3 * L) : FloatVector.zero(S);
        int ai = aBase;
        int bi = bBase;
        for (int p = 0; p < kc; p++, ai += aps, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, bp, bi + 3 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + ars]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2 * ars]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3 * ars]);
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

    /**
     * Floats of one packed op(B) ({@code k x n}): whole {@code NR}-column strips of every depth
     * (what {@link #packBatch} takes per product).
     */
    static int packedBSize(int k, int n) {
        return Math.toIntExact((long) (n + NR - 1) / NR * NR * k);
    }

    /** The thread's kept packed-B buffer, grown to {@code size} floats. */
    private static float[] keptBuffer(int size) {
        float[] bp = PACKED_B.get();
        if (bp.length < size) {
            bp = new float[size];
            PACKED_B.set(bp);
        }
        return bp;
    }

    /**
     * Packs strips {@code [from, to)} of op(B) (columns {@code s*NR ...}), every depth, into
     * {@code bp} at {@code bpOff + s * k * NR}, zero-padded past column {@code n}.
     */
    private static void packB(boolean transB, float[] b, int bOff, int ldb, int k, int from, int to, int n, float[] bp,
                              int bpOff) {
        for (int s = from; s < to; s++) {
            packStrip(transB, b, bOff, ldb, 0, k, s * NR, n, bp, bpOff + s * k * NR);
        }
    }

    /**
     * Packs depths {@code [p0, p0 + kc)} of the {@code NR} columns of op(B) from {@code j0} into
     * {@code bp} at {@code base}, {@code [p][NR]}, zero-padded past column {@code n}.
     */
    private static void packStrip(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int n,
                                  float[] bp, int base) {
        int jn = Math.min(NR, n - j0);
        if (!transB) {
            for (int p = 0; p < kc; p++) {
                int dst = base + p * NR;
                System.arraycopy(b, bOff + (p0 + p) * ldb + j0, bp, dst, jn);
                if (jn < NR) {
                    Arrays.fill(bp, dst + jn, dst + NR, 0f);
                }
            }
            return;
        }
        // op(B) = B^T: column j of the strip is row j0+j of the stored B. A whole strip on
        // 16-lane vectors is transposed in blocks of 16 x 16 in registers (transpose16); the rest
        // is copied in blocks of 8 source rows by 16 depths: the 8 rows' cache lines stay in L1
        // while their 16 values are spread over 16 rows of the strip. (Wider blocks over rows a
        // power of two apart map to the same cache set and evict each other.)
        int src = bOff + j0 * ldb + p0;
        int done = 0;
        if (L == 16 && jn == NR) {
            done = kc / 16 * 16;
            for (int jb = 0; jb < NR; jb += 16) {
                for (int pb = 0; pb < done; pb += 16) {
                    transpose16(b, src + jb * ldb + pb, ldb, bp, base + pb * NR + jb, NR);
                }
            }
        }
        for (int jb = 0; jb < NR; jb += 8) {
            int je = Math.min(jb + 8, jn);
            for (int pb = done; pb < kc; pb += 16) {
                int pe = Math.min(pb + 16, kc);
                for (int p = pb; p < pe; p++) {
                    int dst = base + p * NR;
                    for (int j = jb; j < je; j++) {
                        bp[dst + j] = b[src + j * ldb + p];
                    }
                    for (int j = Math.max(jb, je); j < jb + 8; j++) {
                        bp[dst + j] = 0f;
                    }
                }
            }
        }
    }

    /**
     * The kernel of a stride-1 convolution's input gradient: {@code w} (3 x 3 taps of inC x outC)
     * turned by 180 degrees with its channels swapped, into {@code wt} (3 x 3 taps of
     * outC x inC): tap {@code t} of {@code wt} is tap {@code 8 - t} of {@code w}, transposed. On
     * 16-lane vectors whole 16 x 16 blocks are transposed in registers; the rest is copied.
     */
    static void turnKernel3x3(float[] w, int inC, int outC, float[] wt) {
        int plane = inC * outC;
        int rowBlocks = (inC + 15) / 16;
        Parallel.forRange(9 * rowBlocks, 16L * outC, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int src = (8 - t / rowBlocks) * plane;
                int dst = t / rowBlocks * plane;
                int i0 = t % rowBlocks * 16;
                int i1 = Math.min(inC, i0 + 16);
                int o = 0;
                if (L == 16 && i1 - i0 == 16) {
                    for (; o + 16 <= outC; o += 16) {
                        transpose16(w, src + i0 * outC + o, outC, wt, dst + o * inC + i0, inC);
                    }
                }
                for (int i = i0; i < i1; i++) {
                    for (int oc = o; oc < outC; oc++) {
                        wt[dst + oc * inC + i] = w[src + i * outC + oc];
                    }
                }
            }
        });
    }

    /**
     * For {@link #transpose16}: at stage {@code s}, the lane indexes into two vectors (16 and up
     * the second) that swap the off-diagonal blocks of {@code 8 >> s} lanes of a pair of rows
     * {@code 8 >> s} apart. Four stages transpose 16 x 16.
     */
    private static final float[][] TRANSPOSE_LOW = new float[4][16];
    private static final float[][] TRANSPOSE_HIGH = new float[4][16];

    static {
        for (int stage = 0; stage < 4; stage++) {
            int h = 8 >> stage;
            for (int l = 0; l < 16; l++) {
                boolean upper = (l & h) != 0;
                TRANSPOSE_LOW[stage][l] = upper ? 16 + l - h : l;
                TRANSPOSE_HIGH[stage][l] = upper ? 16 + l : l + h;
            }
        }
    }

    /**
     * {@code bp[dst + p * ldo + j] = b[src + j * ldb + p]} for a 16 x 16 block, on 16-lane
     * vectors: 16 rows loaded, four stages of two-vector lane selections, 16 rows stored. (About
     * four times faster than the scalar copy; every transposed B is packed this way.)
     */
    private static void transpose16(float[] b, int src, int ldb, float[] bp, int dst, int ldo) {
        FloatVector r0 = FloatVector.fromArray(S, b, src);
        FloatVector r1 = FloatVector.fromArray(S, b, src + ldb);
        FloatVector r2 = FloatVector.fromArray(S, b, src + 2 * ldb);
        FloatVector r3 = FloatVector.fromArray(S, b, src + 3 * ldb);
        FloatVector r4 = FloatVector.fromArray(S, b, src + 4 * ldb);
        FloatVector r5 = FloatVector.fromArray(S, b, src + 5 * ldb);
        FloatVector r6 = FloatVector.fromArray(S, b, src + 6 * ldb);
        FloatVector r7 = FloatVector.fromArray(S, b, src + 7 * ldb);
        FloatVector r8 = FloatVector.fromArray(S, b, src + 8 * ldb);
        FloatVector r9 = FloatVector.fromArray(S, b, src + 9 * ldb);
        FloatVector r10 = FloatVector.fromArray(S, b, src + 10 * ldb);
        FloatVector r11 = FloatVector.fromArray(S, b, src + 11 * ldb);
        FloatVector r12 = FloatVector.fromArray(S, b, src + 12 * ldb);
        FloatVector r13 = FloatVector.fromArray(S, b, src + 13 * ldb);
        FloatVector r14 = FloatVector.fromArray(S, b, src + 14 * ldb);
        FloatVector r15 = FloatVector.fromArray(S, b, src + 15 * ldb);
        // Stage 0: rows 8 apart swap their off-diagonal 8-lane halves.
        FloatVector lo = FloatVector.fromArray(S, TRANSPOSE_LOW[0], 0);
        FloatVector hi = FloatVector.fromArray(S, TRANSPOSE_HIGH[0], 0);
        FloatVector t0 = lo.selectFrom(r0, r8);
        FloatVector t8 = hi.selectFrom(r0, r8);
        FloatVector t1 = lo.selectFrom(r1, r9);
        FloatVector t9 = hi.selectFrom(r1, r9);
        FloatVector t2 = lo.selectFrom(r2, r10);
        FloatVector t10 = hi.selectFrom(r2, r10);
        FloatVector t3 = lo.selectFrom(r3, r11);
        FloatVector t11 = hi.selectFrom(r3, r11);
        FloatVector t4 = lo.selectFrom(r4, r12);
        FloatVector t12 = hi.selectFrom(r4, r12);
        FloatVector t5 = lo.selectFrom(r5, r13);
        FloatVector t13 = hi.selectFrom(r5, r13);
        FloatVector t6 = lo.selectFrom(r6, r14);
        FloatVector t14 = hi.selectFrom(r6, r14);
        FloatVector t7 = lo.selectFrom(r7, r15);
        FloatVector t15 = hi.selectFrom(r7, r15);
        // Stage 1: rows 4 apart, blocks of 4 lanes.
        lo = FloatVector.fromArray(S, TRANSPOSE_LOW[1], 0);
        hi = FloatVector.fromArray(S, TRANSPOSE_HIGH[1], 0);
        r0 = lo.selectFrom(t0, t4);
        r4 = hi.selectFrom(t0, t4);
        r1 = lo.selectFrom(t1, t5);
        r5 = hi.selectFrom(t1, t5);
        r2 = lo.selectFrom(t2, t6);
        r6 = hi.selectFrom(t2, t6);
        r3 = lo.selectFrom(t3, t7);
        r7 = hi.selectFrom(t3, t7);
        r8 = lo.selectFrom(t8, t12);
        r12 = hi.selectFrom(t8, t12);
        r9 = lo.selectFrom(t9, t13);
        r13 = hi.selectFrom(t9, t13);
        r10 = lo.selectFrom(t10, t14);
        r14 = hi.selectFrom(t10, t14);
        r11 = lo.selectFrom(t11, t15);
        r15 = hi.selectFrom(t11, t15);
        // Stage 2: rows 2 apart, blocks of 2 lanes.
        lo = FloatVector.fromArray(S, TRANSPOSE_LOW[2], 0);
        hi = FloatVector.fromArray(S, TRANSPOSE_HIGH[2], 0);
        t0 = lo.selectFrom(r0, r2);
        t2 = hi.selectFrom(r0, r2);
        t1 = lo.selectFrom(r1, r3);
        t3 = hi.selectFrom(r1, r3);
        t4 = lo.selectFrom(r4, r6);
        t6 = hi.selectFrom(r4, r6);
        t5 = lo.selectFrom(r5, r7);
        t7 = hi.selectFrom(r5, r7);
        t8 = lo.selectFrom(r8, r10);
        t10 = hi.selectFrom(r8, r10);
        t9 = lo.selectFrom(r9, r11);
        t11 = hi.selectFrom(r9, r11);
        t12 = lo.selectFrom(r12, r14);
        t14 = hi.selectFrom(r12, r14);
        t13 = lo.selectFrom(r13, r15);
        t15 = hi.selectFrom(r13, r15);
        // Stage 3: neighbouring rows, single lanes; row p of the result is depth p.
        lo = FloatVector.fromArray(S, TRANSPOSE_LOW[3], 0);
        hi = FloatVector.fromArray(S, TRANSPOSE_HIGH[3], 0);
        lo.selectFrom(t0, t1).intoArray(bp, dst);
        hi.selectFrom(t0, t1).intoArray(bp, dst + ldo);
        lo.selectFrom(t2, t3).intoArray(bp, dst + 2 * ldo);
        hi.selectFrom(t2, t3).intoArray(bp, dst + 3 * ldo);
        lo.selectFrom(t4, t5).intoArray(bp, dst + 4 * ldo);
        hi.selectFrom(t4, t5).intoArray(bp, dst + 5 * ldo);
        lo.selectFrom(t6, t7).intoArray(bp, dst + 6 * ldo);
        hi.selectFrom(t6, t7).intoArray(bp, dst + 7 * ldo);
        lo.selectFrom(t8, t9).intoArray(bp, dst + 8 * ldo);
        hi.selectFrom(t8, t9).intoArray(bp, dst + 9 * ldo);
        lo.selectFrom(t10, t11).intoArray(bp, dst + 10 * ldo);
        hi.selectFrom(t10, t11).intoArray(bp, dst + 11 * ldo);
        lo.selectFrom(t12, t13).intoArray(bp, dst + 12 * ldo);
        hi.selectFrom(t12, t13).intoArray(bp, dst + 13 * ldo);
        lo.selectFrom(t14, t15).intoArray(bp, dst + 14 * ldo);
        hi.selectFrom(t14, t15).intoArray(bp, dst + 15 * ldo);
    }
}
