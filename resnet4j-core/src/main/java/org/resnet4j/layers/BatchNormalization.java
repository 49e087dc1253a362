package org.resnet4j.layers;

import java.util.List;
import java.util.Map;
import org.resnet4j.kernels.Kernels;
import org.resnet4j.layers.initializers.Initializers;
import org.resnet4j.layers.initializers.Ones;
import org.resnet4j.layers.initializers.Zeros;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * Batch normalization over the last (channels) axis, Keras's {@code BatchNormalization}
 * (Ioffe and Szegedy, 2015).
 *
 * <p>{@code y = gamma * (x - mean) / sqrt(var + epsilon) + beta}. In training the mean and the
 * biased variance (divided by {@code N*H*W}) of the batch are used, and the moving statistics
 * updated as {@code moving = moving * momentum + batch * (1 - momentum)}; in inference the moving
 * statistics are used. Defaults as in Keras: momentum 0.99, epsilon 1e-3, center and scale on.
 *
 * <p>The moving variance is updated with the biased batch variance, as Keras 3 does. (Keras 2's
 * fused kernel updated it with the unbiased one, {@code var * m / (m - 1)}; the two differ by
 * {@code 1/m} relative, under 0.01% for a batch of 32 images of 15x15.)
 *
 * <p>A frozen layer ({@code setTrainable(false)}) always runs in inference mode and its moving
 * statistics never change, as in Keras 2.x and later.
 */
public final class BatchNormalization extends SingleInputLayer {

    private final int axis;
    private final double momentum;
    private final double epsilon;
    private final boolean center;
    private final boolean scale;

    private Parameter gamma;
    private Parameter beta;
    private Parameter movingMean;
    private Parameter movingVariance;

    /** Keras's defaults, normalising the channels axis. */
    public BatchNormalization() {
        this(builder());
    }

    /** Keras's defaults, with a name. */
    public BatchNormalization(String name) {
        this(builder().name(name));
    }

    private BatchNormalization(Builder b) {
        super(b.name);
        this.momentum = b.momentum;
        this.epsilon = b.epsilon;
        this.center = b.center;
        this.scale = b.scale;
        if (b.axis != -1 && b.axis != 3 && b.axis != 1) {
            throw error("only the channels axis can be normalised", "axis -1 (or 3 for NHWC, 1 for 2-D input)", b.axis);
        }
        if (!(momentum >= 0 && momentum <= 1)) {
            throw error("momentum must be in [0, 1]", "0 <= momentum <= 1", momentum);
        }
        if (!(epsilon > 0)) {
            throw error("epsilon must be positive", "epsilon > 0", epsilon);
        }
        this.axis = b.axis;
    }

    public static Builder builder() {
        return new Builder();
    }

    public double momentum() {
        return momentum;
    }

    public double epsilon() {
        return epsilon;
    }

    public Parameter gamma() {
        return gamma;
    }

    public Parameter beta() {
        return beta;
    }

    public Parameter movingMean() {
        return movingMean;
    }

    public Parameter movingVariance() {
        return movingVariance;
    }

    @Override
    public Shape computeOutputShape(Shape in) {
        if (in.rank() < 2) {
            throw error("input needs a channels axis", "rank >= 2", in);
        }
        if (axis != -1 && axis != in.rank() - 1) {
            throw error("only the last (channels) axis can be normalised", "axis -1 or " + (in.rank() - 1), axis);
        }
        return in;
    }

    @Override
    protected void build(Shape in) {
        Shape c = Shape.of(in.dim(-1));
        if (scale) {
            gamma = addWeight("gamma", c, new Ones(), true);
        }
        if (center) {
            beta = addWeight("beta", c, new Zeros(), true);
        }
        movingMean = addWeight("moving_mean", c, new Zeros(), false);
        movingVariance = addWeight("moving_variance", c, new Ones(), false);
    }

    @Override
    public Tensor forward(Tensor x, Context ctx, boolean training) {
        int channels = x.shape().dim(-1);
        int rows = x.size() / channels;
        boolean batchStats = training && isTrainable();
        Kernels k = Kernels.get();
        float[] mean;
        float[] variance;
        if (batchStats) {
            mean = new float[channels];
            variance = new float[channels];
            k.channelMoments(x.data(), rows, channels, mean, variance);
            float[] mm = movingMean.value().data();
            float[] mv = movingVariance.value().data();
            float keep = (float) momentum;
            float take = (float) (1.0 - momentum);
            for (int c = 0; c < channels; c++) {
                mm[c] = mm[c] * keep + mean[c] * take;
                mv[c] = mv[c] * keep + variance[c] * take;
            }
        } else {
            mean = movingMean.value().data().clone();
            variance = movingVariance.value().data().clone();
        }
        float[][] f = factors(mean, variance);
        ctx.save(x, mean, f[0], batchStats, f[1], f[2]);
        return affine(x, f[1], f[2]);
    }

