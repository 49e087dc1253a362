package org.resnet4j.layers;

import java.util.List;
import org.resnet4j.tensor.Shape;

/** One call of a layer in a graph: the layer, the tensors it was applied to and its output. */
public final class Node {

    private final Layer layer;
    private final List<SymbolicTensor> inputs;
    private final SymbolicTensor output;

    Node(Layer layer, List<SymbolicTensor> inputs, Shape outputShape) {
        this.layer = layer;
        this.inputs = inputs;
        this.output = new SymbolicTensor(outputShape, this);
    }

    public Layer layer() {
        return layer;
    }

    /** The tensors the layer was applied to; empty for an input node. */
    public List<SymbolicTensor> inputs() {
        return inputs;
    }

    public SymbolicTensor output() {
        return output;
    }

    public boolean isInput() {
        return inputs.isEmpty();
    }
}
