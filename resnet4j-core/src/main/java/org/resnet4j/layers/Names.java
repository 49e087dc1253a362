package org.resnet4j.layers;

import java.util.HashMap;
import java.util.Map;

/**
 * Keras-style default layer names: the first {@code Conv2D} is {@code conv2d}, the next
 * {@code conv2d_1}, and so on, per prefix, like Keras's per-session name counters.
 */
public final class Names {

    private static final Map<String, Integer> COUNTS = new HashMap<>();

    private Names() {
    }

    /** A fresh name for {@code prefix}. */
    public static synchronized String unique(String prefix) {
        int n = COUNTS.merge(prefix, 1, Integer::sum) - 1;
        return n == 0 ? prefix : prefix + "_" + n;
    }

    /** Forgets all counters, like {@code keras.backend.clear_session()}. */
    public static synchronized void reset() {
        COUNTS.clear();
    }

    /**
     * Keras's {@code to_snake_case} of a class name, the same three substitutions:
     * {@code ZeroPadding2D} to {@code zero_padding2d}, {@code BatchNormalization} to
     * {@code batch_normalization}.
     */
    public static String snakeCase(String className) {
        String n = className.replaceAll("\\W+", "");
        n = n.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return n.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
