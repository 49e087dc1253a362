package org.resnet4j.layers;

import org.resnet4j.tensor.ArrayPool;
import org.resnet4j.tensor.Tensor;

/**
 * A layer weight: its value and, when it is learned by gradient descent, its gradient.
 * Non-trainable weights (BatchNormalization's moving statistics) carry no gradient.
 * Layers add into {@link #grad()}; an optimizer step consumes it and leaves it reading zeros.
 * Inside a model's runs (a training step of {@code Trainer}) a large gradient's array exists
 * only from the first {@link #grad()} of the step until the step has used it, and then serves
 * other tensors, so that a model's gradients need not all be held at once: fetch
 * {@link #grad()} again after each step rather than keeping the tensor. Outside them, the
 * array is kept and zeroed in place.
 */
public final class Parameter {

    private final Layer owner;
    private final String name;
    private final Tensor value;
    private final boolean learnable;
    private Tensor grad;

    Parameter(Layer owner, String name, Tensor value, boolean trainable) {
        this.owner = owner;
        this.name = name;
        this.value = value;
        this.learnable = trainable;
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

    /**
     * The gradient accumulator (zeros when nothing has been added since the last step), or
     * {@code null} for a weight that is never trained. Its array is exactly its size.
     */
    public Tensor grad() {
        Tensor g = accumulator();
        if (g != null && !g.isExact()) {
            // Made inside a model's run on a recycled array: the caller gets an exact one.
            grad = g.copy();
            ArrayPool.recycle(g.data());
        }
        return grad;
    }

    /**
     * The gradient's array, for an optimizer: its first {@code value().size()} values are the
     * gradient, and inside a model's run it may be a longer recycled array (see
     * {@link Tensor#over}). {@code null} for a weight that is never trained.
     */
    public float[] gradValues() {
        Tensor g = accumulator();
        return g == null ? null : g.data();
    }

    /**
     * What backward adds into: {@link #grad()}, except that inside a model's run it may sit on a
     * longer recycled array, which the step hands back to the pool once it has used it.
     */
    Tensor accumulator() {
        if (grad == null && learnable) {
            grad = Tensor.zeros(value.shape());
        }
        return grad;
    }

    /**
     * True when backward must add into {@link #gradientTarget()}: a gradient has been added since
     * the last step, or the accumulator is kept between steps (outside a model's runs). False
     * when backward writes it whole instead.
     */
    boolean accumulates() {
        return grad != null;
    }

    /**
     * What backward puts its gradient into: {@link #accumulator()} when {@link #accumulates()},
     * else a fresh array of unspecified contents (inside a model's run, a recycled array that is
     * not zeroed first), which the caller must then overwrite whole. Ask {@link #accumulates()}
     * first.
     */
    Tensor gradientTarget() {
        if (grad == null && learnable) {
            grad = Tensor.uninitialized(value.shape());
        }
        return grad;
    }

    /** True when the weight was created trainable and its layer is not frozen. */
    public boolean isTrainable() {
        return learnable && owner.isTrainable();
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

    /**
     * Once a step has used the gradient: while a model's {@link ArrayPool} is active (inside its
     * runs), gives an array the pool takes back to it for the next tensor of that size, and the
     * next {@link #grad()} starts from zeros in another array; otherwise zeroes it in place.
     */
    public void releaseGrad() {
        ArrayPool pool = ArrayPool.active();
        if (grad == null || pool == null || grad.size() < ArrayPool.MIN_FLOATS) {
            zeroGrad();
            return;
        }
        pool.give(grad.data());
        grad = null;
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
