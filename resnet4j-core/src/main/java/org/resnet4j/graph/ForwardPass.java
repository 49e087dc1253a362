package org.resnet4j.graph;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.resnet4j.kernels.Kernels;
import org.resnet4j.layers.ActivatedLayer;
import org.resnet4j.layers.Context;
import org.resnet4j.layers.Layer;
import org.resnet4j.layers.Node;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.tensor.ArrayPool;
import org.resnet4j.tensor.Tensor;

/**
 * One forward run of a {@link Model}, with everything its backward run needs. The training flag
 * belongs to the run, not to the model.
 */
public final class ForwardPass {

    private final Model model;
    private final Map<SymbolicTensor, Tensor> values;
    private final Map<Node, Context> contexts;
    /** During backward: the contexts of the node running and of those still to run (see {@link #backward}). */
    private List<Context> liveContexts = List.of();
    private final List<Tensor> outputs;
    /**
     * The recycled arrays of values handed out, which {@link #values} holds as exact copies
     * (see {@link Tensor#over}): still read by backward, so never written to nor recycled.
     */
    private final List<Tensor> longer = new ArrayList<>();
    /** What forward let go of and backward rebuilds, or {@code null}. */
    private final Recomputation recomputation;
    /** The pool of the thread running backward (pools are not shared between threads). */
    private ArrayPool pool;
    private boolean consumed;

    ForwardPass(Model model, Map<SymbolicTensor, Tensor> values, Map<Node, Context> contexts, List<Tensor> outputs,
                Recomputation recomputation) {
        this.model = model;
        this.values = values;
        this.contexts = contexts;
        this.recomputation = recomputation;
        // What the pass hands out (inputs, outputs, kept values) is exact, as a tensor outside
        // a model's runs is.
        Map<Tensor, Tensor> exact = new IdentityHashMap<>();
        for (Map.Entry<SymbolicTensor, Tensor> e : values.entrySet()) {
            Tensor v = e.getValue();
            if (!v.isExact()) {
                longer.add(v);
                e.setValue(exact.computeIfAbsent(v, Tensor::copy));
            }
        }
        List<Tensor> outs = new ArrayList<>(outputs.size());
        for (Tensor t : outputs) {
            outs.add(exact.getOrDefault(t, t));
        }
        this.outputs = outs;
    }

    /** The (first) output. */
    public Tensor output() {
        return outputs.get(0);
    }

    public List<Tensor> outputs() {
        return outputs;
    }

    /**
     * The value a symbolic tensor of the model took in this run: an input, an output, or a
     * tensor named in {@code keep} when the pass was made (others are let go as the run goes).
     */
    public Tensor valueOf(SymbolicTensor t) {
        Tensor v = values.get(t);
        if (v == null) {
            throw new IllegalArgumentException(t + " was not kept by this run: only inputs, outputs and the tensors "
                    + "passed to Model.forward(inputs, training, keep) are");
        }
        return v;
    }

    /** The tensors this pass let go of after forward, to be rebuilt in backward (see {@link Recomputation}). */
    Set<SymbolicTensor> released() {
        return recomputation == null ? Set.of() : recomputation.released();
    }

    /** Backpropagates {@code dy} from the (single) output; returns the input gradient. */
    public Tensor backward(Tensor dy) {
        return backward(List.of(dy)).get(0);
    }

    /**
     * Backpropagates the output gradients through the graph, adding into every trainable
     * weight's gradient, and returns one gradient per model input. Can run once per pass.
     */
    public List<Tensor> backward(List<Tensor> outputGrads) {
        return backward(outputGrads, false, true, null);
    }

    /**
     * Backpropagates {@code dy} from the (single) output into the weights' gradients only:
     * no gradient is computed for the model's inputs, nor anywhere nothing upstream is trained
     * (the first convolution's input, a frozen base), which saves that work.
     */
    public void backwardToWeights(Tensor dy) {
        backward(List.of(dy), false, false, null);
    }

    /**
     * {@link #backwardToWeights}, calling {@code layerDone} for each layer as soon as the last
     * of its nodes has run backward: its weights' gradients are then complete, and nothing
     * later in the run reads its weights, so they may be updated at once (see
     * {@code Trainer.trainStep}). Every layer of the model is reported once.
     */
    public void backwardToWeights(Tensor dy, Consumer<Layer> layerDone) {
        backward(List.of(dy), false, false, layerDone);
    }

