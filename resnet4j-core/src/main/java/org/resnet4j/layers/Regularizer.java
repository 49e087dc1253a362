package org.resnet4j.layers;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A weight penalty added to the training loss, Keras's {@code L1}, {@code L2} and
 * {@code L1L2}: {@code l1 * sum(|w|) + l2 * sum(w^2)}, whose gradient {@code l1 * sign(w) +
 * 2 * l2 * w} is added to the weight's gradient at every training step. As in Keras, the
 * penalty is not divided by the batch size.
 */
public record Regularizer(double l1, double l2) {

    public Regularizer {
        if (!(l1 >= 0) || !(l2 >= 0)) {
            throw new IllegalArgumentException("Regularizer factors must be >= 0; received l1=" + l1 + ", l2=" + l2);
        }
    }

    /** Keras's {@code L2(l2)}. */
    public static Regularizer l2(double l2) {
        return new Regularizer(0, l2);
    }

    /** Keras's {@code L1(l1)}. */
    public static Regularizer l1(double l1) {
        return new Regularizer(l1, 0);
    }

    /** The penalties of a layer's {@code kernel} and {@code bias} weights, either of them possibly null. */
    static Map<String, Regularizer> forKernelAndBias(Regularizer kernel, Regularizer bias) {
        Map<String, Regularizer> m = new LinkedHashMap<>();
        if (kernel != null) {
            m.put("kernel", kernel);
        }
        if (bias != null) {
            m.put("bias", bias);
        }
        return Map.copyOf(m);
    }

    /** Keras's config value for the regularizer of {@code weight}: its serialized form, or null. */
    static Map<String, Object> serialize(Map<String, Regularizer> regularizers, String weight) {
        Regularizer r = regularizers.get(weight);
        return r == null ? null : r.serialize();
    }

    /** The penalty of weights {@code w}. */
    public double loss(float[] w) {
        double a = 0;
        double s = 0;
        for (float v : w) {
            a += Math.abs(v);
            s += (double) v * v;
        }
        return l1 * a + l2 * s;
    }

    /** Adds the penalty's gradient at {@code w} into {@code grad}. */
    public void addGradient(float[] w, float[] grad) {
        float a = (float) l1;
        float b = (float) (2 * l2);
        for (int i = 0; i < w.length; i++) {
            grad[i] += a * Math.signum(w[i]) + b * w[i];
        }
    }

    /** Keras's serialized form: {@code L1}, {@code L2} or {@code L1L2} with its factors. */
    public Map<String, Object> serialize() {
        Map<String, Object> config = new LinkedHashMap<>();
        String cls;
        if (l1 == 0) {
            cls = "L2";
            config.put("l2", l2);
        } else if (l2 == 0) {
            cls = "L1";
            config.put("l1", l1);
        } else {
            cls = "L1L2";
            config.put("l1", l1);
            config.put("l2", l2);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("module", "keras.regularizers");
        m.put("class_name", cls);
        m.put("config", config);
        m.put("registered_name", null);
        return m;
    }
}
