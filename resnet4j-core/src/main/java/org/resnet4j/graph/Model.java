package org.resnet4j.graph;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.resnet4j.layers.Context;
import org.resnet4j.layers.InferenceFusion;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.Layer;
import org.resnet4j.layers.Node;
import org.resnet4j.layers.Parameter;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.tensor.ArrayPool;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * A functional model, Keras's {@code Model(inputs, outputs)}: the graph of layer calls that
 * leads from input tensors to output tensors.
 *
 * <p>Layers are listed in Keras's order (by decreasing depth from the outputs, ties broken by
 * the order a depth-first walk from the outputs first meets them), so summaries line up with
 * Keras's row for row. Nodes run in a topological order. A tensor may feed several layers (a
 * residual shortcut); backward adds the gradients where paths join.
 */
public final class Model {

    private final String name;
    private final List<SymbolicTensor> inputs;
    private final List<SymbolicTensor> outputs;
    private final List<Node> executionOrder;
    /** Each thread's recycled arrays for this model's runs (see {@link ArrayPool}). */
    private final ThreadLocal<ArrayPool> pools = ThreadLocal.withInitial(ArrayPool::new);
    private final List<Layer> layers;
    /** What a prediction computes in one pass (see {@link #inferenceFusions}), made on first use. */
    private volatile Map<Node, List<Node>> fusions;
    private volatile boolean recomputeActivations = true;
    private volatile boolean writeInPlace = true;

    /** A model of one input and one output. */
    public Model(SymbolicTensor input, SymbolicTensor output, String name) {
        this(List.of(input), List.of(output), name);
    }

    /** A model of several inputs and outputs. */
    public Model(List<SymbolicTensor> inputs, List<SymbolicTensor> outputs, String name) {
        this.name = name != null ? name : "model";
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        for (SymbolicTensor t : inputs) {
            if (!(t.node().layer() instanceof InputLayer)) {
                throw new IllegalArgumentException("Model '" + this.name + "': inputs must come from Input(); received "
                        + t);
            }
        }
        // Depth-first walk from the outputs: post-order gives a topological order, and the
        // pre-order first visit of each layer breaks ties among layers of equal depth (Keras).
        List<Node> postOrder = new ArrayList<>();
        Map<Layer, Integer> layerIndex = new IdentityHashMap<>();
        Set<Node> finished = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<Node> inProgress = Collections.newSetFromMap(new IdentityHashMap<>());
        for (SymbolicTensor out : outputs) {
            visit(out.node(), finished, inProgress, postOrder, layerIndex);
        }
        Map<Node, Integer> nodeDepth = new IdentityHashMap<>();
        Map<Layer, Integer> layerDepth = new IdentityHashMap<>();
        for (int i = postOrder.size() - 1; i >= 0; i--) {
            Node node = postOrder.get(i);
            int depth = Math.max(nodeDepth.getOrDefault(node, 0), layerDepth.getOrDefault(node.layer(), 0));
            layerDepth.put(node.layer(), depth);
            nodeDepth.put(node, depth);
            for (SymbolicTensor in : node.inputs()) {
                nodeDepth.merge(in.node(), depth + 1, Math::max);
            }
        }
        for (SymbolicTensor in : inputs) {
            if (!finished.contains(in.node())) {
                throw new IllegalArgumentException("Model '" + this.name + "': input '" + in.node().layer().name()
                        + "' is not connected to any output");
            }
        }
        Map<Node, Integer> postIndex = new IdentityHashMap<>();
        for (int i = 0; i < postOrder.size(); i++) {
            postIndex.put(postOrder.get(i), i);
        }
        List<Node> order = new ArrayList<>(postOrder);
        order.sort(Comparator.<Node>comparingInt(n -> -nodeDepth.get(n)).thenComparingInt(postIndex::get));
        for (Node n : order) {
            if (n.isInput() && !inputs.contains(n.output())) {
                throw new IllegalArgumentException("Model '" + this.name + "': the graph needs input '"
                        + n.layer().name() + "', which is not among the model's inputs");
            }
        }
        this.executionOrder = List.copyOf(order);
        List<Layer> ls = new ArrayList<>(layerDepth.keySet());
        ls.sort(Comparator.<Layer>comparingInt(l -> -layerDepth.get(l)).thenComparingInt(layerIndex::get));
        Set<String> names = new HashSet<>();
        for (Layer l : ls) {
            if (!names.add(l.name())) {
                throw new IllegalArgumentException("Model '" + this.name + "': layer names must be unique; '"
                        + l.name() + "' is used twice");
            }
        }
        this.layers = List.copyOf(ls);
    }

