package org.resnet4j.layers.initializers;

import java.util.LinkedHashMap;
import java.util.Map;

/** Initializers by Keras name, and their Keras serialization. */
public final class Initializers {

    private Initializers() {
    }

    /** Keras 3's serialized form: {@code {"module": "keras.initializers", "class_name", "config", "registered_name"}}. */
    public static Map<String, Object> serialize(Initializer init) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("module", "keras.initializers");
        m.put("class_name", init.className());
        m.put("config", init.config());
        m.put("registered_name", null);
        return m;
    }

    /**
     * An initializer from its Keras class name and config (Keras 2 and 3 spellings, including
     * the snake-case aliases such as {@code glorot_uniform}).
     */
    public static Initializer fromKeras(String className, Map<String, Object> config) {
        Long seed = config.get("seed") instanceof Number n ? n.longValue() : null;
        return switch (className) {
            case "GlorotUniform", "glorot_uniform" -> seed == null ? new GlorotUniform() : new GlorotUniform(seed);
            case "GlorotNormal", "glorot_normal" -> seed == null ? new GlorotNormal() : new GlorotNormal(seed);
            case "HeNormal", "he_normal" -> seed == null ? new HeNormal() : new HeNormal(seed);
            case "HeUniform", "he_uniform" -> seed == null ? new HeUniform() : new HeUniform(seed);
            case "RandomUniform", "random_uniform" -> new RandomUniform(number(config, "minval", -0.05),
                    number(config, "maxval", 0.05), seed);
            case "Zeros", "zeros" -> new Zeros();
            case "Ones", "ones" -> new Ones();
            case "Constant", "constant" -> new Constant(number(config, "value", 0));
            case "Identity", "identity" -> new Identity(number(config, "gain", 1));
            case "VarianceScaling", "variance_scaling" -> new VarianceScaling(number(config, "scale", 1),
                    String.valueOf(config.getOrDefault("mode", "fan_in")),
                    String.valueOf(config.getOrDefault("distribution", "truncated_normal")), seed);
            default -> throw new IllegalArgumentException("Unsupported initializer '" + className + "'. Supported: "
                    + "GlorotUniform, GlorotNormal, HeNormal, HeUniform, RandomUniform, VarianceScaling, Zeros, Ones, Constant, "
                    + "Identity");
        };
    }

    private static double number(Map<String, Object> config, String key, double fallback) {
        Object v = config.get(key);
        return v instanceof Number n ? n.doubleValue() : fallback;
    }
}
