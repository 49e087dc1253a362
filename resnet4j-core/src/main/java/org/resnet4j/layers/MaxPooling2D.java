package org.resnet4j.layers;

import java.util.List;
import org.resnet4j.kernels.Kernels;
import org.resnet4j.kernels.Pool2dGeometry;
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

    @Override
    public Tensor forward(Tensor x, Context ctx, boolean training) {
        Pool2dGeometry g = geometry(x.shape());
        Tensor y = Tensor.zeros(g.batch(), g.outH(), g.outW(), g.channels());
        int[] argmax = new int[y.size()];
        Kernels.get().maxPoolForward(g, x.data(), y.data(), argmax);
        ctx.save(g, argmax, x.shape());
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Context ctx) {
        Pool2dGeometry g = ctx.saved(0);
        int[] argmax = ctx.saved(1);
        Shape inShape = ctx.saved(2);
        Tensor dx = Tensor.zeros(inShape);
        Kernels.get().maxPoolBackward(g, dy.data(), argmax, dx.data());
        return dx;
    }
}
