package org.resnet4j.layers;

import org.resnet4j.tensor.Tensor;

/**
 * What one forward call of a layer keeps for its backward call. Each call gets its own context,
 * so a layer holds no per-call state and may appear at several places of a graph.
 */
public final class Context {

    private Object[] saved = new Object[0];
    private boolean[] inputGradients;

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

    /** Drops what was saved, so the memory can be reclaimed. */
    public void clear() {
        saved = new Object[0];
    }
}
