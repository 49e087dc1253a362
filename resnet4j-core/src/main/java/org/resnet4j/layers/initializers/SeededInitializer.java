package org.resnet4j.layers.initializers;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** The shared part of the random initializers: the seed and its use. */
public abstract class SeededInitializer implements Initializer {

    private final Long seed;

    /** @param seed the seed, or {@code null} for a fresh draw from {@link RandomSeeds} on every call */
    protected SeededInitializer(Long seed) {
        this.seed = seed;
    }

    /** The seed, or {@code null} when unseeded. */
    public Long seed() {
        return seed;
    }

    @Override
    public final Tensor initialize(Shape shape) {
        SplittableRandom random = new SplittableRandom(seed != null ? seed : RandomSeeds.next());
        float[] values = new float[shape.size()];
        fill(values, shape, random);
        return new Tensor(shape, values);
    }

    /** Fills {@code values} (of {@code shape}) from {@code random}. */
    protected abstract void fill(float[] values, Shape shape, SplittableRandom random);

    /** Extra config entries besides the seed. */
    protected void addConfig(Map<String, Object> config) {
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        addConfig(c);
        c.put("seed", seed);
        return c;
    }

    /** Uniform on {@code [-limit, limit)}. */
    protected static void uniform(float[] values, double low, double high, SplittableRandom random) {
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (low + (high - low) * random.nextDouble());
        }
    }

    /**
     * Normal with {@code stddev}, redrawn until within two standard deviations (Keras's
     * {@code truncated_normal}).
     */
    protected static void truncatedNormal(float[] values, double stddev, SplittableRandom random) {
        for (int i = 0; i < values.length; i++) {
            double z;
            do {
                z = random.nextGaussian();
            } while (Math.abs(z) > 2.0);
            values[i] = (float) (z * stddev);
        }
    }

    @Override
    public String toString() {
        return className() + config();
    }
}
