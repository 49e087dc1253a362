package org.resnet4j.layers;

import org.resnet4j.kernels.Kernels;
import org.resnet4j.kernels.Pool2dGeometry;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * The mean of each window, Keras's {@code AveragePooling2D}. Strides default to the pool size;
 * with {@code same} padding, padded positions are left out of the mean, as in TensorFlow.
 */
public final class AveragePooling2D extends Pooling2D {

    /** Keras's {@code AveragePooling2D(pool_size=p)}: strides {@code p}, valid padding. */
    public AveragePooling2D(int pool) {
        this(pool, pool, pool, pool, Padding.VALID, null);
    }

    /** {@link #AveragePooling2D(int)} with a name. */
    public AveragePooling2D(int pool, String name) {
        this(pool, pool, pool, pool, Padding.VALID, name);
    }

    public AveragePooling2D(int poolH, int poolW, int strideH, int strideW, Padding padding, String name) {
        super(poolH, poolW, strideH, strideW, padding, name);
    }

    @Override
    public Tensor forward(Tensor x, Context ctx, boolean training) {
        Pool2dGeometry g = geometry(x.shape());
        Tensor y = Tensor.zeros(g.batch(), g.outH(), g.outW(), g.channels());
        Kernels.get().avgPoolForward(g, x.data(), y.data());
        ctx.save(g, x.shape());
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Context ctx) {
        Pool2dGeometry g = ctx.saved(0);
        Shape inShape = ctx.saved(1);
        Tensor dx = Tensor.zeros(inShape);
        Kernels.get().avgPoolBackward(g, dy.data(), dx.data());
        return dx;
    }
}
