package org.resnet4j.layers.initializers;

import java.util.SplittableRandom;
import org.resnet4j.tensor.Shape;

/**
 * Uniform on {@code [-limit, limit)} with {@code limit = sqrt(6 / (fan_in + fan_out))}
 * (Glorot and Bengio, 2010). Keras's default for Conv2D and Dense kernels.
 */
public final class GlorotUniform extends SeededInitializer {

    public GlorotUniform() {
        super(null);
    }

    public GlorotUniform(long seed) {
        super(seed);
    }

    @Override
    protected void fill(float[] values, Shape shape, SplittableRandom random) {
        double[] fans = Initializer.fans(shape);
        double limit = Math.sqrt(6.0 / (fans[0] + fans[1]));
        uniform(values, -limit, limit, random);
    }
}
