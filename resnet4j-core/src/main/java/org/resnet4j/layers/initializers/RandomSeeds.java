package org.resnet4j.layers.initializers;

import java.util.SplittableRandom;

/**
 * The source of seeds for everything random that was not given a seed of its own (unseeded
 * initializers, dropout), like {@code keras.utils.set_random_seed}.
 */
public final class RandomSeeds {

    private static SplittableRandom source = new SplittableRandom(1337);

    private RandomSeeds() {
    }

    /** Restarts the seed stream, making later unseeded draws reproducible. */
    public static synchronized void setSeed(long seed) {
        source = new SplittableRandom(seed);
    }

    /** The next seed of the stream. */
    public static synchronized long next() {
        return source.nextLong();
    }
}
