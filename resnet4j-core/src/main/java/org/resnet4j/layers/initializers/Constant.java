package org.resnet4j.layers.initializers;

import java.util.LinkedHashMap;
import java.util.Map;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** Every value equal to {@code value}. */
public class Constant implements Initializer {

    private final float value;

    public Constant(double value) {
        this.value = (float) value;
    }

    public float value() {
        return value;
    }

    @Override
    public Tensor initialize(Shape shape) {
        return Tensor.full(shape, value);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("value", (double) value);
        return c;
    }

    @Override
    public String toString() {
        return className() + "(" + value + ")";
    }
}
