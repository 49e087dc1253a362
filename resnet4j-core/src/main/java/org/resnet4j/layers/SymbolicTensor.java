package org.resnet4j.layers;

import org.resnet4j.tensor.Shape;

/**
 * A tensor of the functional API: it has a shape (batch usually unknown) and remembers the
 * node that produces it, but holds no data, like Keras's {@code KerasTensor}.
 */
public final class SymbolicTensor {

    private final Shape shape;
    private final Node node;

    SymbolicTensor(Shape shape, Node node) {
        this.shape = shape;
        this.node = node;
    }

    public Shape shape() {
        return shape;
    }

    /** The node (layer call) that produces this tensor. */
    public Node node() {
        return node;
    }

    @Override
    public String toString() {
        return "SymbolicTensor(shape=" + shape + ", from='" + node.layer().name() + "')";
    }
}
