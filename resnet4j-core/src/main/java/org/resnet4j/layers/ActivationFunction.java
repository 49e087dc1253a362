package org.resnet4j.layers;

import org.resnet4j.kernels.Kernels;
import org.resnet4j.tensor.Tensor;

/**
 * The element-wise (and softmax) activations Keras names by string. Softmax works over the last
 * axis. Each backward pass is written in terms of the forward output {@code y}, which is what the
 * layers keep for it.
 */
public enum ActivationFunction {
    LINEAR("linear"),
    RELU("relu"),
    SIGMOID("sigmoid"),
    TANH("tanh"),
    SOFTMAX("softmax");

    private final String kerasName;

    ActivationFunction(String kerasName) {
        this.kerasName = kerasName;
    }

    /** Keras's name: {@code linear}, {@code relu}, {@code sigmoid}, {@code tanh}, {@code softmax}. */
    public String kerasName() {
        return kerasName;
    }

    /** Parses a Keras activation name ({@code null} and {@code None} mean linear). */
    public static ActivationFunction fromKeras(String name) {
        if (name == null || name.equals("None")) {
            return LINEAR;
        }
        for (ActivationFunction f : values()) {
            if (f.kerasName.equalsIgnoreCase(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("Unknown activation '" + name
                + "'. Expected one of: linear, relu, sigmoid, tanh, softmax");
    }

    /**
     * {@code y = f(x)} over {@code n} values; {@code lastDim} is the size of the last axis
     * (softmax normalises each run of {@code lastDim} values). {@code x} and {@code y} may alias.
     */
    public void forward(float[] x, float[] y, int n, int lastDim) {
        switch (this) {
            case LINEAR -> {
                if (x != y) {
                    System.arraycopy(x, 0, y, 0, n);
                }
            }
            case RELU -> Kernels.get().reluForward(x, y, n);
            case SIGMOID -> {
                for (int i = 0; i < n; i++) {
                    y[i] = (float) (1.0 / (1.0 + Math.exp(-x[i])));
                }
            }
            case TANH -> {
                for (int i = 0; i < n; i++) {
                    y[i] = (float) Math.tanh(x[i]);
                }
            }
            case SOFTMAX -> {
                for (int base = 0; base < n; base += lastDim) {
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < lastDim; j++) {
                        max = Math.max(max, x[base + j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < lastDim; j++) {
                        float e = (float) Math.exp(x[base + j] - max);
                        y[base + j] = e;
                        sum += e;
                    }
                    float inv = (float) (1.0 / sum);
                    for (int j = 0; j < lastDim; j++) {
                        y[base + j] *= inv;
                    }
                }
            }
        }
    }

    /** {@code f(x)} as a new tensor; the last axis is the softmax axis. */
    public Tensor apply(Tensor x) {
        Tensor y = Tensor.uninitialized(x.shape());
        forward(x.data(), y.data(), x.size(), x.shape().dim(-1));
        return y;
    }

    /** {@code dL/dx} as a new tensor, from the forward output {@code y} and {@code dy}. */
    public Tensor gradient(Tensor y, Tensor dy) {
        Tensor dx = Tensor.uninitialized(dy.shape());
        backward(y.data(), dy.data(), dx.data(), dy.size(), dy.shape().dim(-1));
        return dx;
    }

    /**
     * The gradient before the activation for a layer that ends with it: {@code dy} itself for
     * {@link #LINEAR} (no copy), else a new array.
     */
    public float[] gradientBefore(float[] y, float[] dy, int n, int lastDim) {
        if (this == LINEAR) {
            return dy;
        }
        float[] dz = new float[n];
        backward(y, dy, dz, n, lastDim);
        return dz;
    }

    /** {@code dx = dL/dx} from the forward output {@code y} and {@code dy}; {@code dx} may alias {@code dy}. */
    public void backward(float[] y, float[] dy, float[] dx, int n, int lastDim) {
        switch (this) {
            case LINEAR -> {
                if (dx != dy) {
                    System.arraycopy(dy, 0, dx, 0, n);
                }
            }
            case RELU -> Kernels.get().reluBackward(y, dy, dx, n);
            case SIGMOID -> {
                for (int i = 0; i < n; i++) {
                    dx[i] = dy[i] * y[i] * (1f - y[i]);
                }
            }
            case TANH -> {
                for (int i = 0; i < n; i++) {
                    dx[i] = dy[i] * (1f - y[i] * y[i]);
                }
            }
            case SOFTMAX -> {
                for (int base = 0; base < n; base += lastDim) {
                    double dot = 0;
                    for (int j = 0; j < lastDim; j++) {
                        dot += (double) dy[base + j] * y[base + j];
                    }
                    for (int j = 0; j < lastDim; j++) {
                        dx[base + j] = (float) (y[base + j] * (dy[base + j] - dot));
                    }
                }
            }
        }
    }
}
