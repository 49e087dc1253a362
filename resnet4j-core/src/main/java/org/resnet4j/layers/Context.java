package org.resnet4j.layers;

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

    /** Drops what was saved, so the memory can be reclaimed. */
    public void clear() {
        saved = new Object[0];
    }
}
