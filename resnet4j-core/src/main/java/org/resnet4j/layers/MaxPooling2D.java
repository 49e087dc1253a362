package org.resnet4j.layers;

import java.util.List;
import org.resnet4j.kernels.Kernels;
import org.resnet4j.kernels.Pool2dGeometry;
import org.resnet4j.tensor.ArrayPool;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * The maximum of each window, Keras's {@code MaxPooling2D}. Output
 * {@code (N, H', W', C)} with {@link Padding}'s arithmetic; strides default to the pool size.
 * The gradient goes to the first maximum of each window.
 */
public final class MaxPooling2D extends Pooling2D {

    /** Keras's {@code MaxPooling2D(pool_size=p)}: strides {@code p}, valid padding. */
    public MaxPooling2D(int pool) {
        this(pool, pool, pool, pool, Padding.VALID, null);
    }

    /** Keras's {@code MaxPooling2D(pool, strides)}, valid padding. */
    public MaxPooling2D(int pool, int stride) {
        this(pool, pool, stride, stride, Padding.VALID, null);
    }

    /** {@link #MaxPooling2D(int, int)} with a name. */
    public MaxPooling2D(int pool, int stride, String name) {
        this(pool, pool, stride, stride, Padding.VALID, name);
    }

    public MaxPooling2D(int poolH, int poolW, int strideH, int strideW, Padding padding, String name) {
        super(poolH, poolW, strideH, strideW, padding, name);
    }

    @Override
    public List<String> summaryExtras() {
        return List.of("(" + poolH + "," + poolW + ")", "(" + strideH + "," + strideW + ")", padding.kerasName());
    }

    /**
     * Keeps the input for backward, which finds each window's maximum again, rather than the
     * positions of the maxima: the input is often a value the model can let go of after forward
     * and rebuild (a ReLU's output), and an index array kept through the step would outlive the
     * young generation and be garbage in the old one.
     */
    @Override
    public Tensor forward(Tensor x, Context ctx, boolean training) {
        Pool2dGeometry g = geometry(x.shape());
        Tensor y = Tensor.uninitialized(Shape.of(g.batch(), g.outH(), g.outW(), g.channels()));
        // Backward finds the maxima again from the kept input, so their positions are not kept.
        Kernels.get().maxPoolForward(g, x.data(), y.data(), null);
        ctx.save(g, x);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Context ctx) {
        Pool2dGeometry g = ctx.saved(0);
        Tensor x = ctx.saved(1);
        Tensor y = Tensor.uninitialized(dy.shape());
        int[] argmax = new int[dy.size()];
        Kernels k = Kernels.get();
        k.maxPoolForward(g, x.data(), y.data(), argmax);
        ArrayPool.recycle(y.data());
        Tensor dx = Tensor.uninitialized(x.shape());
        k.maxPoolBackward(g, dy.data(), argmax, dx.data());
        return dx;
    }
}
