package org.resnet4j.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * The entry of a functional model. It has no weights and does no arithmetic; a model feeds it
 * the data. Create one with {@link #input(int...)}, Keras's {@code Input(shape=...)}.
 */
public final class InputLayer extends Layer {

    private final Shape shape;
    private final SymbolicTensor output;

    private InputLayer(Shape sampleShape, String name) {
        super(name);
        for (int d : sampleShape.dims()) {
            if (d <= 0) {
                throw error("every input dimension must be positive", "dimensions > 0", sampleShape);
            }
        }
        this.shape = Shape.batchOf(sampleShape.dims());
        this.ensureBuilt(List.of());
        this.output = new Node(this, List.of(), shape).output();
    }

    /** Keras's {@code Input(shape=dims)}: a symbolic tensor of shape {@code (None, dims...)}. */
    public static SymbolicTensor input(int... dims) {
        return new InputLayer(Shape.of(dims), null).output;
    }

    /** {@link #input(int...)} with a layer name. */
    public static SymbolicTensor input(String name, int... dims) {
        return new InputLayer(Shape.of(dims), name).output;
    }

    /** The input shape with its unknown batch dimension. */
    public Shape shape() {
        return shape;
    }

    @Override
    protected int arity() {
        return 0;
    }

    @Override
    public Shape computeOutputShape(List<Shape> inputShapes) {
        return shape;
    }

    @Override
    public Tensor forward(List<Tensor> inputs, Context ctx, boolean training) {
        return inputs.get(0);
    }

    @Override
    public List<Tensor> backwardAll(Tensor dy, Context ctx) {
        return List.of(dy);
    }

    @Override
    public Map<String, Object> getConfig() {
        Map<String, Object> c = super.getConfig();
        List<Object> batchShape = new ArrayList<>();
        for (int d : shape.dims()) {
            batchShape.add(d == Shape.UNKNOWN ? null : d);
        }
        c.put("batch_shape", batchShape);
        c.put("sparse", false);
        return c;
    }
}
