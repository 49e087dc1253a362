package org.resnet4j.models;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.resnet4j.graph.Model;

/** The architectures that can be built by name (for the command line and saved configs). */
public final class Architectures {

    /** Builds a model for an input shape {@code (H, W, C)} and a class count. */
    @FunctionalInterface
    public interface Builder {
        Model build(int[] inputShape, int classes);
    }

    private static final Map<String, Builder> BUILDERS = java.util.Collections.synchronizedMap(new LinkedHashMap<>());

    static {
        BUILDERS.put("resnet50", ResNet50::build);
    }

    private Architectures() {
    }

    /** Adds (or replaces) an architecture, so that the command line and configs can name it. */
    public static synchronized void register(String name, Builder builder) {
        BUILDERS.put(name, builder);
    }

    /** The names that {@link #build} knows. */
    public static Set<String> names() {
        return BUILDERS.keySet();
    }

    /** Builds the architecture called {@code name}. */
    public static Model build(String name, int[] inputShape, int classes) {
        Builder b = BUILDERS.get(name);
        if (b == null) {
            throw new IllegalArgumentException("Unknown architecture '" + name + "'. Expected one of: "
                    + String.join(", ", BUILDERS.keySet()));
        }
        return b.build(inputShape, classes);
    }
}
