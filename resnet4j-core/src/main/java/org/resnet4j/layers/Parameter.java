package org.resnet4j.layers;

import org.resnet4j.tensor.Tensor;

/**
 * A layer weight: its value and, when it is learned by gradient descent, its gradient.
 * Non-trainable weights (BatchNormalization's moving statistics) carry no gradient.
 * Layers add into {@link #grad()}; only an optimizer step zeroes it.
 */
public final class Parameter {

    private final Layer owner;
    private final String name;
    private final Tensor value;
    private final Tensor grad;

    Parameter(Layer owner, String name, Tensor value, boolean trainable) {
        this.owner = owner;
        this.name = name;
        this.value = value;
        this.grad = trainable ? Tensor.zeros(value.shape()) : null;
    }

    /** Keras's weight name: {@code kernel}, {@code bias}, {@code gamma}, {@code moving_mean}, ... */
    public String name() {
        return name;
    }

    /** The Keras path of this weight: {@code layer_name/weight_name}. */
    public String path() {
        return owner.name() + "/" + name;
    }

    public Layer owner() {
        return owner;
    }

    public Tensor value() {
        return value;
    }

    /** The gradient accumulator, or {@code null} for a weight that is never trained. */
    public Tensor grad() {
        return grad;
    }

    /** True when the weight was created trainable and its layer is not frozen. */
    public boolean isTrainable() {
        return grad != null && owner.isTrainable();
    }

    /** True when backward should accumulate into {@link #grad()}. */
    public boolean needsGrad() {
        return isTrainable();
    }

    /** Sets the gradient to zero. */
    public void zeroGrad() {
        if (grad != null) {
            java.util.Arrays.fill(grad.data(), 0f);
        }
    }

    /** Copies {@code values} into this weight, checking the shape. */
    public void assign(Tensor values) {
        if (!values.shape().equals(value.shape())) {
            throw new IllegalArgumentException("Weight '" + path() + "': shape mismatch. Expected " + value.shape()
                    + ", received " + values.shape());
        }
        System.arraycopy(values.data(), 0, value.data(), 0, value.size());
    }

    @Override
    public String toString() {
        return path() + value.shape();
    }
}
