package org.resnet4j.layers;

import java.util.ArrayList;
import java.util.List;
import org.resnet4j.kernels.Kernels;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * Element-wise sum of two or more tensors of one shape, Keras's {@code Add()([a, b])}: the join
 * of a residual shortcut. The gradient flows unchanged to every input.
 */
public final class Add extends Layer {

    public Add() {
        this(null);
    }

    public Add(String name) {
        super(name);
    }

    @Override
    protected int arity() {
        return -1;
    }

    @Override
    public Shape computeOutputShape(List<Shape> inputShapes) {
        Shape first = inputShapes.get(0);
        for (int i = 1; i < inputShapes.size(); i++) {
            if (!inputShapes.get(i).compatibleWith(first)) {
                throw error("all inputs must have the same shape", first + " for input " + i, inputShapes.get(i));
            }
        }
        return first;
    }

    @Override
    public Tensor forward(List<Tensor> inputs, Context ctx, boolean training) {
        checkShapes(inputs);
        ctx.save(inputs.size());
        return sum(inputs, ctx);
    }

    void checkShapes(List<Tensor> inputs) {
        Tensor first = inputs.get(0);
        for (int i = 1; i < inputs.size(); i++) {
            if (!inputs.get(i).shape().equals(first.shape())) {
                throw error("all inputs must have the same shape", first.shape() + " for input " + i,
                        inputs.get(i).shape());
            }
        }
    }

    @Override
    public boolean canRecompute() {
        return true;
    }

    @Override
    public Tensor recompute(List<Tensor> inputs, Context ctx) {
        return sum(inputs, ctx);
    }

    /**
     * The inputs added in order, left to right (into the first or second input's array when the
     * graph says nothing reads it after this layer: {@code a + b} is {@code b + a}, bit for bit).
     */
    private static Tensor sum(List<Tensor> inputs, Context ctx) {
        Tensor y = ctx.inputWritable(0) ? inputs.get(0)
                : ctx.inputWritable(1) ? inputs.get(1) : Tensor.uninitialized(inputs.get(0).shape());
        Kernels k = Kernels.get();
        k.add(inputs.get(0).data(), inputs.get(1).data(), y.data(), y.size());
        for (int i = 2; i < inputs.size(); i++) {
            k.add(y.data(), inputs.get(i).data(), y.data(), y.size());
        }
        return y;
    }

    @Override
    public List<Tensor> backwardAll(Tensor dy, Context ctx) {
        int n = ctx.saved(0);
        List<Tensor> grads = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            // Each input gets the same gradient; the model never writes into a gradient it receives.
            grads.add(dy);
        }
        return grads;
    }
}
