package org.resnet4j.io;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.resnet4j.layers.Activation;
import org.resnet4j.layers.ActivationFunction;
import org.resnet4j.layers.Add;
import org.resnet4j.layers.AveragePooling2D;
import org.resnet4j.layers.BatchNormalization;
import org.resnet4j.layers.Conv2D;
import org.resnet4j.layers.Dense;
import org.resnet4j.layers.Dropout;
import org.resnet4j.layers.Flatten;
import org.resnet4j.layers.GlobalAveragePooling2D;
import org.resnet4j.layers.GlobalMaxPooling2D;
import org.resnet4j.layers.Layer;
import org.resnet4j.layers.MaxPooling2D;
import org.resnet4j.layers.Padding;
import org.resnet4j.layers.ReLU;
import org.resnet4j.layers.Regularizer;
import org.resnet4j.layers.ZeroPadding2D;
import org.resnet4j.layers.initializers.Initializer;
import org.resnet4j.layers.initializers.Initializers;

/**
 * Layers from their Keras configs ({@code Layer.from_config}), Keras 2 and Keras 3 spellings
 * alike. What a config asks for that this library does not do (a channels-first layout,
 * dilation, grouped convolution, regularisers it cannot honour) is refused with the layer's
 * name, never silently dropped.
 */
public final class LayerConfigs {

    /** The Keras layer classes this library builds. */
    public static final List<String> SUPPORTED = List.of("InputLayer", "Conv2D", "BatchNormalization", "Activation",
            "ReLU", "Add", "ZeroPadding2D", "MaxPooling2D", "AveragePooling2D", "GlobalMaxPooling2D",
            "GlobalAveragePooling2D", "Flatten", "Dense", "Dropout");

    private LayerConfigs() {
    }

    /** A layer (not yet built) from {@code className} and its {@code config}; not for InputLayer. */
    public static Layer fromConfig(String className, Map<String, Object> config) {
        Config c = new Config(className, config);
        Layer layer = switch (className) {
            case "Conv2D" -> conv2d(c);
            case "BatchNormalization" -> batchNormalization(c);
            case "Activation" -> new Activation(ActivationFunction.fromKeras(c.string("activation", "linear")), c.name());
            case "ReLU" -> relu(c);
            case "Add" -> new Add(c.name());
            case "ZeroPadding2D" -> zeroPadding(c);
            case "MaxPooling2D", "AveragePooling2D" -> pooling(c, className.startsWith("Max"));
            case "GlobalMaxPooling2D", "GlobalAveragePooling2D" -> globalPooling(c, className.startsWith("GlobalMax"));
            case "Flatten" -> {
                c.requireChannelsLast();
                yield new Flatten(c.name());
            }
            case "Dense" -> dense(c);
            case "Dropout" -> new Dropout(c.number("rate", 0), c.optionalLong("seed"), c.name());
            default -> throw new ModelFileException("layer '" + c.name() + "' is a " + className
                    + ", which this library does not support");
        };
        layer.setTrainable(c.bool("trainable", true));
        return layer;
    }

    private static Conv2D conv2d(Config c) {
        c.requireChannelsLast();
        int[] dilation = c.pair("dilation_rate", 1);
        if (dilation[0] != 1 || dilation[1] != 1) {
            throw c.unsupported("dilation_rate " + dilation[0] + "x" + dilation[1]);
        }
        if (c.integer("groups", 1) != 1) {
            throw c.unsupported("grouped convolution (groups " + c.integer("groups", 1) + ")");
        }
        int[] k = c.pair("kernel_size", -1);
        int[] s = c.pair("strides", 1);
        c.requireNull("activity_regularizer", "kernel_constraint", "bias_constraint");
        Conv2D.Builder b = Conv2D.builder(c.integer("filters", -1), k[0], k[1]).strides(s[0], s[1])
                .padding(Padding.fromKeras(c.string("padding", "valid")))
                .activation(ActivationFunction.fromKeras(c.string("activation", "linear")))
                .useBias(c.bool("use_bias", true)).name(c.name());
        c.withInitializers(b::kernelInitializer, b::biasInitializer);
        b.kernelRegularizer(c.regularizer("kernel_regularizer")).biasRegularizer(c.regularizer("bias_regularizer"));
        return b.build();
    }

    private static BatchNormalization batchNormalization(Config c) {
        Object axis = c.raw("axis");
        int a = -1;
        if (axis instanceof List<?> l && l.size() == 1 && l.get(0) instanceof Number n) {
            a = n.intValue();
        } else if (axis instanceof Number n) {
            a = n.intValue();
        }
        c.requireNull("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint");
        if (c.bool("renorm", false)) {
            throw c.unsupported("batch renormalization (renorm=True)");
        }
        return BatchNormalization.builder().axis(a).momentum(c.number("momentum", 0.99))
                .epsilon(c.number("epsilon", 1e-3)).center(c.bool("center", true)).scale(c.bool("scale", true))
                .name(c.name()).build();
    }

