package org.resnet4j.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnet4j.layers.initializers.Initializer;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * A Keras layer: configuration fixed at construction, weights created by {@link #build} once
 * the input shape is known, a forward pass and, right under it, its backward pass.
 *
 * <p>Applying a layer to symbolic tensors ({@link #apply(SymbolicTensor...)}) checks and
 * computes shapes without data, so shape errors surface while the graph is built.
 * {@link #forward} keeps in a per-call {@link Context} only what {@link #backwardAll} needs;
 * backward returns the input gradients and adds ({@code +=}) into parameter gradients.
 */
public abstract class Layer {

    /** The largest weight a layer may create (1 GiB of floats): a guard against absurd configs from files. */
    public static final long MAX_WEIGHT_ELEMENTS = 1L << 28;

    private final String name;
    private final List<Parameter> weights = new ArrayList<>();
    private List<Shape> builtInputShapes;
    private boolean trainable = true;

    /**
     * @param name the layer name, or {@code null} for a Keras-style default derived from the
     *             class name ({@code conv2d}, {@code conv2d_1}, ...)
     */
    protected Layer(String name) {
        this.name = name != null ? name : Names.unique(Names.snakeCase(className()));
    }

    public final String name() {
        return name;
    }

    /** Keras's class name, e.g. {@code Conv2D}. */
    public String className() {
        return getClass().getSimpleName();
    }

    /** Whether gradient descent may change this layer's weights (Keras's {@code layer.trainable}). */
    public boolean isTrainable() {
        return trainable;
    }

    /** Freezes ({@code false}) or unfreezes the layer. */
    public void setTrainable(boolean trainable) {
        this.trainable = trainable;
    }

    /** How many inputs the layer takes, or -1 for two or more (like {@code Add}). */
    protected int arity() {
        return 1;
    }

    /**
     * The output shape for the given input shapes (batch dimension first, possibly unknown).
     * Pure: no data, no state. Throws {@link IllegalArgumentException} with
     * {@link #error(String, Object, Object)} when the inputs do not fit.
     */
    public abstract Shape computeOutputShape(List<Shape> inputShapes);

    /** Creates the weights for the given input shapes. Called once, before the first forward. */
    protected void build(List<Shape> inputShapes) {
    }

    /** Computes the output; keeps in {@code ctx} what backward needs. */
    public abstract Tensor forward(List<Tensor> inputs, Context ctx, boolean training);

    /**
     * Returns one gradient per input and adds into the parameters' gradients. (One-input layers
     * implement {@link SingleInputLayer#backward(Tensor, Context)} instead.)
     */
    public abstract List<Tensor> backwardAll(Tensor dy, Context ctx);

    /**
     * Whether {@link #recompute} can rebuild this layer's output: true for layers whose output
     * is a pure function of their inputs and of what their forward call kept (activations, Add,
     * BatchNormalization), false for those that draw random numbers or are costly to run again.
     */
    public boolean canRecompute() {
        return false;
    }

    /**
     * The output of the forward call that filled {@code ctx}, computed again from the same
     * {@code inputs}, bit for bit, and changing no state (BatchNormalization's moving statistics
     * stay as they are). A training pass uses it to let go of values kept for backward and
     * rebuild them when backward reaches them (see {@code ForwardPass}). As in forward, it may
     * write its output over an input where {@link Context#inputWritable(int)} allows.
     */
    public Tensor recompute(List<Tensor> inputs, Context ctx) {
        throw new UnsupportedOperationException("Layer '" + name + "' (" + className() + ") cannot recompute its output");
    }

    /** Keras's config of this layer: what it takes to rebuild it. */
    public Map<String, Object> getConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("trainable", trainable);
        c.put("dtype", "float32");
        return c;
    }

    /**
     * The summary extras of the reference tables (e.g. Conv2D's padding, activation and
     * initializer); empty for layers that have none.
     */
    public List<String> summaryExtras() {
        return List.of();
    }

    /** Applies the layer to symbolic tensors, checking shapes and building weights on first use. */
    public final SymbolicTensor apply(SymbolicTensor... inputs) {
        return apply(List.of(inputs));
    }

    /** Applies the layer to symbolic tensors, checking shapes and building weights on first use. */
    public final SymbolicTensor apply(List<SymbolicTensor> inputs) {
        List<Shape> shapes = new ArrayList<>(inputs.size());
        for (SymbolicTensor t : inputs) {
            shapes.add(t.shape());
        }
        Shape out = outputShapeFor(shapes);
        ensureBuilt(shapes);
        Node node = new Node(this, List.copyOf(inputs), out);
        return node.output();
    }

    /** Checks the input count, then computes the output shape. */
    public final Shape outputShapeFor(List<Shape> shapes) {
        int arity = arity();
        if (arity > 0 && shapes.size() != arity) {
            throw error("wrong number of inputs", arity, shapes.size());
        }
        if (arity < 0 && shapes.size() < 2) {
            throw error("needs at least two inputs", "2 or more", shapes.size());
        }
        Shape out = computeOutputShape(shapes);
        for (int i = 1; i < out.rank(); i++) {
            if (out.dim(i) <= 0) {
                throw error("the output would be empty (check kernel size, strides and padding against the input)",
                        "every output dimension > 0", out);
            }
        }
        return out;
    }

    /** Builds the layer for {@code shapes} unless built, else checks they agree with the built shapes. */
    public final void ensureBuilt(List<Shape> shapes) {
        if (builtInputShapes == null) {
            build(shapes);
            builtInputShapes = List.copyOf(shapes);
            return;
        }
        for (int i = 0; i < shapes.size(); i++) {
            if (!shapes.get(i).compatibleWith(builtInputShapes.get(i))) {
                throw error("input " + i + " is incompatible with the shape the layer was built for",
                        builtInputShapes.get(i), shapes.get(i));
            }
        }
    }

    public final boolean isBuilt() {
        return builtInputShapes != null;
    }

    /** The input shapes the layer was built for. */
    public final List<Shape> builtInputShapes() {
        if (builtInputShapes == null) {
            throw new IllegalStateException("Layer '" + name + "' is not built yet");
        }
        return builtInputShapes;
    }

    /** Creates a weight; the only way a layer gets one. */
    protected final Parameter addWeight(String weightName, Shape shape, Initializer initializer, boolean trainableWeight) {
        long size = 1;
        for (int d : shape.dims()) {
            size *= d;
            if (size > MAX_WEIGHT_ELEMENTS) {
                throw error("weight '" + weightName + "' would be too large", "at most " + MAX_WEIGHT_ELEMENTS
                        + " values", shape);
            }
        }
        Tensor value = initializer.initialize(shape);
        if (!value.shape().equals(shape)) {
            throw new IllegalStateException("Initializer " + initializer + " returned " + value.shape() + " for " + shape);
        }
        Parameter p = new Parameter(this, weightName, value, trainableWeight);
        weights.add(p);
        return p;
    }

    /** All weights in creation order (Keras's order: e.g. kernel, bias). */
    public final List<Parameter> weights() {
        return Collections.unmodifiableList(weights);
    }

    /** Weights that gradient descent changes (none when the layer is frozen). */
    public final List<Parameter> trainableWeights() {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : weights) {
            if (p.isTrainable()) {
                out.add(p);
            }
        }
        return out;
    }

    /** Penalties on this layer's weights, by weight name (Keras's kernel and bias regularizers). */
    public Map<String, Regularizer> regularizers() {
        return Map.of();
    }

    /** The penalty this layer adds to the training loss now. */
    public final double regularizationLoss() {
        double total = 0;
        for (Parameter p : weights) {
            Regularizer r = regularizers().get(p.name());
            if (r != null && p.isTrainable()) {
                total += r.loss(p.value().data());
            }
        }
        return total;
    }

    /** Adds the gradient of {@link #regularizationLoss()} into the weights' gradients. */
    public final void addRegularizationGradients() {
        for (Parameter p : weights) {
            Regularizer r = regularizers().get(p.name());
            if (r != null && p.isTrainable()) {
                r.addGradient(p.value().data(), p.gradValues());
            }
        }
    }

    /** Number of scalar weights. */
    public final long countParams() {
        long n = 0;
        for (Parameter p : weights) {
            n += p.value().size();
        }
        return n;
    }

    /**
     * An error in the house format:
     * {@code Layer 'name': <rule>. Expected <x>, received <y>.}
     */
    protected final IllegalArgumentException error(String rule, Object expected, Object received) {
        return new IllegalArgumentException("Layer '" + name + "' (" + className() + "): " + rule + ". Expected "
                + expected + ", received " + received + ".");
    }

    /** Checks an input rank and names the layer when it is wrong. */
    protected final void requireRank(Shape shape, int rank, String what) {
        if (shape.rank() != rank) {
            throw error("input must be " + what + " (rank " + rank + ")", "rank " + rank, shape + " (rank " + shape.rank() + ")");
        }
    }

    @Override
    public String toString() {
        return className() + "('" + name + "')";
    }
}
