package org.resnet4j.kernels;

import java.util.Arrays;

/**
 * The reference kernels: the most direct loops that compute each definition, single-threaded.
 * They are the oracle that every faster implementation is tested against, and they stay.
 * Convolution here is the textbook seven-deep loop, deliberately not im2col, so that the faster
 * path is checked against an independent formulation.
 */
public class ScalarKernels implements Kernels {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + sum : sum;
            }
        }
    }

    @Override
    public void conv2dForward(Conv2dGeometry g, float[] x, float[] w, float[] y) {
        for (int nb = 0; nb < g.batch(); nb++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    int yBase = ((nb * g.outH() + oh) * g.outW() + ow) * g.outC();
                    for (int co = 0; co < g.outC(); co++) {
                        float sum = 0f;
                        for (int kh = 0; kh < g.kH(); kh++) {
                            int ih = oh * g.strideH() - g.padTop() + kh;
                            if (ih < 0 || ih >= g.inH()) {
                                continue;
                            }
                            for (int kw = 0; kw < g.kW(); kw++) {
                                int iw = ow * g.strideW() - g.padLeft() + kw;
                                if (iw < 0 || iw >= g.inW()) {
                                    continue;
                                }
                                int xBase = ((nb * g.inH() + ih) * g.inW() + iw) * g.inC();
                                int wBase = (kh * g.kW() + kw) * g.inC() * g.outC();
                                for (int ci = 0; ci < g.inC(); ci++) {
                                    sum += x[xBase + ci] * w[wBase + ci * g.outC() + co];
                                }
                            }
                        }
                        y[yBase + co] = sum;
                    }
                }
            }
        }
    }

    @Override
    public void conv2dBackwardInput(Conv2dGeometry g, float[] dy, float[] w, float[] dx) {
        Arrays.fill(dx, 0, g.inputSize(), 0f);
        for (int nb = 0; nb < g.batch(); nb++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    int yBase = ((nb * g.outH() + oh) * g.outW() + ow) * g.outC();
                    for (int kh = 0; kh < g.kH(); kh++) {
                        int ih = oh * g.strideH() - g.padTop() + kh;
                        if (ih < 0 || ih >= g.inH()) {
                            continue;
                        }
                        for (int kw = 0; kw < g.kW(); kw++) {
                            int iw = ow * g.strideW() - g.padLeft() + kw;
                            if (iw < 0 || iw >= g.inW()) {
                                continue;
                            }
                            int xBase = ((nb * g.inH() + ih) * g.inW() + iw) * g.inC();
                            int wBase = (kh * g.kW() + kw) * g.inC() * g.outC();
                            for (int ci = 0; ci < g.inC(); ci++) {
                                float sum = 0f;
                                for (int co = 0; co < g.outC(); co++) {
                                    sum += dy[yBase + co] * w[wBase + ci * g.outC() + co];
                                }
                                dx[xBase + ci] += sum;
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public void conv2dBackwardKernel(Conv2dGeometry g, float[] x, float[] dy, float[] dw, boolean accumulate) {
        if (!accumulate) {
            Arrays.fill(dw, 0, g.kernelSize(), 0f);
        }
        for (int kh = 0; kh < g.kH(); kh++) {
            for (int kw = 0; kw < g.kW(); kw++) {
                for (int ci = 0; ci < g.inC(); ci++) {
                    for (int co = 0; co < g.outC(); co++) {
                        float sum = 0f;
                        for (int nb = 0; nb < g.batch(); nb++) {
                            for (int oh = 0; oh < g.outH(); oh++) {
                                int ih = oh * g.strideH() - g.padTop() + kh;
                                if (ih < 0 || ih >= g.inH()) {
                                    continue;
                                }
                                for (int ow = 0; ow < g.outW(); ow++) {
                                    int iw = ow * g.strideW() - g.padLeft() + kw;
                                    if (iw < 0 || iw >= g.inW()) {
                                        continue;
                                    }
                                    sum += x[((nb * g.inH() + ih) * g.inW() + iw) * g.inC() + ci]
                                            * dy[((nb * g.outH() + oh) * g.outW() + ow) * g.outC() + co];
                                }
                            }
                        }
                        dw[((kh * g.kW() + kw) * g.inC() + ci) * g.outC() + co] += sum;
                    }
                }
            }
        }
    }

    @Override
    public void maxPoolForward(Pool2dGeometry g, float[] x, float[] y, int[] argmax) {
        for (int nb = 0; nb < g.batch(); nb++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    maxPoolPixel(g, x, y, argmax, nb, oh, ow, 0, g.channels());
                }
            }
        }
    }

    /** Max pooling of output pixel (nb, oh, ow), channels {@code [chFrom, chTo)}. */
    static void maxPoolPixel(Pool2dGeometry g, float[] x, float[] y, int[] argmax, int nb, int oh, int ow,
                             int chFrom, int chTo) {
        int c = g.channels();
        int yBase = ((nb * g.outH() + oh) * g.outW() + ow) * c;
        for (int ch = chFrom; ch < chTo; ch++) {
            float best = Float.NEGATIVE_INFINITY;
            int bestAt = -1;
            for (int ph = 0; ph < g.poolH(); ph++) {
                int ih = oh * g.strideH() - g.padTop() + ph;
                if (ih < 0 || ih >= g.inH()) {
                    continue;
                }
                for (int pw = 0; pw < g.poolW(); pw++) {
                    int iw = ow * g.strideW() - g.padLeft() + pw;
                    if (iw < 0 || iw >= g.inW()) {
                        continue;
                    }
                    int xi = ((nb * g.inH() + ih) * g.inW() + iw) * c + ch;
                    // Strictly greater: the first maximum wins ties, as TensorFlow does.
                    if (bestAt < 0 || x[xi] > best) {
                        best = x[xi];
                        bestAt = xi;
                    }
                }
            }
            y[yBase + ch] = best;
            if (argmax != null) {
                argmax[yBase + ch] = bestAt;
            }
        }
    }

    @Override
    public void maxPoolBackward(Pool2dGeometry g, float[] dy, int[] argmax, float[] dx) {
        Arrays.fill(dx, 0, g.inputSize(), 0f);
        for (int i = 0; i < g.outputSize(); i++) {
            dx[argmax[i]] += dy[i];
        }
    }

    @Override
    public void avgPoolForward(Pool2dGeometry g, float[] x, float[] y) {
        int c = g.channels();
        for (int nb = 0; nb < g.batch(); nb++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    int yBase = ((nb * g.outH() + oh) * g.outW() + ow) * c;
                    for (int ch = 0; ch < c; ch++) {
                        float sum = 0f;
                        int count = 0;
                        for (int ph = 0; ph < g.poolH(); ph++) {
                            int ih = oh * g.strideH() - g.padTop() + ph;
                            if (ih < 0 || ih >= g.inH()) {
                                continue;
                            }
                            for (int pw = 0; pw < g.poolW(); pw++) {
                                int iw = ow * g.strideW() - g.padLeft() + pw;
                                if (iw < 0 || iw >= g.inW()) {
                                    continue;
                                }
                                sum += x[((nb * g.inH() + ih) * g.inW() + iw) * c + ch];
                                count++;
                            }
                        }
                        y[yBase + ch] = sum / count;
                    }
                }
            }
        }
    }

    @Override
    public void avgPoolBackward(Pool2dGeometry g, float[] dy, float[] dx) {
        Arrays.fill(dx, 0, g.inputSize(), 0f);
        int c = g.channels();
        for (int nb = 0; nb < g.batch(); nb++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                int h0 = Math.max(oh * g.strideH() - g.padTop(), 0);
                int h1 = Math.min(oh * g.strideH() - g.padTop() + g.poolH(), g.inH());
                for (int ow = 0; ow < g.outW(); ow++) {
                    int w0 = Math.max(ow * g.strideW() - g.padLeft(), 0);
                    int w1 = Math.min(ow * g.strideW() - g.padLeft() + g.poolW(), g.inW());
                    float inv = 1f / ((h1 - h0) * (w1 - w0));
                    int yBase = ((nb * g.outH() + oh) * g.outW() + ow) * c;
                    for (int ih = h0; ih < h1; ih++) {
                        for (int iw = w0; iw < w1; iw++) {
                            int xBase = ((nb * g.inH() + ih) * g.inW() + iw) * c;
                            for (int ch = 0; ch < c; ch++) {
                                dx[xBase + ch] += dy[yBase + ch] * inv;
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Rows per partial sum in the per-channel sums ({@link #channelMoments},
     * {@link #batchNormGradSums}, {@link #addColumnSums}): each chunk of this many rows is summed
     * in row order from zero, then the chunks' sums are added in chunk order. The order depends
     * on the shape alone, so threads may share the chunks without changing a bit.
     */
    static final int SUM_ROWS = 256;

    /**
     * Runs chunks {@code 0 .. n - 1} of a per-channel sum over {@code channels} channels: in
     * order here, over the threads in {@link BlockedKernels}, which may also cut the channels
     * into ranges (each channel's sums do not depend on the others').
     */
    @FunctionalInterface
    interface Chunks {
        void each(int n, int channels, long costPerChunk, ChunkPart part);
    }

    /** Sums chunk {@code c}'s rows of channels {@code [from, to)}. */
    @FunctionalInterface
    interface ChunkPart {
        void run(int c, int from, int to);
    }

    static final Chunks IN_ORDER = (n, channels, cost, part) -> {
        for (int c = 0; c < n; c++) {
            part.run(c, 0, channels);
        }
    };

    static int sumChunks(int rows) {
        return Math.max(1, (rows + SUM_ROWS - 1) / SUM_ROWS);
    }

    /** The chunks' sums added in chunk order, into {@code out} (overwritten). */
    static void addChunks(double[][] parts, int channels, double[] out) {
        Arrays.fill(out, 0, channels, 0.0);
        for (double[] part : parts) {
            for (int ch = 0; ch < channels; ch++) {
                out[ch] += part[ch];
            }
        }
    }

    @Override
    public void channelMoments(float[] x, int rows, int channels, float[] mean, float[] variance) {
        channelMoments(x, rows, channels, mean, variance, IN_ORDER);
    }

    /** The sums of the columns of a {@code rows x cols} matrix, chunk by chunk. */
    private static double[] columnSums(float[] x, int rows, int cols, Chunks chunks) {
        int n = sumChunks(rows);
        double[][] part = new double[n][cols];
        chunks.each(n, cols, (long) SUM_ROWS * cols, (c, from, to) -> {
            double[] sum = part[c];
            for (int r = c * SUM_ROWS, end = Math.min(rows, r + SUM_ROWS); r < end; r++) {
                int base = r * cols;
                for (int j = from; j < to; j++) {
                    sum[j] += x[base + j];
                }
            }
        });
        double[] sum = new double[cols];
        addChunks(part, cols, sum);
        return sum;
    }

    static void channelMoments(float[] x, int rows, int channels, float[] mean, float[] variance, Chunks chunks) {
        double[] mu = columnSums(x, rows, channels, chunks);
        for (int ch = 0; ch < channels; ch++) {
            mu[ch] /= rows;
        }
        // Two passes: the one-pass E[x^2] - E[x]^2 loses all precision when |mean| >> std.
        int n = sumChunks(rows);
        double[][] part = new double[n][channels];
        chunks.each(n, channels, 3L * SUM_ROWS * channels, (c, from, to) -> {
            double[] sq = part[c];
            for (int r = c * SUM_ROWS, end = Math.min(rows, r + SUM_ROWS); r < end; r++) {
                int base = r * channels;
                for (int ch = from; ch < to; ch++) {
                    double d = x[base + ch] - mu[ch];
                    sq[ch] += d * d;
                }
            }
        });
        double[] sq = new double[channels];
        addChunks(part, channels, sq);
        for (int ch = 0; ch < channels; ch++) {
            mean[ch] = (float) mu[ch];
            variance[ch] = (float) (sq[ch] / rows);
        }
    }

    @Override
    public void channelAffine(float[] x, int rows, int channels, float[] scale, float[] shift, float[] y) {
        channelAffine(x, 0, rows, channels, scale, shift, y);
    }

    /** {@link #channelAffine(float[], int, int, float[], float[], float[])} on rows {@code [from, to)}. */
    static void channelAffine(float[] x, int from, int to, int channels, float[] scale, float[] shift, float[] y) {
        for (int r = from; r < to; r++) {
            int base = r * channels;
            for (int ch = 0; ch < channels; ch++) {
                y[base + ch] = x[base + ch] * scale[ch] + shift[ch];
            }
        }
    }

    @Override
    public void batchNormGradSums(float[] x, float[] dy, int rows, int channels, float[] mean, float[] invStd,
                                  double[] sumDy, double[] sumDyXhat) {
        batchNormGradSums(rows, channels, sumDy, sumDyXhat, IN_ORDER, gradSumsChunk(x, dy, rows, channels, mean, invStd));
    }

    /** The reference loop of a chunk of {@link #batchNormGradSums}. */
    static GradSumsChunk gradSumsChunk(float[] x, float[] dy, int rows, int channels, float[] mean, float[] invStd) {
        return (c, from, to, s1, s2) -> {
            for (int r = c * SUM_ROWS, end = Math.min(rows, r + SUM_ROWS); r < end; r++) {
                int base = r * channels;
                for (int ch = from; ch < to; ch++) {
                    double g = dy[base + ch];
                    s1[ch] += g;
                    s2[ch] += g * ((x[base + ch] - mean[ch]) * invStd[ch]);
                }
            }
        };
    }

    /**
     * Adds chunk {@code c}'s rows of channels {@code [from, to)} of the two sums of
     * {@link #batchNormGradSums} into {@code s1, s2} (zeros).
     */
    @FunctionalInterface
    interface GradSumsChunk {
        void add(int c, int from, int to, double[] s1, double[] s2);
    }

    /** {@link #batchNormGradSums} in {@link #SUM_ROWS} chunks, each summed by {@code chunk}. */
    static void batchNormGradSums(int rows, int channels, double[] sumDy, double[] sumDyXhat, Chunks chunks,
                                  GradSumsChunk chunk) {
        int n = sumChunks(rows);
        double[][] p1 = new double[n][channels];
        double[][] p2 = new double[n][channels];
        chunks.each(n, channels, 4L * SUM_ROWS * channels, (c, from, to) -> chunk.add(c, from, to, p1[c], p2[c]));
        addChunks(p1, channels, sumDy);
        addChunks(p2, channels, sumDyXhat);
    }

    @Override
    public void batchNormBackwardInput(float[] x, float[] dy, int rows, int channels, float[] mean,
                                       float[] invStd, float[] gamma, double[] sumDy, double[] sumDyXhat,
                                       boolean training, float[] dx) {
        float[][] coef = batchNormBackwardCoefficients(rows, channels, invStd, gamma, sumDy, sumDyXhat, training);
        batchNormBackwardInput(x, dy, 0, rows, channels, mean, invStd, coef, dx);
    }

    /** Per channel: {@code gamma*invStd}, the mean of dy, the mean of dy*xhat (0 with fixed statistics). */
    static float[][] batchNormBackwardCoefficients(int rows, int channels, float[] invStd, float[] gamma,
                                                   double[] sumDy, double[] sumDyXhat, boolean training) {
        float[] k = new float[channels];
        float[] meanDy = new float[channels];
        float[] meanDyXhat = new float[channels];
        for (int ch = 0; ch < channels; ch++) {
            k[ch] = (gamma == null ? 1f : gamma[ch]) * invStd[ch];
            meanDy[ch] = training ? (float) (sumDy[ch] / rows) : 0f;
            meanDyXhat[ch] = training ? (float) (sumDyXhat[ch] / rows) : 0f;
        }
        return new float[][] {k, meanDy, meanDyXhat};
    }

    /** The input gradient of batch normalization on rows {@code [from, to)}, from its coefficients. */
    static void batchNormBackwardInput(float[] x, float[] dy, int from, int to, int channels, float[] mean,
                                       float[] invStd, float[][] coef, float[] dx) {
        float[] k = coef[0];
        float[] meanDy = coef[1];
        float[] meanDyXhat = coef[2];
        for (int r = from; r < to; r++) {
            int base = r * channels;
            for (int ch = 0; ch < channels; ch++) {
                float xhat = (x[base + ch] - mean[ch]) * invStd[ch];
                dx[base + ch] = k[ch] * (dy[base + ch] - meanDy[ch] - xhat * meanDyXhat[ch]);
            }
        }
    }

    @Override
    public void addRowVector(float[] y, int rows, int cols, float[] v) {
        addRowVector(y, 0, rows, cols, v);
    }

    /** {@link #addRowVector(float[], int, int, float[])} on rows {@code [from, to)}. */
    static void addRowVector(float[] y, int from, int to, int cols, float[] v) {
        for (int r = from; r < to; r++) {
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                y[base + c] += v[c];
            }
        }
    }

    @Override
    public void addColumnSums(float[] x, int rows, int cols, float[] acc) {
        addColumnSums(x, rows, cols, acc, IN_ORDER);
    }

    static void addColumnSums(float[] x, int rows, int cols, float[] acc, Chunks chunks) {
        double[] sum = columnSums(x, rows, cols, chunks);
        for (int j = 0; j < cols; j++) {
            acc[j] += (float) sum[j];
        }
    }

    @Override
    public void biasAffineRelu(float[] x, int rows, int channels, float[] bias, float[] scale, float[] shift,
                               boolean relu, float[] y) {
        biasAffineRelu(x, 0, rows, channels, 0, bias, scale, shift, relu, y);
    }

    /** {@link #biasAffineRelu} of rows {@code [from, to)}, channels {@code firstChannel} onwards. */
    static void biasAffineRelu(float[] x, int from, int to, int channels, int firstChannel, float[] bias,
                               float[] scale, float[] shift, boolean relu, float[] y) {
        for (int r = from; r < to; r++) {
            int base = r * channels;
            for (int ch = firstChannel; ch < channels; ch++) {
                float v = bias == null ? x[base + ch] : x[base + ch] + bias[ch];
                v = v * scale[ch] + shift[ch];
                y[base + ch] = relu && v < 0f ? 0f : v;
            }
        }
    }

    @Override
    public void addRelu(float[] a, float[] b, float[] y, int n) {
        addRelu(a, b, y, 0, n);
    }

    static void addRelu(float[] a, float[] b, float[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            float v = a[i] + b[i];
            y[i] = v < 0f ? 0f : v;
        }
    }

    @Override
    public void reluForward(float[] x, float[] y, int n) {
        reluForward(x, y, 0, n);
    }

    /** {@link #reluForward(float[], float[], int)} on indices {@code [from, to)}. */
    static void reluForward(float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            // Written so that NaN passes through, as TensorFlow's relu does: a NaN must reach the loss.
            y[i] = x[i] < 0f ? 0f : x[i];
        }
    }

    @Override
    public void reluBackward(float[] y, float[] dy, float[] dx, int n) {
        reluBackward(y, dy, dx, 0, n);
    }

    /** {@link #reluBackward(float[], float[], float[], int)} on indices {@code [from, to)}. */
    static void reluBackward(float[] y, float[] dy, float[] dx, int from, int to) {
        for (int i = from; i < to; i++) {
            dx[i] = y[i] > 0f ? dy[i] : 0f;
        }
    }

    @Override
    public void add(float[] a, float[] b, float[] y, int n) {
        add(a, b, y, 0, n);
    }

    /** {@link #add(float[], float[], float[], int)} on indices {@code [from, to)}. */
    static void add(float[] a, float[] b, float[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            y[i] = a[i] + b[i];
        }
    }
}