    private static ReLU relu(Config c) {
        Object maxValue = c.raw("max_value");
        double slope = c.number("negative_slope", 0);
        double threshold = c.number("threshold", 0);
        if (maxValue != null || slope != 0 || threshold != 0) {
            throw c.unsupported("ReLU with max_value, negative_slope or threshold");
        }
        return new ReLU(c.name());
    }

    private static ZeroPadding2D zeroPadding(Config c) {
        c.requireChannelsLast();
        Object p = c.raw("padding");
        int top, bottom, left, right;
        if (p instanceof Number n) {
            top = bottom = left = right = n.intValue();
        } else if (p instanceof List<?> l && l.size() == 2 && l.get(0) instanceof Number a && l.get(1) instanceof Number b) {
            top = bottom = a.intValue();
            left = right = b.intValue();
        } else if (p instanceof List<?> l && l.size() == 2 && l.get(0) instanceof List<?> h && l.get(1) instanceof List<?> w
                && h.size() == 2 && w.size() == 2) {
            top = ((Number) h.get(0)).intValue();
            bottom = ((Number) h.get(1)).intValue();
            left = ((Number) w.get(0)).intValue();
            right = ((Number) w.get(1)).intValue();
        } else {
            throw new ModelFileException("layer '" + c.name() + "': padding must be an int, a pair or a pair of pairs; found "
                    + p);
        }
        return new ZeroPadding2D(top, bottom, left, right, c.name());
    }

    private static Layer pooling(Config c, boolean max) {
        c.requireChannelsLast();
        int[] pool = c.pair("pool_size", 2);
        int[] strides = c.raw("strides") == null ? pool : c.pair("strides", 2);
        Padding padding = Padding.fromKeras(c.string("padding", "valid"));
        return max ? new MaxPooling2D(pool[0], pool[1], strides[0], strides[1], padding, c.name())
                : new AveragePooling2D(pool[0], pool[1], strides[0], strides[1], padding, c.name());
    }

    private static Layer globalPooling(Config c, boolean max) {
        c.requireChannelsLast();
        if (c.bool("keepdims", false)) {
            throw c.unsupported("keepdims=True");
        }
        return max ? new GlobalMaxPooling2D(c.name()) : new GlobalAveragePooling2D(c.name());
    }

    private static Dense dense(Config c) {
        c.requireNull("activity_regularizer", "kernel_constraint", "bias_constraint");
        Dense.Builder b = Dense.builder(c.integer("units", -1))
                .activation(ActivationFunction.fromKeras(c.string("activation", "linear")))
                .useBias(c.bool("use_bias", true)).name(c.name());
        c.withInitializers(b::kernelInitializer, b::biasInitializer);
        b.kernelRegularizer(c.regularizer("kernel_regularizer")).biasRegularizer(c.regularizer("bias_regularizer"));
        return b.build();
    }

    /** Typed access to one layer's config, with errors that name the layer. */
    static final class Config {
        private final String className;
        private final Map<String, Object> map;

        Config(String className, Map<String, Object> map) {
            this.className = className;
            this.map = map;
        }

        String name() {
            Object n = map.get("name");
            if (!(n instanceof String s) || s.isEmpty()) {
                throw new ModelFileException("a " + className + " layer has no name in its config");
            }
            return s;
        }

        Object raw(String key) {
            return map.get(key);
        }

        ModelFileException unsupported(String what) {
            return new ModelFileException("layer '" + name() + "' (" + className + ") uses " + what
                    + ", which this library does not support");
        }

        ModelFileException unsupported(String what, String instead) {
            return new ModelFileException("layer '" + name() + "' (" + className + ") uses " + what + "; " + instead);
        }

        ModelFileException wrong(String key, String expected) {
            return new ModelFileException("layer '" + name() + "' (" + className + "): '" + key + "' must be " + expected
                    + "; found " + map.get(key));
        }

        void requireChannelsLast() {
            Object f = map.get("data_format");
            if (f != null && !"channels_last".equals(f)) {
                throw unsupported("data_format '" + f + "'", "only channels_last is supported");
            }
        }

        String string(String key, String fallback) {
            Object v = map.get(key);
            if (v == null) {
                return fallback;
            }
            if (!(v instanceof String s)) {
                throw wrong(key, "a string");
            }
            return s;
        }

        boolean bool(String key, boolean fallback) {
            Object v = map.get(key);
            if (v == null) {
                return fallback;
            }
            if (!(v instanceof Boolean b)) {
                throw wrong(key, "true or false");
            }
            return b;
        }

