package org.resnet4j.layers;

import java.util.List;
import java.util.Map;
import org.resnet4j.kernels.Conv2dGeometry;
import org.resnet4j.kernels.Kernels;
import org.resnet4j.layers.initializers.GlorotUniform;
import org.resnet4j.layers.initializers.Initializer;
import org.resnet4j.layers.initializers.Initializers;
import org.resnet4j.layers.initializers.Zeros;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * 2-D convolution over NHWC images, Keras's {@code Conv2D}.
 *
 * <p>Input {@code (N, H, W, C)}, kernel {@code (kH, kW, C, filters)}, bias {@code (filters)},
 * output {@code (N, H', W', filters)} with {@code H' = floor((H - kH) / sH) + 1} for
 * {@code valid} and {@code H' = ceil(H / sH)} for {@code same} (TensorFlow's asymmetric split,
 * see {@link Padding}). Defaults as in Keras: strides 1, {@code valid}, no activation, bias on,
 * Glorot-uniform kernel, zero bias.
 */
public final class Conv2D extends SingleInputLayer implements ActivatedLayer {

    private final int filters;
    private final int kernelH;
    private final int kernelW;
    private final int strideH;
    private final int strideW;
    private final Padding padding;
    private final ActivationFunction activation;
    private final boolean useBias;
    private final Initializer kernelInitializer;
    private final Initializer biasInitializer;

    private final Map<String, Regularizer> regularizers;
    private Parameter kernel;
    private Parameter bias;

    private Conv2D(Builder b) {
        super(b.name);
        this.filters = b.filters;
        this.kernelH = b.kernelH;
        this.kernelW = b.kernelW;
        this.strideH = b.strideH;
        this.strideW = b.strideW;
        this.padding = b.padding;
        this.activation = b.activation;
        this.useBias = b.useBias;
        this.kernelInitializer = b.kernelInitializer;
        this.biasInitializer = b.biasInitializer;
        this.regularizers = Regularizer.forKernelAndBias(b.kernelRegularizer, b.biasRegularizer);
        if (filters <= 0) {
            throw error("filters must be positive", "filters > 0", filters);
        }
        if (kernelH <= 0 || kernelW <= 0) {
            throw error("kernel size must be positive", "kernel_size > 0", "(" + kernelH + ", " + kernelW + ")");
        }
        if (strideH <= 0 || strideW <= 0) {
            throw error("strides must be positive", "strides > 0", "(" + strideH + ", " + strideW + ")");
        }
    }

    /** A builder for {@code filters} square {@code kernelSize x kernelSize} filters. */
    public static Builder builder(int filters, int kernelSize) {
        return new Builder(filters, kernelSize, kernelSize);
    }

    /** A builder for {@code filters} {@code kernelH x kernelW} filters. */
    public static Builder builder(int filters, int kernelH, int kernelW) {
        return new Builder(filters, kernelH, kernelW);
    }

    public int filters() {
        return filters;
    }

    public Padding padding() {
        return padding;
    }

    @Override
    public ActivationFunction activation() {
        return activation;
    }

    public Initializer kernelInitializer() {
        return kernelInitializer;
    }

    /** The kernel weight {@code (kH, kW, inC, filters)}. */
    public Parameter kernel() {
        return kernel;
    }

    /** The bias weight, or {@code null} without bias. */
    public Parameter bias() {
        return bias;
    }

    @Override
    public Shape computeOutputShape(Shape in) {
        requireRank(in, 4, "an NHWC image batch");
        return Shape.of(in.dim(0), padding.outputSize(in.dim(1), kernelH, strideH),
                padding.outputSize(in.dim(2), kernelW, strideW), filters);
    }

    @Override
    protected void build(Shape in) {
        kernel = addWeight("kernel", Shape.of(kernelH, kernelW, in.dim(3), filters), kernelInitializer, true);
        if (useBias) {
            bias = addWeight("bias", Shape.of(filters), biasInitializer, true);
        }
    }

    private Conv2dGeometry geometry(Shape in) {
        int h = in.dim(1);
        int w = in.dim(2);
        return new Conv2dGeometry(in.dim(0), h, w, in.dim(3), kernelH, kernelW, filters, strideH, strideW,
                padding.padBefore(h, kernelH, strideH), padding.padBefore(w, kernelW, strideW),
                padding.outputSize(h, kernelH, strideH), padding.outputSize(w, kernelW, strideW));
    }

    @Override
    public Tensor forward(Tensor x, Context ctx, boolean training) {
        Conv2dGeometry g = geometry(x.shape());
        Tensor y = convolve(x, g);
        if (useBias) {
            Kernels.get().addRowVector(y.data(), g.patchRows(), filters, bias.value().data());
        }
        activation.forward(y.data(), y.data(), y.size(), filters);
        ctx.save(x, g, y);
        return y;
    }

    /** The convolution of {@code x} with the kernel alone: no bias, no activation. */
    Tensor convolve(Tensor x) {
        return convolve(x, geometry(x.shape()));
    }

    private Tensor convolve(Tensor x, Conv2dGeometry g) {
        // Every kernel overwrites y (and dx below) entirely.
        Tensor y = Tensor.uninitialized(Shape.of(g.batch(), g.outH(), g.outW(), filters));
        Kernels.get().conv2dForward(g, x.data(), kernel.value().data(), y.data());
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Context ctx) {
        Tensor y = ctx.saved(2);
        return backwardLinear(activation.gradientBefore(y.data(), dy.data(), dy.size(), filters), ctx);
    }

    @Override
    public List<Tensor> backwardFromPreActivation(Tensor dz, Context ctx) {
        return java.util.Collections.singletonList(backwardLinear(dz.data(), ctx));
    }

    /** Backward through the convolution and bias, from the gradient of their result. */
    private Tensor backwardLinear(float[] grad, Context ctx) {
        Tensor x = ctx.saved(0);
        Conv2dGeometry g = ctx.saved(1);
        Kernels k = Kernels.get();
        if (useBias && bias.needsGrad()) {
            k.addColumnSums(grad, g.patchRows(), filters, bias.accumulator().data());
        }
        if (kernel.needsGrad()) {
            // The first gradient of a step is written, not added to a zeroed array (zeroing every
            // kernel's accumulator took about 4 ms of a training step at batch 32).
            boolean add = kernel.accumulates();
            k.conv2dBackwardKernel(g, x.data(), grad, kernel.gradientTarget().data(), add);
        }
        if (!ctx.needsInputGradient(0)) {
            return null;
        }
        Tensor dx = Tensor.uninitialized(x.shape());
        k.conv2dBackwardInput(g, grad, kernel.value().data(), dx.data());
        return dx;
    }

    @Override
    public Map<String, Object> getConfig() {
        Map<String, Object> c = super.getConfig();
        c.put("filters", filters);
        c.put("kernel_size", List.of(kernelH, kernelW));
        c.put("strides", List.of(strideH, strideW));
        c.put("padding", padding.kerasName());
        c.put("data_format", "channels_last");
        c.put("dilation_rate", List.of(1, 1));
        c.put("groups", 1);
        c.put("activation", activation.kerasName());
        c.put("use_bias", useBias);
        c.put("kernel_initializer", Initializers.serialize(kernelInitializer));
        c.put("bias_initializer", Initializers.serialize(biasInitializer));
        c.put("kernel_regularizer", Regularizer.serialize(regularizers, "kernel"));
        c.put("bias_regularizer", Regularizer.serialize(regularizers, "bias"));
        c.put("activity_regularizer", null);
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
        return List.of(padding.kerasName(), activation.kerasName(), kernelInitializer.className());
    }

    /** Configuration of a {@link Conv2D}, with Keras's defaults. */
    public static final class Builder {
        private final int filters;
        private final int kernelH;
        private final int kernelW;
        private int strideH = 1;
        private int strideW = 1;
        private Padding padding = Padding.VALID;
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

        private Builder(int filters, int kernelH, int kernelW) {
            this.filters = filters;
            this.kernelH = kernelH;
            this.kernelW = kernelW;
        }

        public Builder strides(int s) {
            return strides(s, s);
        }

        public Builder strides(int sh, int sw) {
            this.strideH = sh;
            this.strideW = sw;
            return this;
        }

        public Builder padding(Padding p) {
            this.padding = p;
            return this;
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

        public Conv2D build() {
            if (kernelInitializer == null) {
                kernelInitializer = new GlorotUniform();
            }
            return new Conv2D(this);
        }
    }
}
