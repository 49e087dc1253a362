package org.resnet4j.kernels;

/**
 * The hot loops of the library. Every layer computes through this interface, so a faster
 * implementation plugs in here without touching the layers.
 *
 * <p>{@link ScalarKernels} is the reference: plain loops that stay as the oracle every faster
 * implementation is tested against. {@link #get()} returns the implementation chosen once at
 * start-up. All arrays are row-major; images are NHWC.
 *
 * <p>Determinism: for a given implementation, results do not depend on the number of threads
 * (work is split over output rows, and every output element is accumulated in one fixed order).
 */
public interface Kernels {

    /** A short name for logs and benchmarks. */
    String name();

    /**
     * General matrix product {@code C = op(A) * op(B)} (or {@code C += ...} when
     * {@code accumulate}), where {@code op(A)} is {@code m x k} and {@code op(B)} is {@code k x n}.
     * {@code transA} means {@code A} is stored {@code k x m} (row-major, leading dimension
     * {@code lda}); likewise {@code transB}.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float[] a, int aOff, int lda,
              float[] b, int bOff, int ldb,
              float[] c, int cOff, int ldc,
              boolean accumulate);

    /** {@code y = conv(x, w)}; {@code y} is overwritten. Kernel layout {@code (kH, kW, inC, outC)}. */
    void conv2dForward(Conv2dGeometry g, float[] x, float[] w, float[] y);

    /** {@code dx = dL/dx} given {@code dy}; {@code dx} is overwritten. */
    void conv2dBackwardInput(Conv2dGeometry g, float[] dy, float[] w, float[] dx);

    /**
     * {@code dw += dL/dw} given the forward input {@code x} and {@code dy}; without
     * {@code accumulate}, {@code dw = dL/dw} (overwritten, so a fresh accumulator needs no
     * zeroing first). Either way each element is the sum the other would add to zero.
     */
    void conv2dBackwardKernel(Conv2dGeometry g, float[] x, float[] dy, float[] dw, boolean accumulate);

    /** {@code dw += dL/dw}: {@link #conv2dBackwardKernel(Conv2dGeometry, float[], float[], float[], boolean)} accumulating. */
    default void conv2dBackwardKernel(Conv2dGeometry g, float[] x, float[] dy, float[] dw) {
        conv2dBackwardKernel(g, x, dy, dw, true);
    }

    /**
     * Max pooling; {@code argmax} receives, per output, the flat input index it came from, unless
     * it is {@code null}.
     */
    void maxPoolForward(Pool2dGeometry g, float[] x, float[] y, int[] argmax);

    /** Routes each {@code dy} to its argmax; {@code dx} is overwritten. */
    void maxPoolBackward(Pool2dGeometry g, float[] dy, int[] argmax, float[] dx);

    /** Average pooling over the real (unpadded) positions of each window. */
    void avgPoolForward(Pool2dGeometry g, float[] x, float[] y);

    /** Spreads each {@code dy} evenly over its window's real positions; {@code dx} is overwritten. */
    void avgPoolBackward(Pool2dGeometry g, float[] dy, float[] dx);

    /**
     * Per-channel mean and biased variance (divided by {@code rows}) of a {@code rows x channels}
     * matrix, accumulated in double precision. This sum, and those of {@link #batchNormGradSums}
     * and {@link #addColumnSums}, add chunks of rows in an order fixed by the shape
     * ({@code ScalarKernels.SUM_ROWS}).
     */
    void channelMoments(float[] x, int rows, int channels, float[] mean, float[] variance);

    /** {@code y[r][c] = x[r][c] * scale[c] + shift[c]}. */
    void channelAffine(float[] x, int rows, int channels, float[] scale, float[] shift, float[] y);

    /**
     * Per-channel {@code sumDy[c] = sum_r dy[r][c]} and
     * {@code sumDyXhat[c] = sum_r dy[r][c] * (x[r][c] - mean[c]) * invStd[c]}, in double precision.
     */
    void batchNormGradSums(float[] x, float[] dy, int rows, int channels, float[] mean, float[] invStd,
                           double[] sumDy, double[] sumDyXhat);

    /**
     * Input gradient of batch normalization. With batch statistics ({@code training}):
     * {@code dx = gamma*invStd * (dy - sumDy/rows - xhat * sumDyXhat/rows)}; with fixed statistics:
     * {@code dx = gamma*invStd * dy}. {@code dx} is overwritten; it may be {@code dy} itself.
     */
    void batchNormBackwardInput(float[] x, float[] dy, int rows, int channels, float[] mean, float[] invStd,
                                float[] gamma, double[] sumDy, double[] sumDyXhat, boolean training,
                                float[] dx);

    /** {@code y[r][c] += v[c]} for a {@code rows x cols} matrix (bias addition). */
    void addRowVector(float[] y, int rows, int cols, float[] v);

    /** {@code acc[c] += sum_r x[r][c]} (bias gradient), accumulated in double precision. */
    void addColumnSums(float[] x, int rows, int cols, float[] acc);

    /** {@code y = max(x, 0)}. */
    void reluForward(float[] x, float[] y, int n);

    /** {@code dx = y > 0 ? dy : 0}, from the forward output {@code y}; {@code dx} may be {@code dy}. */
    void reluBackward(float[] y, float[] dy, float[] dx, int n);

    /** {@code y = a + b}; {@code y} may be {@code a} or {@code b}. */
    void add(float[] a, float[] b, float[] y, int n);

    /**
     * {@code y[r][c] = act((x[r][c] + bias[c]) * scale[c] + shift[c])}, {@code act} being ReLU when
     * {@code relu} and the identity otherwise, and {@code bias} optional ({@code null}): a
     * convolution's bias, a BatchNormalization with fixed statistics and a ReLU in one pass, with
     * the operations of {@link #addRowVector}, {@link #channelAffine} and {@link #reluForward} in
     * that order, so the same results. {@code y} may be {@code x}.
     */
    void biasAffineRelu(float[] x, int rows, int channels, float[] bias, float[] scale, float[] shift, boolean relu,
                        float[] y);

    /** {@code y = max(a + b, 0)} as {@link #add} then {@link #reluForward}; {@code y} may be {@code a} or {@code b}. */
    void addRelu(float[] a, float[] b, float[] y, int n);

    /** The implementation chosen at start-up. */
    static Kernels get() {
        return KernelRegistry.current();
    }
}
