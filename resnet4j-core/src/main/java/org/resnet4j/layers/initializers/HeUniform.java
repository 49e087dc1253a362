package org.resnet4j.layers.initializers;

import java.util.SplittableRandom;
import org.resnet4j.tensor.Shape;

/** Uniform on {@code [-limit, limit)} with {@code limit = sqrt(6 / fan_in)} (He et al., 2015). */
public final class HeUniform extends SeededInitializer {

    public HeUniform() {
        super(null);
    }

    public HeUniform(long seed) {
        super(seed);
    }

    @Override
    protected void fill(float[] values, Shape shape, SplittableRandom random) {
        double limit = Math.sqrt(6.0 / Initializer.fans(shape)[0]);
        uniform(values, -limit, limit, random);
    }
}
