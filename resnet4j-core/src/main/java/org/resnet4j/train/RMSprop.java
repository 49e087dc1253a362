package org.resnet4j.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RMSprop (Hinton, 2012) with Keras's update and defaults: learning rate 0.001, rho 0.9,
 * momentum 0, epsilon 1e-7, not centered.
 *
 * <pre>
 * s = rho * s + (1 - rho) * g^2
 * a = rho * a + (1 - rho) * g;  d = s - a^2 + epsilon      (centered)
 *                               d = s + epsilon            (otherwise)
 * step = lr * g / sqrt(d)
 * w = w - step                                             (no momentum)
 * u = momentum * u + step;  w = w - u                      (momentum)
 * </pre>
 */
public final class RMSprop extends Optimizer {

    private final double rho;
    private final double momentum;
    private final double epsilon;
    private final boolean centered;

    public RMSprop() {
        this(0.001);
    }

    public RMSprop(double learningRate) {
        this(learningRate, 0.9, 0.0, 1e-7, false);
    }

    public RMSprop(double learningRate, double rho, double momentum, double epsilon, boolean centered) {
        super(learningRate);
        if (!(rho >= 0 && rho < 1)) {
            throw new IllegalArgumentException("RMSprop: rho must be in [0, 1); received " + rho);
        }
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("RMSprop: momentum must be in [0, 1]; received " + momentum);
        }
        this.rho = rho;
        this.momentum = momentum;
        this.epsilon = epsilon;
        this.centered = centered;
    }

    @Override
    protected List<String> slotNames() {
        List<String> names = new ArrayList<>(List.of("velocity"));
        if (momentum > 0) {
            names.add("momentum");
        }
        if (centered) {
            names.add("average_gradient");
        }
        return names;
    }

    @Override
    protected void update(float[] w, float[] g, float[][] slots, long step, int from, int to) {
        float[] s = slots[0];
        float[] u = momentum > 0 ? slots[1] : null;
        float[] a = centered ? slots[slots.length - 1] : null;
        float r = (float) rho;
        float oneMinusR = (float) (1 - rho);
        float lr = (float) learningRate();
        float mu = (float) momentum;
        float eps = (float) epsilon;
        for (int i = from; i < to; i++) {
            float gi = g[i];
            s[i] = r * s[i] + oneMinusR * gi * gi;
            float d;
            if (centered) {
                a[i] = r * a[i] + oneMinusR * gi;
                d = s[i] - a[i] * a[i] + eps;
            } else {
                d = s[i] + eps;
            }
            float inc = lr * gi / (float) Math.sqrt(d);
            if (mu > 0) {
                u[i] = mu * u[i] + inc;
                w[i] -= u[i];
            } else {
                w[i] -= inc;
            }
        }
    }

    @Override
    public Map<String, Object> getConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", "rmsprop");
        c.put("learning_rate", learningRate());
        c.put("rho", rho);
        c.put("momentum", momentum);
        c.put("epsilon", epsilon);
        c.put("centered", centered);
        return c;
    }
}
