package org.resnet4j.layers.initializers;

import java.util.Map;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * Creates the starting values of a weight, as Keras's initializers do.
 *
 * <p>A seeded initializer is a pure function of (seed, shape): every call with the same shape
 * gives the same values, as in Keras 3. An unseeded one draws a fresh seed from
 * {@link RandomSeeds} on every call, so {@link RandomSeeds#setSeed(long)} makes a whole model's
 * construction reproducible. Values do not match TensorFlow's random stream bit for bit; the
 * distributions and their limits do.
 */
public interface Initializer {

    /** New values for a weight of {@code shape}. */
    Tensor initialize(Shape shape);

    /** Keras's class name, e.g. {@code GlorotUniform}. */
    default String className() {
        return getClass().getSimpleName();
    }

    /** Keras's config of this initializer (e.g. {@code {"seed": 0}}). */
    Map<String, Object> config();

    /**
     * Fan-in and fan-out as Keras computes them: for a kernel of shape
     * {@code (kH, kW, inC, outC)} they are {@code kH*kW*inC} and {@code kH*kW*outC}; for a
     * matrix {@code (in, out)} its two sizes; for a vector its length twice.
     */
    static double[] fans(Shape shape) {
        int rank = shape.rank();
        if (rank == 0) {
            return new double[] {1, 1};
        }
        if (rank == 1) {
            return new double[] {shape.dim(0), shape.dim(0)};
        }
        if (rank == 2) {
            return new double[] {shape.dim(0), shape.dim(1)};
        }
        double receptive = 1;
        for (int i = 0; i < rank - 2; i++) {
            receptive *= shape.dim(i);
        }
        return new double[] {shape.dim(rank - 2) * receptive, shape.dim(rank - 1) * receptive};
    }
}
