package org.resnet4j.layers;

/**
 * Keras's padding modes for convolution and pooling, with TensorFlow's arithmetic.
 *
 * <ul>
 *   <li>{@code VALID}: no padding; output {@code floor((in - k) / s) + 1}.</li>
 *   <li>{@code SAME}: output {@code ceil(in / s)}; the total padding
 *   {@code max((out - 1) * s + k - in, 0)} is split with the smaller half before and the larger
 *   after (a 2x2 window at stride 1 pads 0 before and 1 after).</li>
 * </ul>
 */
public enum Padding {
    VALID("valid"),
    SAME("same");

    private final String kerasName;

    Padding(String kerasName) {
        this.kerasName = kerasName;
    }

    /** The name Keras uses in configs: {@code valid} or {@code same}. */
    public String kerasName() {
        return kerasName;
    }

    /** The output size along one axis; may be {@code <= 0} when a valid window does not fit. */
    public int outputSize(int in, int kernel, int stride) {
        return switch (this) {
            case VALID -> in < kernel ? 0 : (in - kernel) / stride + 1;
            case SAME -> (in + stride - 1) / stride;
        };
    }

    /** Zeros added before the input along one axis. */
    public int padBefore(int in, int kernel, int stride) {
        if (this == VALID) {
            return 0;
        }
        int out = outputSize(in, kernel, stride);
        int total = Math.max((out - 1) * stride + kernel - in, 0);
        return total / 2;
    }

    /** Parses Keras's spelling, case-insensitively. */
    public static Padding fromKeras(String name) {
        for (Padding p : values()) {
            if (p.kerasName.equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("Unknown padding '" + name + "'. Expected one of: valid, same");
    }
}