    /**
     * Depth-first walk from {@code start}, iterative so that very deep graphs cannot exhaust
     * the stack: a layer gets its index when first entered, a node joins {@code postOrder} when
     * all its inputs have.
     */
    private static void visit(Node start, Set<Node> finished, Set<Node> inProgress, List<Node> postOrder,
                              Map<Layer, Integer> layerIndex) {
        if (finished.contains(start)) {
            return;
        }
        java.util.ArrayDeque<int[]> next = new java.util.ArrayDeque<>();
        java.util.ArrayDeque<Node> path = new java.util.ArrayDeque<>();
        enter(start, inProgress, layerIndex, path, next);
        while (!path.isEmpty()) {
            Node node = path.peek();
            int[] cursor = next.peek();
            if (cursor[0] < node.inputs().size()) {
                Node child = node.inputs().get(cursor[0]++).node();
                if (!finished.contains(child)) {
                    enter(child, inProgress, layerIndex, path, next);
                }
            } else {
                path.pop();
                next.pop();
                inProgress.remove(node);
                finished.add(node);
                postOrder.add(node);
            }
        }
    }

    private static void enter(Node node, Set<Node> inProgress, Map<Layer, Integer> layerIndex,
                              java.util.ArrayDeque<Node> path, java.util.ArrayDeque<int[]> next) {
        if (!inProgress.add(node)) {
            throw new IllegalArgumentException("The graph has a cycle at layer '" + node.layer().name() + "'");
        }
        layerIndex.putIfAbsent(node.layer(), layerIndex.size());
        path.push(node);
        next.push(new int[1]);
    }

    public String name() {
        return name;
    }

    public List<SymbolicTensor> inputs() {
        return inputs;
    }

    public List<SymbolicTensor> outputs() {
        return outputs;
    }

    /** Layers in Keras's order (inputs first). */
    public List<Layer> layers() {
        return layers;
    }

    /** The nodes (layer calls) in the order forward runs them. */
    public List<Node> nodes() {
        return executionOrder;
    }

    /** The layer called {@code layerName}. */
    public Layer getLayer(String layerName) {
        for (Layer l : layers) {
            if (l.name().equals(layerName)) {
                return l;
            }
        }
        throw new IllegalArgumentException("Model '" + name + "' has no layer named '" + layerName + "'");
    }

    /** The shape of one input sample, without the batch dimension. */
    public Shape inputShape() {
        return inputs.get(0).shape();
    }

    /** All weights, layer by layer in Keras's order. */
    public List<Parameter> weights() {
        List<Parameter> out = new ArrayList<>();
        for (Layer l : layers) {
            out.addAll(l.weights());
        }
        return out;
    }

    /** The weights gradient descent changes. */
    public List<Parameter> trainableWeights() {
        List<Parameter> out = new ArrayList<>();
        for (Layer l : layers) {
            out.addAll(l.trainableWeights());
        }
        return out;
    }

    public long countParams() {
        long n = 0;
        for (Layer l : layers) {
            n += l.countParams();
        }
        return n;
    }

    public long countTrainableParams() {
        long n = 0;
        for (Parameter p : trainableWeights()) {
            n += p.value().size();
        }
        return n;
    }

    public long countNonTrainableParams() {
        return countParams() - countTrainableParams();
    }

    /** Sets every trainable weight's gradient to zero. */
    public void zeroGrads() {
        for (Parameter p : weights()) {
            p.zeroGrad();
        }
    }

    /** Runs the model on one input and keeps what backward needs. */
    public ForwardPass forward(Tensor input, boolean training) {
        return forward(List.of(input), training, List.of());
    }

    /** Runs the model and keeps what backward needs. */
    public ForwardPass forward(List<Tensor> inputValues, boolean training) {
        return forward(inputValues, training, List.of());
    }

    /**
     * Runs the model and keeps what backward needs, the inputs and outputs, and the values of
     * the tensors in {@code keep} (for {@link ForwardPass#valueOf}). Every other intermediate
     * value is let go as soon as the layers that read it have run, unless a layer kept it for
     * its backward pass.
     */
    public ForwardPass forward(List<Tensor> inputValues, boolean training, Collection<SymbolicTensor> keep) {
        serve(inputValues);
        Map<Node, Context> contexts = new IdentityHashMap<>();
        Set<SymbolicTensor> kept = keptSet(keep);
        Recomputation recomputation = recomputeActivations ? new Recomputation(contexts, kept) : null;
        Map<SymbolicTensor, Tensor> values = run(inputValues, training, kept, contexts, recomputation, null);
        return new ForwardPass(this, values, contexts, outputsOf(values), recomputation);
    }

