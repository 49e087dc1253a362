package org.resnet4j.layers;

import java.util.Map;
import java.util.SplittableRandom;
import org.resnet4j.layers.initializers.RandomSeeds;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * Sets a fraction {@code rate} of values to zero in training and scales the rest by
 * {@code 1 / (1 - rate)}, Keras's {@code Dropout} (Srivastava et al., 2014). The identity in
 * inference. With a seed, the masks of successive training calls are a fixed sequence.
 */
public final class Dropout extends SingleInputLayer {

    private final double rate;
    private final Long seed;
    private SplittableRandom random;

    public Dropout(double rate) {
        this(rate, null, null);
    }

    public Dropout(double rate, Long seed, String name) {
        super(name);
        if (!(rate >= 0 && rate < 1)) {
            throw error("rate must be in [0, 1)", "0 <= rate < 1", rate);
        }
        this.rate = rate;
        this.seed = seed;
        this.random = new SplittableRandom(seed != null ? seed : RandomSeeds.next());
    }

    public double rate() {
        return rate;
    }

    /** The seed, or {@code null} when drawn from the global seed stream. */
    public Long seed() {
        return seed;
    }

    @Override
    public Shape computeOutputShape(Shape in) {
        return in;
    }

    @Override
    public Tensor forward(Tensor x, Context ctx, boolean training) {
        if (!training || rate == 0) {
            ctx.save((Object) null);
            return x;
        }
        SplittableRandom r;
        synchronized (this) {
            r = random.split();
        }
        float keep = (float) (1.0 / (1.0 - rate));
        float[] mask = new float[x.size()];
        Tensor y = Tensor.zeros(x.shape());
        for (int i = 0; i < mask.length; i++) {
            mask[i] = r.nextDouble() >= rate ? keep : 0f;
            y.data()[i] = x.data()[i] * mask[i];
        }
        ctx.save((Object) mask);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Context ctx) {
        float[] mask = ctx.saved(0);
        if (mask == null) {
            return dy;
        }
        Tensor dx = Tensor.zeros(dy.shape());
        for (int i = 0; i < mask.length; i++) {
            dx.data()[i] = dy.data()[i] * mask[i];
        }
        return dx;
    }

    @Override
    public java.util.List<String> summaryExtras() {
        return java.util.List.of(Double.toString(rate));
    }

    @Override
    public Map<String, Object> getConfig() {
        Map<String, Object> c = super.getConfig();
        c.put("rate", rate);
        c.put("seed", seed);
        c.put("noise_shape", null);
        return c;
    }
}
