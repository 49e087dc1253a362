package org.resnet4j.layers.initializers;

import java.util.LinkedHashMap;
import java.util.Map;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** {@code gain} times the identity matrix; as in Keras, only for 2-D shapes. */
public final class Identity implements Initializer {

    private final float gain;

    public Identity() {
        this(1.0);
    }

    public Identity(double gain) {
        this.gain = (float) gain;
    }

    @Override
    public Tensor initialize(Shape shape) {
        if (shape.rank() != 2) {
            throw new IllegalArgumentException("Identity initializer: only 2-D shapes are supported. Expected rank 2, received "
                    + shape);
        }
        Tensor t = Tensor.zeros(shape);
        int n = Math.min(shape.dim(0), shape.dim(1));
        for (int i = 0; i < n; i++) {
            t.data()[i * shape.dim(1) + i] = gain;
        }
        return t;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("gain", (double) gain);
        return c;
    }
}
