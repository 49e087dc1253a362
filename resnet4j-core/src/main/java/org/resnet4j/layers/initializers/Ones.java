package org.resnet4j.layers.initializers;

import java.util.Map;

/** All ones; Keras's default for {@code gamma} and {@code moving_variance}. */
public final class Ones extends Constant {

    public Ones() {
        super(1);
    }

    @Override
    public Map<String, Object> config() {
        return Map.of();
    }
}
