package org.resnet4j.layers.initializers;

import java.util.Map;

/** All zeros; Keras's default for biases, {@code beta} and {@code moving_mean}. */
public final class Zeros extends Constant {

    public Zeros() {
        super(0);
    }

    @Override
    public Map<String, Object> config() {
        return Map.of();
    }
}