        double number(String key, double fallback) {
            Object v = map.get(key);
            if (v == null) {
                return fallback;
            }
            if (!(v instanceof Number n)) {
                throw wrong(key, "a number");
            }
            return n.doubleValue();
        }

        Long optionalLong(String key) {
            Object v = map.get(key);
            return v instanceof Number n ? n.longValue() : null;
        }

        int integer(String key, int fallback) {
            Object v = map.get(key);
            if (v == null) {
                if (fallback < 0) {
                    throw wrong(key, "a positive integer");
                }
                return fallback;
            }
            if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
                    || Math.abs(n.doubleValue()) > 1 << 24) {
                throw wrong(key, "an integer");
            }
            return n.intValue();
        }

        /** An int or a pair of ints (Keras accepts both for sizes and strides). */
        int[] pair(String key, int fallback) {
            Object v = map.get(key);
            if (v == null) {
                if (fallback < 0) {
                    throw wrong(key, "an integer or a pair of integers");
                }
                return new int[] {fallback, fallback};
            }
            if (v instanceof Number n) {
                return new int[] {n.intValue(), n.intValue()};
            }
            if (v instanceof List<?> l && l.size() == 2 && l.get(0) instanceof Number a && l.get(1) instanceof Number b) {
                return new int[] {a.intValue(), b.intValue()};
            }
            throw wrong(key, "an integer or a pair of integers");
        }

        /** Refuses settings this library cannot honour, rather than drop them silently. */
        void requireNull(String... keys) {
            for (String k : keys) {
                if (map.get(k) != null) {
                    throw unsupported(k + " " + map.get(k));
                }
            }
        }

        /** A Keras regularizer ({@code L1}, {@code L2}, {@code L1L2}, Keras 2 or 3 form), or null. */
        @SuppressWarnings("unchecked")
        Regularizer regularizer(String key) {
            Object v = map.get(key);
            if (v == null) {
                return null;
            }
            String cls;
            Map<String, Object> cfg;
            if (v instanceof String s) {
                cls = s;
                cfg = Map.of();
            } else if (v instanceof Map<?, ?> m && m.get("class_name") instanceof String s) {
                cls = s;
                cfg = m.get("config") instanceof Map<?, ?> mm ? (Map<String, Object>) mm : Map.of();
            } else {
                throw wrong(key, "a regularizer");
            }
            double l1 = cfg.get("l1") instanceof Number n ? n.doubleValue() : 0;
            double l2 = cfg.get("l2") instanceof Number n ? n.doubleValue() : 0;
            return switch (cls) {
                case "L2", "l2" -> Regularizer.l2(cfg.containsKey("l2") ? l2 : 0.01);
                case "L1", "l1" -> Regularizer.l1(cfg.containsKey("l1") ? l1 : 0.01);
                case "L1L2", "l1_l2" -> new Regularizer(l1, l2);
                default -> throw unsupported(key + " " + cls);
            };
        }

        /** Hands the kernel and bias initializers, where the config names them, to a builder. */
        void withInitializers(java.util.function.Consumer<Initializer> kernel, java.util.function.Consumer<Initializer> bias) {
            Initializer ki = initializer("kernel_initializer");
            if (ki != null) {
                kernel.accept(ki);
            }
            Initializer bi = initializer("bias_initializer");
            if (bi != null) {
                bias.accept(bi);
            }
        }

        /** A serialized initializer (Keras 3 envelope, Keras 2 {class_name, config}, or a name), or null. */
        @SuppressWarnings("unchecked")
        Initializer initializer(String key) {
            Object v = map.get(key);
            if (v == null) {
                return null;
            }
            try {
                if (v instanceof String s) {
                    return Initializers.fromKeras(s, Map.of());
                }
                if (v instanceof Map<?, ?> m && m.get("class_name") instanceof String cls) {
                    Object cfg = m.get("config");
                    return Initializers.fromKeras(cls, cfg instanceof Map ? (Map<String, Object>) cfg : Map.of());
                }
            } catch (IllegalArgumentException e) {
                throw new ModelFileException("layer '" + name() + "' (" + className + "): " + key + ": " + e.getMessage(), e);
            }
            throw wrong(key, "an initializer");
        }
    }

    /** Every unsupported layer of a config list, as "name (Class)", for a single complete error. */
    static List<String> unsupportedLayers(List<Map<String, Object>> layers) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> l : layers) {
            Object cls = l.get("class_name");
            if (!SUPPORTED.contains(cls)) {
                Object cfg = l.get("config");
                Object name = cfg instanceof Map<?, ?> m ? m.get("name") : l.get("name");
                out.add("'" + name + "' (" + cls + ")");
            }
        }
        return out;
    }
}
