package org.resnet4j.graph;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.resnet4j.layers.Context;
import org.resnet4j.layers.Node;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.tensor.ArrayPool;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * Values a training pass lets go of after forward and computes again in backward, to hold less
 * memory at once (activation recomputation, as in Chen et al., 2016, "Training deep nets with
 * sublinear memory cost", here limited to cheap element-wise layers).
 *
 * <p>In a ResNet every ReLU's output is kept twice over: by the ReLU, whose gradient needs it,
 * and by the next convolution, whose weight gradient needs it. Yet it is a cheap function of
 * values kept anyway: {@code relu(x * mul + add)} of the convolution output that
 * BatchNormalization keeps, or {@code relu(a + b)} at a residual join, whose inputs are rebuilt
 * the same way. So once forward no longer reads such a value, its array goes back to the pool
 * for the rest of forward, and the contexts that kept it hold a placeholder. When backward
 * reaches the first node whose context holds the placeholder, the value is computed again
 * through {@link org.resnet4j.layers.Layer#recompute}, bit for bit as in forward, and put back
 * into every context that had kept it.
 *
 * <p>A value is let go only when it can be rebuilt from values that are sure to be there in
 * backward: its producer must {@link org.resnet4j.layers.Layer#canRecompute() recompute}, and
 * each of the producer's inputs must be a model input or a value the pass hands out, a value
 * kept by the producer's own context (BatchNormalization keeps its input) or by the input's
 * producer (a ReLU keeps its output), or a value rebuildable in turn that was not itself let
 * go (a chain of let-go values, each the shortcut of the next block, would all be held at once
 * in backward, as many as forward kept). Those producers run before every layer that reads
 * the value, so their backward (which clears their contexts) comes after theirs: what they
 * keep is still there whenever the value is rebuilt. An array a recipe reads is never let go
 * under another tensor's name (a view of it). Rebuilds read model inputs and handed-out values
 * as they are when backward runs, as the layers' own backward passes do.
 */
final class Recomputation {

    private final Map<Node, Context> contexts;
    private final Set<SymbolicTensor> kept;
    /**
     * Each node output's value from forward, by its symbolic tensor, held weakly: a value that
     * nothing else holds (the pool off, or an array too small for it) is left to the collector.
     * Every value a recipe reads is held by a context or by the pass.
     */
    private final Map<SymbolicTensor, Produced> produced = new IdentityHashMap<>();

    /** A value forward made: its shape, and its array while anything holds it. */
    private record Produced(Shape shape, WeakReference<float[]> array) {
    }
    /**
     * For each tensor found rebuildable: which inputs of its producer are read as forward left
     * them (model inputs and kept values, and values a context keeps until after the rebuild:
     * the producer's own, as BatchNormalization keeps its input, or the input's producer's, as
     * a ReLU keeps its output), the others being rebuilt in turn. {@code null} for a tensor
     * that cannot be rebuilt. Decided in forward, once.
     */
    private final Map<SymbolicTensor, boolean[]> recipes = new IdentityHashMap<>();
    /** The arrays recipes read as forward left them: never let go of, under any tensor's name. */
    private final Set<float[]> storedArrays = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<SymbolicTensor> released = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Released values rebuilt in backward (and put back into their contexts). */
    private final Map<SymbolicTensor, Tensor> rebuilt = new IdentityHashMap<>();

    Recomputation(Map<Node, Context> contexts, Set<SymbolicTensor> kept) {
        this.contexts = contexts;
        this.kept = kept;
    }

    /** The tensors let go of so far. */
    Set<SymbolicTensor> released() {
        return Collections.unmodifiableSet(released);
    }

    /** Records a node's output as forward makes it. */
    void produced(SymbolicTensor t, Tensor value) {
        produced.put(t, new Produced(value.shape(), new WeakReference<>(value.data())));
    }

    /** The array forward gave {@code t}, or {@code null} once nothing holds it. */
    private float[] array(SymbolicTensor t) {
        Produced p = produced.get(t);
        return p == null ? null : p.array().get();
    }

    /** The value forward gave {@code t}, which something must still hold. */
    private Tensor value(SymbolicTensor t) {
        return Tensor.over(produced.get(t).shape(), array(t));
    }

    /** Backward is over: lets go of what rebuilds needed. */
    void finished() {
        produced.clear();
        recipes.clear();
        storedArrays.clear();
        rebuilt.clear();
    }

    /**
     * Forward reads {@code t}'s value no more: lets go of it in every context in
     * {@code holders} that kept it, when backward can rebuild it; returns whether it did (its
     * array is then free).
     */
    boolean release(SymbolicTensor t, Collection<Context> holders) {
        float[] array = array(t);
        // A recipe may read the array as another tensor's value (a view of it, as Flatten
        // makes): it must stay.
        if (recipe(t) == null || storedArrays.contains(array)) {
            return false;
        }
        for (Context c : holders) {
            c.release(array, t);
        }
        released.add(t);
        return true;
    }

    /** How to rebuild {@code t} (see {@link #recipes}), or {@code null}. */
    private boolean[] recipe(SymbolicTensor t) {
        if (recipes.containsKey(t)) {
            return recipes.get(t);
        }
        Node producer = t.node();
        boolean[] stored = null;
        if (!producer.isInput() && !kept.contains(t) && producer.layer().canRecompute()) {
            stored = new boolean[producer.inputs().size()];
            for (int k = 0; stored != null && k < stored.length; k++) {
                SymbolicTensor in = producer.inputs().get(k);
                // Rebuilding from a value that was itself let go would hold a whole chain of
                // them at once in backward (the outputs of a stage's residual blocks, each the
                // shortcut of the next), as many as forward would have kept.
                if (released.contains(in)) {
                    stored = null;
                    break;
                }
                stored[k] = kept.contains(in) || keeps(producer, in, t) || keeps(in.node(), in, null);
                if (!stored[k] && recipe(in) == null) {
                    stored = null;
                }
            }
        }
        if (stored != null) {
            for (int k = 0; k < stored.length; k++) {
                if (stored[k]) {
                    storedArrays.add(array(producer.inputs().get(k)));
                }
            }
        }
        recipes.put(t, stored);
        return stored;
    }

    /**
     * Whether the context of {@code node}, which runs before every reader of the value being
     * let go (so that its backward, which clears the context, comes after theirs), keeps the
     * value forward gave {@code in}; {@code output} is the node's own output when the node
     * read {@code in} (a context whose output shares the input's array keeps the output's
     * values, not the input's).
     */
    private boolean keeps(Node node, SymbolicTensor in, SymbolicTensor output) {
        float[] value = array(in);
        Context ctx = contexts.get(node);
        if (value == null || ctx == null) {
            return false;
        }
        return (output == null || array(output) != value) && ctx.references(value);
    }

    /**
     * Before backward runs the node of {@code ctx}: rebuilds what the context let go of, and puts
     * it back into every context that had kept it. Arrays come from {@code pool}; intermediate
     * values go back to it.
     */
    void restore(Context ctx, ArrayPool pool) {
        for (Object key : ctx.releasedKeys()) {
            List<Tensor> scratch = new ArrayList<>();
            rebuild((SymbolicTensor) key, scratch);
            for (Tensor s : scratch) {
                pool.give(s.data());
            }
        }
    }

    /**
     * The value of rebuildable {@code t}, computed again (or as already rebuilt); values computed
     * on the way that no context keeps are added to {@code scratch}.
     */
    private Tensor rebuild(SymbolicTensor t, List<Tensor> scratch) {
        Tensor v = rebuilt.get(t);
        if (v != null) {
            return v;
        }
        Node producer = t.node();
        boolean[] stored = recipes.get(t);
        List<Tensor> inputs = new ArrayList<>(stored.length);
        boolean[] writable = new boolean[stored.length];
        for (int k = 0; k < stored.length; k++) {
            SymbolicTensor in = producer.inputs().get(k);
            // An input let go after this recipe was made is rebuilt (or found rebuilt) too.
            Tensor value = stored[k] && !released.contains(in) ? value(in) : rebuild(in, scratch);
            // An intermediate value computed for this rebuild alone may take the output.
            writable[k] = scratch.stream().anyMatch(s -> s == value) && inputs.stream().noneMatch(x -> x.data() == value.data());
            inputs.add(value);
        }
        Context ctx = contexts.get(producer);
        ctx.setInputsWritable(writable);
        try {
            v = producer.layer().recompute(inputs, ctx);
        } finally {
            ctx.setInputsWritable(null);
        }
        Tensor output = v;
        scratch.removeIf(s -> s.data() == output.data());
        boolean restored = false;
        if (released.contains(t)) {
            for (Context c : contexts.values()) {
                restored |= c.restore(t, v.data());
            }
        }
        if (restored) {
            rebuilt.put(t, v);
        } else {
            scratch.add(v);
        }
        return v;
    }

    /** {@code array} went back to the pool: a value rebuilt in it is gone. */
    void recycled(float[] array) {
        if (!rebuilt.isEmpty()) {
            rebuilt.values().removeIf(v -> v.data() == array);
        }
    }
}
