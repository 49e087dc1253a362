package org.resnet4j.train;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.resnet4j.kernels.Parallel;
import org.resnet4j.layers.Parameter;

/**
 * Updates weights from their gradients, Keras's optimizers. {@link #apply} takes one step over
 * the given weights and then lets their gradients go (they start again from zeros). A step
 * may also be taken layer by layer: {@link #beginStep()}, then {@link #update} for each group
 * of weights whose gradients are complete, then {@link #endStep()}; every update reads only its
 * own weight's gradient and state, so the result is the same.
 *
 * <p>Per-weight state (moments, velocities) is created on a weight's first step, in float32,
 * and can be read and restored ({@link #slots}) so that training resumes where it stopped.
 */
public abstract class Optimizer {

    /**
     * Rough operations per element of an update, for {@link Parallel#forRange}: a small weight
     * stays on one thread. (Adam's update of this network's 23.6 million weights, single-threaded,
     * was about 4% of a training step while the other thread waited.)
     */
    private static final long UPDATE_COST = 16;

    private double learningRate;
    private long iterations;
    /** True between {@link #beginStep()} and {@link #endStep()}. */
    private boolean stepOpen;
    private final Map<Parameter, float[][]> state = new IdentityHashMap<>();

    protected Optimizer(double learningRate) {
        setLearningRate(learningRate);
    }

    /** Keras's name of the optimizer class, e.g. {@code Adam}. */
    public String className() {
        return getClass().getSimpleName();
    }

    public double learningRate() {
        return learningRate;
    }

    /** Changes the learning rate (schedulers and callbacks use this). */
    public void setLearningRate(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(className() + ": learning rate must be a finite number >= 0; received " + lr);
        }
        this.learningRate = lr;
    }

    /** Steps taken so far (Keras's {@code optimizer.iterations}). */
    public long iterations() {
        return iterations;
    }

    /** Sets the step counter, when restoring a saved optimizer. */
    public void setIterations(long n) {
        this.iterations = n;
    }

    /** How many state arrays each weight needs (Adam: 2, SGD with momentum: 1): one per {@link #slotNames()}. */
    protected final int slotCount() {
        return slotNames().size();
    }

    /**
     * One update of elements {@code [from, to)} of {@code w} from {@code g}; {@code slots} holds
     * this weight's state. {@code step} counts from 1. {@code g} may be longer than {@code w} (a
     * recycled array: see {@link Parameter#gradValues()}); its first {@code w.length} values are
     * the gradient. Each element's update reads that element alone (of {@code w}, {@code g} and
     * the slots): a weight's range is split over the kernel threads, with the same results for
     * every split.
     */
    protected abstract void update(float[] w, float[] g, float[][] slots, long step, int from, int to);

    /** One step over every trainable weight among {@code params}, then lets their gradients go. */
    public void apply(List<Parameter> params) {
        beginStep();
        try {
            update(params);
        } finally {
            endStep();
        }
    }

    /** Starts a step: counts it ({@link #iterations()}), as Keras does once per batch. */
    public void beginStep() {
        if (stepOpen) {
            throw new IllegalStateException(className() + ": beginStep while a step is open");
        }
        iterations++;
        stepOpen = true;
    }

    /** Ends the step begun by {@link #beginStep()}. */
    public void endStep() {
        stepOpen = false;
    }

    /**
     * Updates every trainable weight among {@code params} within the step begun by
     * {@link #beginStep()}, then lets their gradients go.
     */
    public void update(List<Parameter> params) {
        if (!stepOpen) {
            throw new IllegalStateException(className() + ": update outside a step (call beginStep first)");
        }
        for (Parameter p : params) {
            if (!p.isTrainable()) {
                continue;
            }
            float[][] slots = state.computeIfAbsent(p, k -> newSlots(k.value().size()));
            float[] w = p.value().data();
            float[] g = p.gradValues();
            long step = iterations;
            Parallel.forRange(w.length, UPDATE_COST, (from, to) -> update(w, g, slots, step, from, to));
            p.releaseGrad();
        }
    }

    private float[][] newSlots(int size) {
        float[][] s = new float[slotCount()][];
        for (int i = 0; i < s.length; i++) {
            s[i] = new float[size];
        }
        return s;
    }

    /** The state arrays of {@code p} (created if absent), for saving or restoring. */
    public float[][] slots(Parameter p) {
        return state.computeIfAbsent(p, k -> newSlots(k.value().size()));
    }

    /**
     * The state arrays for {@code trainable} in the order Keras stores an optimizer's
     * variables (after the step count and the learning rate): slot by slot over the weights,
     * or weight by weight when {@link #interleavesSlots()}.
     */
    public List<float[]> kerasSlotOrder(List<Parameter> trainable) {
        List<float[]> out = new ArrayList<>();
        if (interleavesSlots()) {
            for (Parameter p : trainable) {
                for (float[] s : slots(p)) {
                    out.add(s);
                }
            }
        } else {
            for (int k = 0; k < slotCount(); k++) {
                for (Parameter p : trainable) {
                    out.add(slots(p)[k]);
                }
            }
        }
        return out;
    }

    /** The weight that entry {@code i} of {@link #kerasSlotOrder} belongs to. */
    public Parameter kerasSlotOwner(List<Parameter> trainable, int i) {
        return interleavesSlots() ? trainable.get(i / slotCount()) : trainable.get(i % trainable.size());
    }

    /** Keras's names of the state arrays, in slot order ({@code momentum}, {@code velocity}, ...). */
    protected abstract List<String> slotNames();

    /**
     * Keras's paths of the optimizer's variables, in the order of Keras's {@code optimizer.variables}:
     * {@code adam/iteration}, {@code adam/learning_rate}, then one per entry of
     * {@link #kerasSlotOrder}, such as {@code adam/conv2d_kernel_momentum}.
     */
    public List<String> kerasVariablePaths(List<Parameter> trainable) {
        String prefix = getConfig().get("name") + "/";
        List<String> out = new ArrayList<>(List.of(prefix + "iteration", prefix + "learning_rate"));
        List<String> names = slotNames();
        int total = names.size() * trainable.size();
        for (int i = 0; i < total; i++) {
            int slot = interleavesSlots() ? i % names.size() : i / trainable.size();
            out.add(prefix + kerasSlotOwner(trainable, i).path().replace('/', '_') + "_" + names.get(slot));
        }
        return out;
    }

    /** True when Keras stores this optimizer's slots per weight (Adam: m, v of each weight in turn). */
    protected boolean interleavesSlots() {
        return false;
    }

    /** Keras's config of the optimizer. */
    public abstract Map<String, Object> getConfig();
}
