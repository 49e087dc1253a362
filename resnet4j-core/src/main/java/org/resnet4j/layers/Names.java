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

    /** Keras's snake_case of a class name: {@code ZeroPadding2D} to {@code zero_padding2d}. */
    public static String snakeCase(String className) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < className.length(); i++) {
            char ch = className.charAt(i);
            if (Character.isUpperCase(ch)) {
                boolean prevLower = i > 0 && (Character.isLowerCase(className.charAt(i - 1))
                        || Character.isDigit(className.charAt(i - 1)));
                boolean nextLower = i + 1 < className.length() && Character.isLowerCase(className.charAt(i + 1));
                if (i > 0 && (prevLower || nextLower) && !(i > 0 && Character.isDigit(className.charAt(i - 1)))) {
                    sb.append('_');
                }
                sb.append(Character.toLowerCase(ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }
}
