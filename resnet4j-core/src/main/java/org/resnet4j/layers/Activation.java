package org.resnet4j.layers;

import java.util.Map;

/** Applies an activation function, Keras's {@code Activation('relu')}; softmax over the last axis. */
public final class Activation extends FunctionLayer {

    public Activation(ActivationFunction function) {
        this(function, null);
    }

    public Activation(ActivationFunction function, String name) {
        super(function, name);
    }

    public ActivationFunction function() {
        return activation();
    }

    @Override
    public Map<String, Object> getConfig() {
        Map<String, Object> c = super.getConfig();
        c.put("activation", activation().kerasName());
        return c;
    }
}
