package org.resnet4j.layers;

import java.util.List;
import java.util.Map;
import org.resnet4j.kernels.Pool2dGeometry;
import org.resnet4j.tensor.Shape;

/**
 * What max and average pooling share: a {@code poolH x poolW} window moved by the strides
 * (defaulting to the pool size, as in Keras) with {@link Padding}'s output arithmetic.
 */
public abstract sealed class Pooling2D extends SingleInputLayer permits MaxPooling2D, AveragePooling2D {

    protected final int poolH;
    protected final int poolW;
    protected final int strideH;
    protected final int strideW;
    protected final Padding padding;

    protected Pooling2D(int poolH, int poolW, int strideH, int strideW, Padding padding, String name) {
        super(name);
        this.poolH = poolH;
        this.poolW = poolW;
        this.strideH = strideH;
        this.strideW = strideW;
        this.padding = padding;
        if (poolH <= 0 || poolW <= 0) {
            throw error("pool size must be positive", "pool_size > 0", "(" + poolH + ", " + poolW + ")");
        }
        if (strideH <= 0 || strideW <= 0) {
            throw error("strides must be positive", "strides > 0", "(" + strideH + ", " + strideW + ")");
        }
    }

    @Override
    public Shape computeOutputShape(Shape in) {
        requireRank(in, 4, "an NHWC image batch");
        return Shape.of(in.dim(0), padding.outputSize(in.dim(1), poolH, strideH),
                padding.outputSize(in.dim(2), poolW, strideW), in.dim(3));
    }

    protected final Pool2dGeometry geometry(Shape in) {
        int h = in.dim(1);
        int w = in.dim(2);
        return new Pool2dGeometry(in.dim(0), h, w, in.dim(3), poolH, poolW, strideH, strideW,
                padding.padBefore(h, poolH, strideH), padding.padBefore(w, poolW, strideW),
                padding.outputSize(h, poolH, strideH), padding.outputSize(w, poolW, strideW));
    }

    @Override
    public Map<String, Object> getConfig() {
        Map<String, Object> c = super.getConfig();
        c.put("pool_size", List.of(poolH, poolW));
        c.put("padding", padding.kerasName());
        c.put("strides", List.of(strideH, strideW));
        c.put("data_format", "channels_last");
        return c;
    }
}
