package org.resnet4j.layers;

import java.util.List;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** A layer of one input and one output, which is nearly every layer. */
public abstract class SingleInputLayer extends Layer {

    protected SingleInputLayer(String name) {
        super(name);
    }

    /** The output shape for one input shape; see {@link Layer#computeOutputShape(List)}. */
    public abstract Shape computeOutputShape(Shape inputShape);

    /** Creates the weights for one input shape. */
    protected void build(Shape inputShape) {
    }

    /** Computes the output of one input. */
    public abstract Tensor forward(Tensor x, Context ctx, boolean training);

    /** Returns the input gradient ({@code null} allowed when {@code ctx} says it is not needed). */
    public abstract Tensor backward(Tensor dy, Context ctx);

    @Override
    public final Shape computeOutputShape(List<Shape> inputShapes) {
        return computeOutputShape(inputShapes.get(0));
    }

    @Override
    protected final void build(List<Shape> inputShapes) {
        build(inputShapes.get(0));
    }

    @Override
    public final Tensor forward(List<Tensor> inputs, Context ctx, boolean training) {
        return forward(inputs.get(0), ctx, training);
    }

    @Override
    public final List<Tensor> backwardAll(Tensor dy, Context ctx) {
        return java.util.Collections.singletonList(backward(dy, ctx));
    }
}
