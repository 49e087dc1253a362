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
        BUILDERS.put("resnet18", (shape, k) -> BasicResNets.resNet18(shape, KerasApplications.Options.classifier(k)));
        BUILDERS.put("resnet34", (shape, k) -> BasicResNets.resNet34(shape, KerasApplications.Options.classifier(k)));
        BUILDERS.put("keras.ResNet50", (shape, k) -> KerasApplications.resNet50(shape, KerasApplications.Options.classifier(k)));
        BUILDERS.put("keras.ResNet101", (shape, k) -> KerasApplications.resNet101(shape, KerasApplications.Options.classifier(k)));
        BUILDERS.put("keras.ResNet152", (shape, k) -> KerasApplications.resNet152(shape, KerasApplications.Options.classifier(k)));
        BUILDERS.put("keras.ResNet50V2", (shape, k) -> KerasApplications.resNet50V2(shape, KerasApplications.Options.classifier(k)));
        BUILDERS.put("keras.ResNet101V2", (shape, k) -> KerasApplications.resNet101V2(shape, KerasApplications.Options.classifier(k)));
        BUILDERS.put("keras.ResNet152V2", (shape, k) -> KerasApplications.resNet152V2(shape, KerasApplications.Options.classifier(k)));
        // Lower-case spellings of Keras's models; "resnet50" stays the notebook's own network.
        BUILDERS.put("resnet101", BUILDERS.get("keras.ResNet101"));
        BUILDERS.put("resnet152", BUILDERS.get("keras.ResNet152"));
        BUILDERS.put("resnet50v2", BUILDERS.get("keras.ResNet50V2"));
        BUILDERS.put("resnet101v2", BUILDERS.get("keras.ResNet101V2"));
        BUILDERS.put("resnet152v2", BUILDERS.get("keras.ResNet152V2"));
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
