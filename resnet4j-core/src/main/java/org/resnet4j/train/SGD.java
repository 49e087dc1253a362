package org.resnet4j.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with Keras's update and defaults: learning rate 0.01, no momentum.
 *
 * <pre>
 * no momentum:  w = w - lr * g
 * momentum:     u = momentum * u - lr * g;  w = w + u                      (classical)
 *               u = momentum * u - lr * g;  w = w + momentum * u - lr * g   (nesterov)
 * </pre>
 */
public final class SGD extends Optimizer {

    private final double momentum;
    private final boolean nesterov;

    public SGD() {
        this(0.01);
    }

    public SGD(double learningRate) {
        this(learningRate, 0.0, false);
    }

    public SGD(double learningRate, double momentum, boolean nesterov) {
        super(learningRate);
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("SGD: momentum must be in [0, 1]; received " + momentum);
        }
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    @Override
    protected List<String> slotNames() {
        return momentum > 0 ? List.of("momentum") : List.of();
    }

    @Override
    protected void update(float[] w, float[] g, float[][] slots, long step, int from, int to) {
        float lr = (float) learningRate();
        if (momentum == 0) {
            for (int i = from; i < to; i++) {
                w[i] -= lr * g[i];
            }
            return;
        }
        float mu = (float) momentum;
        float[] u = slots[0];
        for (int i = from; i < to; i++) {
            u[i] = mu * u[i] - lr * g[i];
            w[i] += nesterov ? mu * u[i] - lr * g[i] : u[i];
        }
    }

    @Override
    public Map<String, Object> getConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", "SGD");
        c.put("learning_rate", learningRate());
        c.put("momentum", momentum);
        c.put("nesterov", nesterov);
        return c;
    }
}
