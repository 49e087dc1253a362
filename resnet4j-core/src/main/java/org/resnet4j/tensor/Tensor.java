package org.resnet4j.tensor;

import java.util.Arrays;
import java.util.function.IntToDoubleFunction;

/**
 * A dense float32 tensor in row-major (C) order; images are NHWC. The data array is exposed on
 * purpose: kernels work on it directly. A tensor does no arithmetic of its own.
 */
public final class Tensor {

    private final Shape shape;
    private final float[] data;

    /** A tensor that wraps {@code data} (not copied) with {@code shape}. */
    public Tensor(Shape shape, float[] data) {
        if (data.length != shape.size()) {
            throw new IllegalArgumentException("Tensor of shape " + shape + " needs " + shape.size()
                    + " values; received " + data.length);
        }
        this.shape = shape;
        this.data = data;
    }

    /** A tensor of zeros. */
    public static Tensor zeros(Shape shape) {
        ArrayPool pool = ArrayPool.active();
        int n = shape.size();
        return new Tensor(shape, pool != null && n >= ArrayPool.MIN_FLOATS ? pool.take(n) : new float[n]);
    }

    /**
     * A tensor whose values are unspecified, for a result the caller overwrites completely
     * before anything reads it: with an active {@link ArrayPool} it skips zeroing a recycled array.
     */
    public static Tensor uninitialized(Shape shape) {
        ArrayPool pool = ArrayPool.active();
        int n = shape.size();
        return new Tensor(shape, pool != null && n >= ArrayPool.MIN_FLOATS ? pool.takeUninitialized(n) : new float[n]);
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

    /** The backing array (row-major); changes write through. */
    public float[] data() {
        return data;
    }

    public int size() {
        return data.length;
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

    /** A deep copy. */
    public Tensor copy() {
        return new Tensor(shape, data.clone());
    }

    /** The same data seen with another shape of the same size. */
    public Tensor reshape(Shape newShape) {
        return new Tensor(newShape, data);
    }

    /** Samples {@code [from, to)} of the first dimension, copied. */
    public Tensor slice(int from, int to) {
        int per = shape.sampleSize();
        return new Tensor(shape.withBatch(to - from), Arrays.copyOfRange(data, from * per, to * per));
    }

    @Override
    public String toString() {
        int n = Math.min(data.length, 8);
        StringBuilder sb = new StringBuilder("Tensor").append(shape).append(" [");
        for (int i = 0; i < n; i++) {
            sb.append(i > 0 ? ", " : "").append(data[i]);
        }
        return sb.append(data.length > n ? ", ...]" : "]").toString();
    }
}
