package org.resnet4j.layers;

import java.util.ArrayList;
import java.util.List;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * What one forward call of a layer keeps for its backward call. Each call gets its own context,
 * so a layer holds no per-call state and may appear at several places of a graph.
 */
public final class Context {

    private Object[] saved = new Object[0];
    private boolean[] inputGradients;
    private boolean outputGradientWritable;
    private boolean[] inputsWritable;

    /** Keeps {@code values} for backward, replacing anything saved before. */
    public void save(Object... values) {
        saved = values;
    }

    /** The {@code i}-th saved value. */
    @SuppressWarnings("unchecked")
    public <T> T saved(int i) {
        if (i >= saved.length) {
            throw new IllegalStateException("backward called without a matching forward (nothing saved at " + i + ")");
        }
        if (saved[i] instanceof Released r) {
            throw new IllegalStateException("value " + i + " was let go after forward and not restored (" + r.key() + ")");
        }
        return (T) saved[i];
    }

    /**
     * Whether backward must compute the gradient of input {@code i}: false when nothing
     * upstream of that input is trained (a model's input image, a frozen base), and then a
     * layer may return {@code null} in its place and skip the work.
     */
    public boolean needsInputGradient(int i) {
        return inputGradients == null || inputGradients[i];
    }

    /**
     * Whether this call may write its output into the array of input {@code i} (and return a
     * tensor over it), because nothing reads that input after it: no later layer, no context,
     * nothing handed out. Only the graph can tell; false unless it says so. A layer that keeps
     * its input for backward must not use it.
     */
    public boolean inputWritable(int i) {
        return inputsWritable != null && inputsWritable[i];
    }

    /** Set by the graph before forward (or a recomputation); see {@link #inputWritable(int)}. */
    public void setInputsWritable(boolean[] writable) {
        this.inputsWritable = writable;
    }

    /**
     * Whether backward may write its input gradient into the array of the output gradient it
     * receives (and return a tensor over it), because nothing else refers to that array: the
     * graph owns the gradients it passes, and only it can tell. False unless the graph says so.
     */
    public boolean outputGradientWritable() {
        return outputGradientWritable;
    }

    /** Set by the graph before backward; see {@link #outputGradientWritable()}. */
    public void setOutputGradientWritable(boolean writable) {
        this.outputGradientWritable = writable;
    }

    /** Set by the graph before backward; see {@link #needsInputGradient(int)}. */
    public void setInputGradientsNeeded(boolean[] needed) {
        this.inputGradients = needed;
    }

    /** Whether anything saved here is {@code array} or a tensor over it. */
    public boolean references(float[] array) {
        for (Object o : saved) {
            if (o == array || (o instanceof Tensor t && t.data() == array)) {
                return true;
            }
        }
        return false;
    }

    /** The float arrays saved here (directly or as tensors), for recycling once cleared. */
    public java.util.List<float[]> arrays() {
        java.util.List<float[]> out = new java.util.ArrayList<>();
        for (Object o : saved) {
            if (o instanceof float[] a) {
                out.add(a);
            } else if (o instanceof Tensor t) {
                out.add(t.data());
            }
        }
        return out;
    }

    /**
     * What stands in the saved values for a tensor let go after forward: the key it will be
     * rebuilt under, and the shape this context saw it with ({@code null}: saved as a bare array).
     */
    private record Released(Object key, Shape shape) {
    }

    /**
     * Lets go of every saved tensor over {@code array} (and the array itself where saved bare),
     * leaving a placeholder for {@code key} that {@link #restore} fills before backward reads it.
     */
    public void release(float[] array, Object key) {
        boolean any = false;
        for (int i = 0; i < saved.length; i++) {
            Object o = saved[i];
            if (o == array || (o instanceof Tensor t && t.data() == array)) {
                if (!any) {
                    saved = saved.clone();
                    any = true;
                }
                saved[i] = new Released(key, o instanceof Tensor t ? t.shape() : null);
            }
        }
    }

    /** The keys of the tensors let go by {@link #release} and not yet restored. */
    public List<Object> releasedKeys() {
        List<Object> keys = new ArrayList<>(0);
        for (Object o : saved) {
            if (o instanceof Released r && !keys.contains(r.key())) {
                keys.add(r.key());
            }
        }
        return keys;
    }

    /**
     * Puts {@code array}, rebuilt, back where {@link #release} let go of the tensor of
     * {@code key}; returns whether there was any such place.
     */
    public boolean restore(Object key, float[] array) {
        boolean any = false;
        for (int i = 0; i < saved.length; i++) {
            if (saved[i] instanceof Released r && r.key() == key) {
                saved[i] = r.shape() == null ? array : Tensor.over(r.shape(), array);
                any = true;
            }
        }
        return any;
    }

    /** Drops what was saved, so the memory can be reclaimed. */
    public void clear() {
        saved = new Object[0];
    }
}