    /**
     * Whether a pass made by {@link #forward} lets go of the values it keeps for backward that
     * are cheap to compute again (ReLU outputs), and rebuilds them in backward: on by default.
     * For the notebook's ResNet-50 at batch 32 the values kept for backward fall from 200 to
     * 133 MB, for a few element-wise passes (not measurable in the step's time); results are the
     * same, bit for bit (see {@link Recomputation}).
     */
    public void setRecomputeActivations(boolean on) {
        this.recomputeActivations = on;
    }

    public boolean recomputeActivations() {
        return recomputeActivations;
    }

    /**
     * Whether layers may write their outputs over inputs nothing reads after them, and
     * backward its gradients over gradients it alone owns (on by default; the same results bit
     * for bit, in fewer arrays). Off, every value and gradient gets an array of its own: the
     * reference the tests compare with.
     */
    void setWriteInPlace(boolean on) {
        this.writeInPlace = on;
    }

    boolean writeInPlace() {
        return writeInPlace;
    }

    /**
     * Tells this thread's pool the batch shape of a {@link #forward} or {@link #observe} run about
     * to start (see {@link ArrayPool#serve}): the runs of training. {@link #predict} is left out:
     * it keeps far fewer arrays, and evaluation between epochs would otherwise change shapes
     * back and forth.
     */
    private void serve(List<Tensor> inputValues) {
        List<Shape> shapes = new ArrayList<>(inputValues.size());
        for (Tensor t : inputValues) {
            shapes.add(t.shape());
        }
        pools.get().serve(shapes);
    }

    /** This thread's pool of recycled arrays for this model's runs. */
    ArrayPool pool() {
        return pools.get();
    }

