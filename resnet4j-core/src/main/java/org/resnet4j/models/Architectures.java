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

    private static final Map<String, Builder> BUILDERS = new LinkedHashMap<>();

    static {
        BUILDERS.put("resnet50", ResNet50::build);
    }

    private Architectures() {
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
