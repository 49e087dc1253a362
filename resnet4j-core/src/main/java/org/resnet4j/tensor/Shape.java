package org.resnet4j.tensor;

import java.util.Arrays;

/**
 * An immutable tensor shape. Images are NHWC: {@code (batch, height, width, channels)}.
 *
 * <p>A dimension of {@link #UNKNOWN} stands for a size that is only known when data arrives,
 * the batch dimension of a symbolic tensor (Keras prints it {@code None}).
 */
public final class Shape {

    /** The size of a dimension that is not known until run time (Keras's {@code None}). */
    public static final int UNKNOWN = -1;

    private final int[] dims;

    private Shape(int[] dims) {
        this.dims = dims;
    }

    /**
     * A shape from its dimensions.
     *
     * @throws IllegalArgumentException if a dimension is negative other than {@link #UNKNOWN}
     */
    public static Shape of(int... dims) {
        for (int d : dims) {
            if (d < 0 && d != UNKNOWN) {
                throw new IllegalArgumentException("Shape dimensions must be >= 0 (or UNKNOWN); received "
                        + Arrays.toString(dims));
            }
        }
        return new Shape(dims.clone());
    }

    /** A shape with an unknown batch dimension in front of {@code dims}. */
    public static Shape batchOf(int... dims) {
        int[] all = new int[dims.length + 1];
        all[0] = UNKNOWN;
        System.arraycopy(dims, 0, all, 1, dims.length);
        return of(all);
    }

    public int rank() {
        return dims.length;
    }

    /** Dimension {@code i}; negative {@code i} counts from the end, as in Python. */
    public int dim(int i) {
        return dims[i < 0 ? dims.length + i : i];
    }

    public int[] dims() {
        return dims.clone();
    }

    /** The number of elements; fails when a dimension is unknown. */
    public int size() {
        long n = 1;
        for (int d : dims) {
            if (d == UNKNOWN) {
                throw new IllegalStateException("Shape " + this + " has an unknown dimension and no size");
            }
            n = Math.multiplyExact(n, (long) d);
            if (n > Integer.MAX_VALUE) {
                throw new IllegalStateException("Shape " + this + " has more than 2^31-1 elements");
            }
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalStateException("Shape " + this + " has more than 2^31-1 elements");
        }
        return (int) n;
    }

    /** The number of elements of one sample: all dimensions but the first. */
    public int sampleSize() {
        return dropBatch().size();
    }

    /** This shape without its first (batch) dimension. */
    public Shape dropBatch() {
        return new Shape(Arrays.copyOfRange(dims, 1, dims.length));
    }

    /** This shape with the first dimension replaced by {@code batch}. */
    public Shape withBatch(int batch) {
        int[] d = dims.clone();
        d[0] = batch;
        return of(d);
    }

    /** True when every dimension but the batch matches (the batch may be unknown on either side). */
    public boolean compatibleWith(Shape other) {
        if (other.rank() != rank()) {
            return false;
        }
        for (int i = 0; i < dims.length; i++) {
            int a = dims[i];
            int b = other.dims[i];
            if (a != b && a != UNKNOWN && b != UNKNOWN) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** Keras's spelling: {@code (None, 64, 64, 3)}; a rank-1 shape prints {@code (6,)}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(dims[i] == UNKNOWN ? "None" : Integer.toString(dims[i]));
        }
        if (dims.length == 1) {
            sb.append(',');
        }
        return sb.append(')').toString();
    }

    /** The compact spelling of the reference summaries: {@code Nx64x64x3}. */
    public String toCompactString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append('x');
            }
            sb.append(dims[i] == UNKNOWN ? "N" : Integer.toString(dims[i]));
        }
        return sb.toString();
    }
}
