package org.resnet4j.layers;

import java.util.Map;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * Keras's {@code ReLU} layer with its defaults ({@code max_value=None}, {@code negative_slope=0},
 * {@code threshold=0}): the same function as {@code Activation('relu')}, kept as its own class
 * so that a model read from a Keras file is written back with the layers it had.
 */
public final class ReLU extends SingleInputLayer implements ActivatedLayer {

    public ReLU() {
        this(null);
    }

    public ReLU(String name) {
        super(name);
    }

    @Override
    public ActivationFunction activation() {
        return ActivationFunction.RELU;
    }

    @Override
    public java.util.List<Tensor> backwardFromPreActivation(Tensor dz, Context ctx) {
        return java.util.List.of(dz);
    }

    @Override
    public Shape computeOutputShape(Shape in) {
        return in;
    }

    @Override
    public Tensor forward(Tensor x, Context ctx, boolean training) {
        Tensor y = ActivationFunction.RELU.apply(x);
        ctx.save(y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Context ctx) {
        Tensor y = ctx.saved(0);
        return ActivationFunction.RELU.gradient(y, dy);
    }

    @Override
    public Map<String, Object> getConfig() {
        Map<String, Object> c = super.getConfig();
        c.put("max_value", null);
        c.put("negative_slope", 0.0);
        c.put("threshold", 0.0);
        return c;
    }
}
