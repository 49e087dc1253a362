package org.resnet4j.layers;

import java.util.List;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * A layer that applies one activation function element by element (softmax over the last
 * axis): what {@link Activation} and {@link ReLU} share. They differ only in their Keras class
 * and config.
 */
abstract class FunctionLayer extends SingleInputLayer implements ActivatedLayer {

    private final ActivationFunction function;

    FunctionLayer(ActivationFunction function, String name) {
        super(name);
        this.function = function;
    }

    @Override
    public ActivationFunction activation() {
        return function;
    }

    @Override
    public List<Tensor> backwardFromPreActivation(Tensor dz, Context ctx) {
        return List.of(dz);
    }

    @Override
    public Shape computeOutputShape(Shape in) {
        return in;
    }

    @Override
    public Tensor forward(Tensor x, Context ctx, boolean training) {
        Tensor y = apply(x, ctx);
        ctx.save(y);
        return y;
    }

    /** {@code f(x)}, into x's array when the graph says nothing reads x after this layer. */
    private Tensor apply(Tensor x, Context ctx) {
        if (ctx.inputWritable(0)) {
            function.forward(x.data(), x.data(), x.size(), x.shape().dim(-1));
            return x;
        }
        return function.apply(x);
    }

    @Override
    public boolean canRecompute() {
        return true;
    }

    @Override
    public Tensor recompute(List<Tensor> inputs, Context ctx) {
        return apply(inputs.get(0), ctx);
    }

    @Override
    public Tensor backward(Tensor dy, Context ctx) {
        Tensor y = ctx.saved(0);
        if (ctx.outputGradientWritable()) {
            function.backward(y.data(), dy.data(), dy.data(), dy.size(), dy.shape().dim(-1));
            return dy;
        }
        return function.gradient(y, dy);
    }
}
