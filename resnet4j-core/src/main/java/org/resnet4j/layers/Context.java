package org.resnet4j.layers;

/**
 * What one forward call of a layer keeps for its backward call. Each call gets its own context,
 * so a layer holds no per-call state and may appear at several places of a graph.
 */
public final class Context {

    private Object[] saved = new Object[0];

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

    /** Drops what was saved, so the memory can be reclaimed. */
    public void clear() {
        saved = new Object[0];
    }
}