    /** Whether {@code array} is held by a context or is the array of one of {@code tensors}. */
    static boolean referenced(float[] array, Collection<Context> contexts, Collection<Tensor> tensors) {
        for (Tensor t : tensors) {
            if (t.data() == array) {
                return true;
            }
        }
        for (Context c : contexts) {
            if (c.references(array)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Inference on a batch: BatchNormalization uses its moving statistics, Dropout is off, and
     * intermediate tensors are released as soon as nothing needs them.
     */
    public Tensor predict(Tensor input) {
        return run(List.of(input), false, keptSet(List.of()), null, null, null).get(outputs.get(0)).exact();
    }

    /**
     * Runs the model once and shows {@code observer} the value of each tensor in
     * {@code watched} as soon as it is computed, as PyTorch's forward hooks do. Nothing is kept
     * for backward, so every intermediate array goes back to the pool as the run goes (a
     * training-mode forward pass that is never backpropagated would keep them all): the
     * observer must copy what it needs and not hold on to the tensors it is shown (which may sit
     * on longer recycled arrays: see {@link Tensor#over}). Returns the outputs.
     */
    public List<Tensor> observe(List<Tensor> inputValues, boolean training, Collection<SymbolicTensor> watched,
                                BiConsumer<SymbolicTensor, Tensor> observer) {
        serve(inputValues);
        Set<SymbolicTensor> watch = Collections.newSetFromMap(new IdentityHashMap<>());
        watch.addAll(watched);
        Map<SymbolicTensor, Tensor> values = run(inputValues, training, keptSet(List.of()), null, null, (t, v) -> {
            if (watch.contains(t)) {
                observer.accept(t, v);
            }
        });
        List<Tensor> outs = outputsOf(values);
        outs.replaceAll(Tensor::exact);
        return outs;
    }

    /** The outputs' values among those a run left. */
    private List<Tensor> outputsOf(Map<SymbolicTensor, Tensor> values) {
        List<Tensor> outs = new ArrayList<>(outputs.size());
        for (SymbolicTensor t : outputs) {
            outs.add(values.get(t));
        }
        return outs;
    }

    /**
     * Runs every layer in order and returns the values left: those in {@code kept} (see
     * {@link #keptSet}). Every other value is let go as soon as the layers that read it have
     * run; its array serves the next tensor of the same size unless a live value, or a context
     * in {@code contexts} (each node's, when not {@code null}), still refers to it (a view of
     * it, or what a layer kept for its backward pass: BatchNormalization's output is dead once
     * its ReLU has run, its input is not), or {@code recomputation} lets go of it there. Each
     * value is shown to {@code observer} (when not {@code null}) as soon as it is made.
     */
    private Map<SymbolicTensor, Tensor> run(List<Tensor> inputValues, boolean training, Set<SymbolicTensor> kept,
                                            Map<Node, Context> contexts, Recomputation recomputation,
                                            BiConsumer<SymbolicTensor, Tensor> observer) {
        Map<SymbolicTensor, Tensor> values = bindInputs(inputValues);
        if (observer != null) {
            values.forEach(observer);
        }
        Map<SymbolicTensor, Integer> consumers = consumerCounts();
        Collection<Context> holders = contexts == null ? List.of() : contexts.values();
        if (recomputation != null) {
            values.forEach(recomputation::produced);
        }
        // A prediction keeps nothing for backward: runs of layers may be computed in one pass.
        boolean predicting = !training && contexts == null && recomputation == null && observer == null;
        Map<Node, List<Node>> fused = predicting ? inferenceFusions() : Map.of();
        Set<Node> absorbed = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayPool pool = pools.get();
        try (ArrayPool.Scope scope = pool.activate()) {
            for (Node node : executionOrder) {
                if (node.isInput() || absorbed.contains(node)) {
                    continue;
                }
                Context ctx = new Context();
                if (writeInPlace) {
                    ctx.setInputsWritable(lastReads(node, values, consumers, kept, holders));
                }
                List<Node> chain = fused.get(node);
                Tensor y;
                SymbolicTensor out = node.output();
                if (chain == null) {
                    y = node.layer().forward(gather(node, values), ctx, training);
                } else {
                    y = InferenceFusion.forward(node, chain, gather(node, values), ctx);
                    absorbed.addAll(chain);
                    out = chain.get(chain.size() - 1).output();
                }
                if (contexts != null) {
                    contexts.put(node, ctx);
                }
                if (recomputation != null) {
                    recomputation.produced(out, y);
                }
                if (observer != null) {
                    observer.accept(out, y);
                }
                Map<SymbolicTensor, Tensor> dropped = release(node, values, consumers, kept);
                values.put(out, y);
                for (Map.Entry<SymbolicTensor, Tensor> e : dropped.entrySet()) {
                    float[] array = e.getValue().data();
                    if (referenced(array, List.of(), values.values())) {
                        continue; // a live view of it
                    }
                    boolean free = !referenced(array, holders, List.of());
                    if (!free && recomputation != null && recomputation.release(e.getKey(), holders)) {
                        free = !referenced(array, holders, List.of());
                    }
                    if (free) {
                        pool.give(array);
                    }
                }
            }
        }
        return values;
    }

    /**
     * For a prediction: the layer calls that each call computes with its own in one pass
     * ({@link InferenceFusion}), in order, by that call. A call is absorbed only when it alone
     * reads the output before it, and that output is not one the run hands out.
     */
    Map<Node, List<Node>> inferenceFusions() {
        Map<Node, List<Node>> plan = fusions;
        if (plan != null) {
            return plan;
        }
        Map<SymbolicTensor, List<Node>> readers = new IdentityHashMap<>();
        for (Node node : executionOrder) {
            for (SymbolicTensor in : node.inputs()) {
                readers.computeIfAbsent(in, t -> new ArrayList<>()).add(node);
            }
        }
        Set<SymbolicTensor> handedOut = keptSet(List.of());
        plan = new IdentityHashMap<>();
        Set<Node> taken = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Node head : executionOrder) {
            if (head.isInput() || taken.contains(head)) {
                continue;
            }
            List<Node> chain = new ArrayList<>();
            Node last = head;
            while (!handedOut.contains(last.output())) {
                List<Node> r = readers.getOrDefault(last.output(), List.of());
                if (r.size() != 1 || !InferenceFusion.absorbs(head, last, r.get(0))) {
                    break;
                }
                last = r.get(0);
                chain.add(last);
            }
            if (!chain.isEmpty()) {
                plan.put(head, List.copyOf(chain));
                taken.addAll(chain);
            }
        }
        fusions = plan;
        return plan;
    }

    /**
     * Which inputs of {@code node} nothing reads after it, so that it may write its output over
     * them: no later layer and no other input of this call reads the tensor, no context keeps
     * it, it is not handed out, and no other live value is a view of its array.
     */
    private static boolean[] lastReads(Node node, Map<SymbolicTensor, Tensor> values,
                                       Map<SymbolicTensor, Integer> consumers, Set<SymbolicTensor> kept,
                                       Collection<Context> holders) {
        List<SymbolicTensor> ins = node.inputs();
        boolean[] writable = new boolean[ins.size()];
        for (int i = 0; i < writable.length; i++) {
            SymbolicTensor in = ins.get(i);
            if (kept.contains(in) || consumers.get(in) != 1) {
                continue;
            }
            float[] array = values.get(in).data();
            boolean shared = false;
            for (Map.Entry<SymbolicTensor, Tensor> e : values.entrySet()) {
                shared |= e.getKey() != in && e.getValue().data() == array;
            }
            writable[i] = !shared && !referenced(array, holders, List.of());
        }
        return writable;
    }

    /** The tensors a run hands out whole: {@code keep}, the inputs and the outputs. */
    private Set<SymbolicTensor> keptSet(Collection<SymbolicTensor> keep) {
        Set<SymbolicTensor> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        kept.addAll(keep);
        kept.addAll(inputs);
        kept.addAll(outputs);
        return kept;
    }

    /** How many layer calls read each tensor. */
    private Map<SymbolicTensor, Integer> consumerCounts() {
        Map<SymbolicTensor, Integer> consumers = new IdentityHashMap<>();
        for (Node node : executionOrder) {
            for (SymbolicTensor in : node.inputs()) {
                consumers.merge(in, 1, Integer::sum);
            }
        }
        return consumers;
    }

    /**
     * Drops the values {@code node} read that no later layer reads and nobody asked to keep;
     * returns them.
     */
    private static Map<SymbolicTensor, Tensor> release(Node node, Map<SymbolicTensor, Tensor> values,
                                                       Map<SymbolicTensor, Integer> consumers, Set<SymbolicTensor> kept) {
        Map<SymbolicTensor, Tensor> dropped = new IdentityHashMap<>(2);
        for (SymbolicTensor in : node.inputs()) {
            if (consumers.merge(in, -1, Integer::sum) == 0 && !kept.contains(in)) {
                Tensor t = values.remove(in);
                if (t != null) {
                    dropped.put(in, t);
                }
            }
        }
        return dropped;
    }

    /** {@link #predict(Tensor)} in batches of {@code batchSize} samples, concatenated. */
    public Tensor predict(Tensor input, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive; received " + batchSize);
        }
        int n = input.shape().dim(0);
        if (n <= batchSize) {
            return predict(input);
        }
        float[] out = null;
        Shape outShape = null;
        int per = 0;
        for (int start = 0; start < n; start += batchSize) {
            Tensor y = predict(input.slice(start, Math.min(n, start + batchSize)));
            if (out == null) {
                outShape = y.shape().withBatch(n);
                per = y.shape().sampleSize();
                out = new float[n * per];
            }
            System.arraycopy(y.data(), 0, out, start * per, y.size());
        }
        return new Tensor(outShape, out);
    }

    private Map<SymbolicTensor, Tensor> bindInputs(List<Tensor> inputValues) {
        if (inputValues.size() != inputs.size()) {
            throw new IllegalArgumentException("Model '" + name + "' takes " + inputs.size() + " input(s); received "
                    + inputValues.size());
        }
        Map<SymbolicTensor, Tensor> values = new IdentityHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            SymbolicTensor t = inputs.get(i);
            Tensor v = inputValues.get(i);
            if (!v.shape().compatibleWith(t.shape())) {
                throw new IllegalArgumentException("Layer '" + t.node().layer().name()
                        + "' (InputLayer): input data has the wrong shape. Expected " + t.shape() + ", received "
                        + v.shape() + ".");
            }
            values.put(t, v);
        }
        return values;
    }

    private static List<Tensor> gather(Node node, Map<SymbolicTensor, Tensor> values) {
        List<Tensor> xs = new ArrayList<>(node.inputs().size());
        for (SymbolicTensor in : node.inputs()) {
            xs.add(values.get(in));
        }
        return xs;
    }

    /** Each layer's inbound layer names, in Keras's {@code name[0][0]} form, for summaries. */
    Map<Layer, List<String>> inboundNames() {
        Map<Layer, List<String>> out = new LinkedHashMap<>();
        for (Node node : executionOrder) {
            List<String> names = out.computeIfAbsent(node.layer(), l -> new ArrayList<>());
            for (SymbolicTensor in : node.inputs()) {
                names.add(in.node().layer().name() + "[0][0]");
            }
        }
        return out;
    }

    /** The Keras-style summary of this model. */
    public ModelSummary summary() {
        return ModelSummary.of(this);
    }
}
