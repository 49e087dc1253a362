package org.resnet4j.layers;

import java.util.Map;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * Flattens each sample to a vector, Keras's {@code Flatten}: {@code (N, H, W, C)} to
 * {@code (N, H*W*C)} in row-major (channels-last) order, so it matches Keras's element order.
 */
public final class Flatten extends SingleInputLayer {

    public Flatten() {
        this(null);
    }

    public Flatten(String name) {
        super(name);
    }

    @Override
    public Shape computeOutputShape(Shape in) {
        if (in.rank() < 2) {
            throw error("input needs a batch axis and at least one more", "rank >= 2", in);
        }
        return Shape.of(in.dim(0), in.dropBatch().size());
    }

    @Override
    public Tensor forward(Tensor x, Context ctx, boolean training) {
        ctx.save(x.shape());
        return x.reshape(Shape.of(x.shape().dim(0), x.shape().sampleSize()));
    }

    @Override
    public Tensor backward(Tensor dy, Context ctx) {
        Shape s = ctx.saved(0);
        return dy.reshape(s);
    }

    @Override
    public Map<String, Object> getConfig() {
        Map<String, Object> c = super.getConfig();
        c.put("data_format", "channels_last");
        return c;
    }
}
