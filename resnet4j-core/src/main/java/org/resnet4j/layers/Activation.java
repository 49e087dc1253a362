package org.resnet4j.layers;

import java.util.Map;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** Applies an activation function, Keras's {@code Activation('relu')}; softmax over the last axis. */
public final class Activation extends SingleInputLayer implements ActivatedLayer {

    private final ActivationFunction function;

    public Activation(ActivationFunction function) {
        this(function, null);
    }

    public Activation(ActivationFunction function, String name) {
        super(name);
        this.function = function;
    }

    public ActivationFunction function() {
        return function;
    }

    @Override
    public ActivationFunction activation() {
        return function;
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
        Tensor y = function.apply(x);
        ctx.save(y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Context ctx) {
        Tensor y = ctx.saved(0);
        return function.gradient(y, dy);
    }

    @Override
    public Map<String, Object> getConfig() {
        Map<String, Object> c = super.getConfig();
        c.put("activation", function.kerasName());
        return c;
    }
}