    /**
     * Backpropagates from the gradient with respect to the (single) output layer's values
     * before its final activation: the entry point for a loss that differentiates through a
     * softmax in closed form. The output layer must be an {@link ActivatedLayer}.
     */
    public Tensor backwardFromPreActivation(Tensor dz) {
        return backward(List.of(dz), true, true, null).get(0);
    }

    /** {@link #backwardFromPreActivation}, into the weights' gradients only (see {@link #backwardToWeights}). */
    public void backwardFromPreActivationToWeights(Tensor dz) {
        backward(List.of(dz), true, false, null);
    }

    /** {@link #backwardFromPreActivationToWeights}, reporting finished layers as {@link #backwardToWeights(Tensor, Consumer)} does. */
    public void backwardFromPreActivationToWeights(Tensor dz, Consumer<Layer> layerDone) {
        backward(List.of(dz), true, false, layerDone);
    }

    /**
     * The tensors whose gradient backward needs: the model's inputs when asked for, and every
     * output of a node with a weight to train or an input that needs one.
     */
    private Set<SymbolicTensor> needingGradients(boolean inputs) {
        Set<SymbolicTensor> need = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        if (inputs) {
            need.addAll(model.inputs());
        }
        for (Node node : model.nodes()) {
            if (node.isInput()) {
                continue;
            }
            boolean trains = node.layer().weights().stream().anyMatch(p -> p.needsGrad());
            if (trains || node.inputs().stream().anyMatch(need::contains)) {
                need.add(node.output());
            }
        }
        return need;
    }

    private List<Tensor> backward(List<Tensor> outputGrads, boolean preActivation, boolean inputGradients,
                                  Consumer<Layer> layerDone) {
        if (preActivation) {
            for (SymbolicTensor out : model.outputs()) {
                if (!(out.node().layer() instanceof ActivatedLayer)) {
                    throw new IllegalArgumentException("Layer '" + out.node().layer().name()
                            + "' ends the model without an activation; cannot backpropagate from pre-activation values");
                }
            }
        }
        if (consumed) {
            throw new IllegalStateException("backward already ran for this forward pass");
        }
        consumed = true;
        List<SymbolicTensor> outs = model.outputs();
        if (outputGrads.size() != outs.size()) {
            throw new IllegalArgumentException("Model '" + model.name() + "' has " + outs.size()
                    + " output(s); received " + outputGrads.size() + " gradient(s)");
        }
        // Arrays that are never written to nor recycled: the caller's gradients, and every value
        // the pass hands out (inputs, outputs, kept tensors).
        List<Tensor> foreign = new ArrayList<>(outputGrads);
        foreign.addAll(values.values());
        foreign.addAll(longer);
        // The contexts that may still refer to arrays: those of the nodes not yet run backward and
        // of the node running (each is cleared once its node has run), in model order; all of
        // them before the first.
        List<Node> order = model.nodes();
        List<Context> byOrder = new ArrayList<>();
        int[] contextsUpTo = new int[order.size()];
        for (int i = 0; i < order.size(); i++) {
            Context c = contexts.get(order.get(i));
            if (c != null) {
                byOrder.add(c);
            }
            contextsUpTo[i] = byOrder.size();
        }
        liveContexts = byOrder;
        Map<SymbolicTensor, Tensor> grads = new IdentityHashMap<>();
        for (int i = 0; i < outs.size(); i++) {
            Tensor g = outputGrads.get(i);
            if (!g.shape().equals(outputs.get(i).shape())) {
                throw new IllegalArgumentException("Model '" + model.name() + "': output gradient " + i
                        + " has the wrong shape. Expected " + outputs.get(i).shape() + ", received " + g.shape() + ".");
            }
            accumulate(grads, outs.get(i), outputGrads, i, foreign, new ArrayList<>());
        }
        Set<SymbolicTensor> need = needingGradients(inputGradients);
        pool = model.pool();
        // Nodes left to run backward, per layer (a shared layer has several).
        Map<Layer, Integer> nodesLeft = new IdentityHashMap<>();
        if (layerDone != null) {
            for (Node node : order) {
                nodesLeft.merge(node.layer(), 1, Integer::sum);
            }
        }
        try (ArrayPool.Scope scope = pool.activate()) {
            for (int i = order.size() - 1; i >= 0; i--) {
                Node node = order.get(i);
                liveContexts = byOrder.subList(0, contextsUpTo[i]);
                backwardNode(node, grads, need, preActivation, foreign);
                if (layerDone != null && nodesLeft.merge(node.layer(), -1, Integer::sum) == 0) {
                    layerDone.accept(node.layer());
                }
            }
        } finally {
            if (recomputation != null) {
                recomputation.finished();
            }
        }
        if (!inputGradients) {
            return List.of();
        }
        List<Tensor> result = new ArrayList<>();
        for (SymbolicTensor in : model.inputs()) {
            Tensor g = grads.get(in);
            result.add(g != null ? g.exact() : new Tensor(values.get(in).shape(), new float[values.get(in).size()]));
        }
        return result;
    }

