package org.resnet4j.layers;

import java.util.List;
import java.util.Map;
import org.resnet4j.kernels.Kernels;
import org.resnet4j.layers.initializers.GlorotUniform;
import org.resnet4j.layers.initializers.Initializer;
import org.resnet4j.layers.initializers.Initializers;
import org.resnet4j.layers.initializers.Zeros;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * A fully connected layer, Keras's {@code Dense}: {@code y = activation(x . kernel + bias)} with
 * input {@code (N, in)}, kernel {@code (in, units)}, bias {@code (units)}, output {@code (N, units)}.
 * Takes 2-D input only: put a {@link Flatten} or a global pooling before it. Defaults as in Keras:
 * no activation, bias on, Glorot-uniform kernel, zero bias.
 */
public final class Dense extends SingleInputLayer implements ActivatedLayer {

    private final int units;
    private final ActivationFunction activation;
    private final boolean useBias;
    private final Initializer kernelInitializer;
    private final Initializer biasInitializer;

    private final Map<String, Regularizer> regularizers;
    private Parameter kernel;
    private Parameter bias;

    private Dense(Builder b) {
        super(b.name);
        this.units = b.units;
        this.activation = b.activation;
        this.useBias = b.useBias;
        this.kernelInitializer = b.kernelInitializer != null ? b.kernelInitializer : new GlorotUniform();
        this.biasInitializer = b.biasInitializer;
        this.regularizers = Regularizer.forKernelAndBias(b.kernelRegularizer, b.biasRegularizer);
        if (units <= 0) {
            throw error("units must be positive", "units > 0", units);
        }
    }

    /** Keras's {@code Dense(units)}. */
    public static Builder builder(int units) {
        return new Builder(units);
    }

    public int units() {
        return units;
    }

    @Override
    public ActivationFunction activation() {
        return activation;
    }

    public Parameter kernel() {
        return kernel;
    }

    public Parameter bias() {
        return bias;
    }

    @Override
    public Shape computeOutputShape(Shape in) {
        if (in.rank() != 2) {
            throw error("input must be 2-D (batch, features); add Flatten or a global pooling before Dense",
                    "rank 2", in + " (rank " + in.rank() + ")");
        }
        return Shape.of(in.dim(0), units);
    }

    @Override
    protected void build(Shape in) {
        kernel = addWeight("kernel", Shape.of(in.dim(1), units), kernelInitializer, true);
        if (useBias) {
            bias = addWeight("bias", Shape.of(units), biasInitializer, true);
        }
    }

    @Override
    public Tensor forward(Tensor x, Context ctx, boolean training) {
        int n = x.shape().dim(0);
        int in = x.shape().dim(1);
        Tensor y = Tensor.zeros(n, units);
        Kernels k = Kernels.get();
        k.gemm(false, false, n, units, in, x.data(), 0, in, kernel.value().data(), 0, units, y.data(), 0, units, false);
        if (useBias) {
            k.addRowVector(y.data(), n, units, bias.value().data());
        }
        activation.forward(y.data(), y.data(), y.size(), units);
        ctx.save(x, y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Context ctx) {
        Tensor y = ctx.saved(1);
        return backwardLinear(activation.gradientBefore(y.data(), dy.data(), dy.size(), units), ctx);
    }

    @Override
    public List<Tensor> backwardFromPreActivation(Tensor dz, Context ctx) {
        return java.util.Collections.singletonList(backwardLinear(dz.data(), ctx));
    }

    /** Backward through {@code x . kernel + bias}, from the gradient of its result. */
    private Tensor backwardLinear(float[] grad, Context ctx) {
        Tensor x = ctx.saved(0);
        int n = x.shape().dim(0);
        int in = x.shape().dim(1);
        Kernels k = Kernels.get();
        if (useBias && bias.needsGrad()) {
            k.addColumnSums(grad, n, units, bias.accumulator().data());
        }
        if (kernel.needsGrad()) {
            // As Conv2D: the first gradient of a step is written, not added to zeros.
            boolean add = kernel.accumulates();
            k.gemm(true, false, in, units, n, x.data(), 0, in, grad, 0, units, kernel.gradientTarget().data(), 0,
                    units, add);
        }
        if (!ctx.needsInputGradient(0)) {
            return null;
        }
        Tensor dx = Tensor.zeros(x.shape());
        k.gemm(false, true, n, in, units, grad, 0, units, kernel.value().data(), 0, units, dx.data(), 0, in, false);
        return dx;
    }

    @Override
    public Map<String, Object> getConfig() {
        Map<String, Object> c = super.getConfig();
        c.put("units", units);
        c.put("activation", activation.kerasName());
        c.put("use_bias", useBias);
        c.put("kernel_initializer", Initializers.serialize(kernelInitializer));
        c.put("bias_initializer", Initializers.serialize(biasInitializer));
        c.put("kernel_regularizer", Regularizer.serialize(regularizers, "kernel"));
        c.put("bias_regularizer", Regularizer.serialize(regularizers, "bias"));
        c.put("kernel_constraint", null);
        c.put("bias_constraint", null);
        return c;
    }

    @Override
    public Map<String, Regularizer> regularizers() {
        return regularizers;
    }

    @Override
    public List<String> summaryExtras() {
        return List.of(activation.kerasName());
    }

    /** Configuration of a {@link Dense}, with Keras's defaults. */
    public static final class Builder {
        private final int units;
        private ActivationFunction activation = ActivationFunction.LINEAR;
        private boolean useBias = true;
        private Initializer kernelInitializer;
        private Initializer biasInitializer = new Zeros();
        private String name;
        private Regularizer kernelRegularizer;
        private Regularizer biasRegularizer;

        /** Keras's {@code kernel_regularizer}. */
        public Builder kernelRegularizer(Regularizer r) {
            this.kernelRegularizer = r;
            return this;
        }

        /** Keras's {@code bias_regularizer}. */
        public Builder biasRegularizer(Regularizer r) {
            this.biasRegularizer = r;
            return this;
        }

        private Builder(int units) {
            this.units = units;
        }

        public Builder activation(ActivationFunction a) {
            this.activation = a;
            return this;
        }

        public Builder useBias(boolean b) {
            this.useBias = b;
            return this;
        }

        public Builder kernelInitializer(Initializer i) {
            this.kernelInitializer = i;
            return this;
        }

        public Builder biasInitializer(Initializer i) {
            this.biasInitializer = i;
            return this;
        }

        public Builder name(String n) {
            this.name = n;
            return this;
        }

        public Dense build() {
            return new Dense(this);
        }
    }
}