    /**
     * With the moving statistics, the factors of {@code y = x * mul + add} per channel, as
     * {@code {mul, add}}: what this layer computes outside training.
     */
    float[][] inferenceFactors() {
        float[][] f = factors(movingMean.value().data(), movingVariance.value().data());
        return new float[][] {f[1], f[2]};
    }

    /** {@code {invStd, mul, add}} for the given mean and variance. */
    private float[][] factors(float[] mean, float[] variance) {
        int channels = mean.length;
        float[] invStd = new float[channels];
        float[] mul = new float[channels];
        float[] add = new float[channels];
        for (int c = 0; c < channels; c++) {
            invStd[c] = (float) (1.0 / Math.sqrt(variance[c] + epsilon));
            mul[c] = invStd[c] * (scale ? gamma.value().data()[c] : 1f);
            add[c] = (center ? beta.value().data()[c] : 0f) - mean[c] * mul[c];
        }
        return new float[][] {invStd, mul, add};
    }

    @Override
    public boolean canRecompute() {
        return true;
    }

    /** {@code y = x * mul + add} per channel, with the factors the forward call computed. */
    @Override
    public Tensor recompute(List<Tensor> inputs, Context ctx) {
        return affine(inputs.get(0), ctx.saved(4), ctx.saved(5));
    }

    private static Tensor affine(Tensor x, float[] mul, float[] add) {
        int channels = x.shape().dim(-1);
        Tensor y = Tensor.uninitialized(x.shape());
        Kernels.get().channelAffine(x.data(), x.size() / channels, channels, mul, add, y.data());
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Context ctx) {
        Tensor x = ctx.saved(0);
        float[] mean = ctx.saved(1);
        float[] invStd = ctx.saved(2);
        boolean batchStats = ctx.saved(3);
        int channels = x.shape().dim(-1);
        int rows = x.size() / channels;
        Kernels k = Kernels.get();
        double[] sumDy = new double[channels];
        double[] sumDyXhat = new double[channels];
        k.batchNormGradSums(x.data(), dy.data(), rows, channels, mean, invStd, sumDy, sumDyXhat);
        if (scale && gamma.needsGrad()) {
            float[] g = gamma.accumulator().data();
            for (int c = 0; c < channels; c++) {
                g[c] += (float) sumDyXhat[c];
            }
        }
        if (center && beta.needsGrad()) {
            float[] g = beta.accumulator().data();
            for (int c = 0; c < channels; c++) {
                g[c] += (float) sumDy[c];
            }
        }
        // Each element of dx is computed from the same element of dy alone, once the sums are in.
        Tensor dx = ctx.outputGradientWritable() ? dy : Tensor.uninitialized(x.shape());
        k.batchNormBackwardInput(x.data(), dy.data(), rows, channels, mean, invStd,
                scale ? gamma.value().data() : null, sumDy, sumDyXhat, batchStats, dx.data());
        return dx;
    }

    @Override
    public Map<String, Object> getConfig() {
        Map<String, Object> c = super.getConfig();
        c.put("axis", axis == -1 ? -1 : axis);
        c.put("momentum", momentum);
        c.put("epsilon", epsilon);
        c.put("center", center);
        c.put("scale", scale);
        c.put("beta_initializer", Initializers.serialize(new Zeros()));
        c.put("gamma_initializer", Initializers.serialize(new Ones()));
        c.put("moving_mean_initializer", Initializers.serialize(new Zeros()));
        c.put("moving_variance_initializer", Initializers.serialize(new Ones()));
        c.put("beta_regularizer", null);
        c.put("gamma_regularizer", null);
        c.put("beta_constraint", null);
        c.put("gamma_constraint", null);
        c.put("synchronized", false);
        return c;
    }

    /** Configuration of a {@link BatchNormalization}, with Keras's defaults. */
    public static final class Builder {
        private int axis = -1;
        private double momentum = 0.99;
        private double epsilon = 1e-3;
        private boolean center = true;
        private boolean scale = true;
        private String name;

        private Builder() {
        }

        /** The normalised axis; only the channels axis ({@code -1}, or {@code 3} for NHWC) is supported. */
        public Builder axis(int a) {
            this.axis = a;
            return this;
        }

        public Builder momentum(double m) {
            this.momentum = m;
            return this;
        }

        public Builder epsilon(double e) {
            this.epsilon = e;
            return this;
        }

        public Builder center(boolean c) {
            this.center = c;
            return this;
        }

        public Builder scale(boolean s) {
            this.scale = s;
            return this;
        }

        public Builder name(String n) {
            this.name = n;
            return this;
        }

        public BatchNormalization build() {
            return new BatchNormalization(this);
        }
    }
}