    /**
     * Backward through one node; then the arrays it no longer needs (what its context held, its
     * output gradient, gradients summed into new ones) go back to the pool unless anything still
     * refers to them.
     */
    private void backwardNode(Node node, Map<SymbolicTensor, Tensor> grads, Set<SymbolicTensor> need,
                              boolean preActivation, List<Tensor> foreign) {
        if (node.isInput()) {
            return;
        }
        Tensor g = grads.remove(node.output());
        Context ctx = contexts.get(node);
        boolean runs = g != null && need.contains(node.output());
        if (runs && recomputation != null) {
            recomputation.restore(ctx, pool);
        }
        List<float[]> candidates = ctx.arrays();
        if (g != null) {
            candidates.add(g.data());
        }
        if (runs) {
                boolean[] needed = new boolean[node.inputs().size()];
                for (int k = 0; k < needed.length; k++) {
                    needed[k] = need.contains(node.inputs().get(k));
                }
                ctx.setInputGradientsNeeded(needed);
                ctx.setOutputGradientWritable(model.writeInPlace()
                        && !sharedElsewhere(g.data(), null, grads, foreign, List.of(), -1));
                boolean fromLogits = preActivation && model.outputs().contains(node.output());
                List<Tensor> inGrads = fromLogits
                        ? ((ActivatedLayer) node.layer()).backwardFromPreActivation(g, ctx)
                        : node.layer().backwardAll(g, ctx);
                for (int k = 0; k < inGrads.size(); k++) {
                    if (needed[k]) {
                        accumulate(grads, node.inputs().get(k), inGrads, k, foreign, candidates);
                    }
                }
        }
        ctx.clear();
        for (float[] a : candidates) {
            if (!Model.referenced(a, liveContexts, grads.values()) && !Model.referenced(a, List.of(), foreign)) {
                pool.give(a);
                if (recomputation != null) {
                    recomputation.recycled(a);
                }
            }
        }
    }

    /**
     * Where paths join, gradients add: {@code inGrads.get(k)} into the gradient of {@code t}. The
     * sum goes into the array of the gradient already there when the pass alone refers to it,
     * else into a new one (a tensor received, or still to be used, is never written to). The
     * arrays the sum no longer needs are added to {@code candidates}.
     */
    private void accumulate(Map<SymbolicTensor, Tensor> grads, SymbolicTensor t, List<Tensor> inGrads, int k,
                            List<Tensor> foreign, List<float[]> candidates) {
        Tensor g = inGrads.get(k);
        Tensor prev = grads.get(t);
        if (prev == null) {
            grads.put(t, g);
            return;
        }
        float[] a = prev.data();
        if (!model.writeInPlace() || sharedElsewhere(a, t, grads, foreign, inGrads, k)) {
            Tensor sum = Tensor.uninitialized(g.shape());
            Kernels.get().add(a, g.data(), sum.data(), sum.size());
            grads.put(t, sum);
            candidates.add(a);
        } else {
            Kernels.get().add(a, g.data(), a, prev.size());
        }
        candidates.add(g.data());
    }

    /**
     * Whether anything but the gradient of {@code owner} refers to {@code array}: a context, the
     * gradient of another tensor, a tensor the pass hands out or received, or one of
     * {@code inGrads} other than the {@code k}-th.
     */
    private boolean sharedElsewhere(float[] array, SymbolicTensor owner, Map<SymbolicTensor, Tensor> grads,
                                    List<Tensor> foreign, List<Tensor> inGrads, int k) {
        for (Map.Entry<SymbolicTensor, Tensor> e : grads.entrySet()) {
            if (e.getKey() != owner && e.getValue().data() == array) {
                return true;
            }
        }
        for (int j = 0; j < inGrads.size(); j++) {
            if (j != k && inGrads.get(j).data() == array) {
                return true;
            }
        }
        return Model.referenced(array, liveContexts, foreign);
    }
}
