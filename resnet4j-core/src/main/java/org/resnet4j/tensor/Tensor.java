package org.resnet4j.tensor;

import java.util.Arrays;
import java.util.function.IntToDoubleFunction;

/**
 * A dense float32 tensor in row-major (C) order; images are NHWC. The data array is exposed on
 * purpose: kernels work on it directly. A tensor does no arithmetic of its own.
 *
 * <p>The tensor is the first {@link #size()} values of its array. The array is exactly that long
 * except for the intermediate values of a model's runs, which sit on recycled arrays (see
 * {@link ArrayPool}) that may be longer; what a model hands back to its caller (outputs, input
 * gradients, kept values, predictions) is always exact.
 */
public final class Tensor {

    private final Shape shape;
    private final int size;
    private final float[] data;

    /** A tensor that wraps {@code data} (not copied) with {@code shape}; its length must be the shape's size. */
    public Tensor(Shape shape, float[] data) {
        this(shape, data, false);
    }

    private Tensor(Shape shape, float[] data, boolean longer) {
        int n = shape.size();
        if (longer ? data.length < n : data.length != n) {
            throw new IllegalArgumentException("Tensor of shape " + shape + " needs " + (longer ? "at least " : "")
                    + n + " values; received " + data.length);
        }
        this.shape = shape;
        this.size = n;
        this.data = data;
    }

    /**
     * A tensor over the first {@code shape.size()} values of {@code data}, which may be longer: a
     * recycled array (see {@link ArrayPool}).
     */
    public static Tensor over(Shape shape, float[] data) {
        return new Tensor(shape, data, true);
    }

    /** This tensor when its array is exactly its size, else a copy on an exact array. */
    public Tensor exact() {
        return data.length == size ? this : copy();
    }

    /** Whether the array is exactly as long as the tensor (see {@link #over}). */
    public boolean isExact() {
        return data.length == size;
    }

    /** A tensor of zeros. */
    public static Tensor zeros(Shape shape) {
        ArrayPool pool = ArrayPool.active();
        int n = shape.size();
        return pool != null && n >= ArrayPool.MIN_FLOATS ? over(shape, pool.take(n)) : new Tensor(shape, new float[n]);
    }

    /**
     * A tensor whose values are unspecified, for a result the caller overwrites completely
     * before anything reads it: with an active {@link ArrayPool} it skips zeroing a recycled array.
     */
    public static Tensor uninitialized(Shape shape) {
        return over(shape, ArrayPool.scratch(shape.size()));
    }

    /** A tensor of zeros with the given dimensions. */
    public static Tensor zeros(int... dims) {
        return zeros(Shape.of(dims));
    }

    /** A tensor with every element set to {@code value}. */
    public static Tensor full(Shape shape, float value) {
        float[] d = new float[shape.size()];
        Arrays.fill(d, value);
        return new Tensor(shape, d);
    }

    /** A tensor whose element {@code i} (flat index) is {@code f(i)}. */
    public static Tensor fromFunction(Shape shape, IntToDoubleFunction f) {
        float[] d = new float[shape.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) f.applyAsDouble(i);
        }
        return new Tensor(shape, d);
    }

    /** A tensor holding a copy of {@code values}. */
    public static Tensor of(Shape shape, float... values) {
        return new Tensor(shape, values.clone());
    }

    public Shape shape() {
        return shape;
    }

    /**
     * The backing array (row-major); changes write through. Its first {@link #size()} values are
     * the tensor's (it can be longer only for a tensor made {@link #over} a recycled array).
     */
    public float[] data() {
        return data;
    }

    /** The number of values: the shape's size. */
    public int size() {
        return size;
    }

    /** The element at a full index. */
    public float get(int... index) {
        return data[offset(index)];
    }

    /** Sets the element at a full index. */
    public void set(float value, int... index) {
        data[offset(index)] = value;
    }

    private int offset(int[] index) {
        if (index.length != shape.rank()) {
            throw new IllegalArgumentException("Index of rank " + index.length + " for tensor of shape " + shape);
        }
        int off = 0;
        for (int i = 0; i < index.length; i++) {
            int d = shape.dim(i);
            if (index[i] < 0 || index[i] >= d) {
                throw new IndexOutOfBoundsException("Index " + Arrays.toString(index) + " outside " + shape);
            }
            off = off * d + index[i];
        }
        return off;
    }

    /** A deep copy, on an exact array. */
    public Tensor copy() {
        return new Tensor(shape, Arrays.copyOf(data, size));
    }

    /** The same data seen with another shape of the same size. */
    public Tensor reshape(Shape newShape) {
        if (newShape.size() != size) {
            throw new IllegalArgumentException("Cannot reshape a tensor of shape " + shape + " (" + size
                    + " values) to " + newShape + " (" + newShape.size() + " values)");
        }
        return new Tensor(newShape, data, true);
    }

    /** Samples {@code [from, to)} of the first dimension, copied. */
    public Tensor slice(int from, int to) {
        int per = shape.sampleSize();
        return new Tensor(shape.withBatch(to - from), Arrays.copyOfRange(data, from * per, to * per));
    }

    @Override
    public String toString() {
        int n = Math.min(size, 8);
        StringBuilder sb = new StringBuilder("Tensor").append(shape).append(" [");
        for (int i = 0; i < n; i++) {
            sb.append(i > 0 ? ", " : "").append(data[i]);
        }
        return sb.append(size > n ? ", ...]" : "]").toString();
    }
}
