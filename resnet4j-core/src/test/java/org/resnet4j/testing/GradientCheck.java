package org.resnet4j.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.resnet4j.layers.Context;
import org.resnet4j.layers.Layer;
import org.resnet4j.layers.Parameter;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * Finite-difference gradient checks: the analytic gradient of {@code L = sum(r * y)} (a fixed
 * random {@code r}, the sum taken in double) against central differences
 * {@code (L(v + eps) - L(v - eps)) / (2 eps)} on the float32 inputs and weights.
 *
 * <p>The error of one element is {@code |a - n| / max(|a|, |n|, floor)} with
 * {@code floor = 1e-3 * max|analytic|} over the whole tensor: relative where the gradient is
 * large, and measured against the tensor's scale where it is near zero (there float32 rounding
 * noise of the loss, not the formula, dominates the difference).
 */
public final class GradientCheck {

    /** Tensors of at most this many elements are checked in full; larger ones are sampled. */
    public static final int CHECK_ALL_UP_TO = 256;
    /** How many elements of a large tensor are checked. */
    public static final int SAMPLES = 50;
    /** Relative to the largest analytic gradient of the tensor: the floor of the error measure. */
    public static final double FLOOR = 1e-3;

    private GradientCheck() {
    }

    /** How many times a step that crossed a kink is shortened (by 4 each time) before the element is skipped. */
    public static final int MAX_STEP_REDUCTIONS = 2;
    /** At most this fraction of a tensor's checked elements may be skipped for kinks. */
    public static final double MAX_SKIPPED_FRACTION = 0.05;

    /**
     * Thrown by a loss function when a perturbed run is on the other side of a kink (a ReLU
     * changed sign, a pooling window changed its winner) than the unperturbed run: there a
     * finite difference does not estimate the derivative at the point.
     */
    public static final class KinkCrossed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public KinkCrossed(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The outcome of checking one tensor.
     *
     * @param shortened elements whose step had to be shortened to stay clear of a kink
     * @param skipped   elements left out because even the shortest step crossed a kink
     */
    public record Report(String what, int checked, double worstError, int worstIndex, double analytic,
                         double numeric, double maxAbsGrad, int shortened, int skipped) {

        @Override
        public String toString() {
            String kinks = shortened + skipped == 0 ? ""
                    : String.format("; %d steps shortened and %d elements skipped at kinks", shortened, skipped);
            return String.format("%s: worst relative error %.3g at [%d] (analytic %.6g, numeric %.6g; "
                    + "%d elements checked, max |grad| %.3g%s)", what, worstError, worstIndex, analytic, numeric,
                    checked, maxAbsGrad, kinks);
        }
    }

    /** {@code sum(r * y)} in double. */
    public static double loss(Tensor y, Tensor r) {
        if (!y.shape().equals(r.shape())) {
            throw new AssertionError("loss: output " + y.shape() + " and weights " + r.shape() + " differ");
        }
        float[] yd = y.data();
        float[] rd = r.data();
        double sum = 0;
        for (int i = 0; i < yd.length; i++) {
            sum += (double) rd[i] * yd[i];
        }
        return sum;
    }

    /** Uniform values in {@code [lo, hi)}. */
    public static Tensor uniform(Shape shape, SplittableRandom rnd, double lo, double hi) {
        return Tensor.fromFunction(shape, i -> lo + (hi - lo) * rnd.nextDouble());
    }

    /** Values of random sign with {@code min <= |v| < max}: away from the ReLU kink at 0. */
    public static Tensor awayFromZero(Shape shape, SplittableRandom rnd, double min, double max) {
        return Tensor.fromFunction(shape, i -> (rnd.nextBoolean() ? 1 : -1) * (min + (max - min) * rnd.nextDouble()));
    }

    /**
     * A shuffled arithmetic sequence {@code spacing * (k - size/2)}, {@code k = 0..size-1}: all
     * values distinct and at least {@code spacing} apart, so max-pooling has no ties that a
     * perturbation smaller than {@code spacing / 2} could swap.
     */
    public static Tensor distinctShuffled(Shape shape, SplittableRandom rnd, double spacing) {
        int n = shape.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return Tensor.fromFunction(shape, i -> spacing * (order[i] - n / 2));
    }

    /** All indices when {@code size <= CHECK_ALL_UP_TO}, else {@link #SAMPLES} distinct seeded ones. */
    public static int[] indices(int size, long seed) {
        if (size <= CHECK_ALL_UP_TO) {
            int[] all = new int[size];
            for (int i = 0; i < size; i++) {
                all[i] = i;
            }
            return all;
        }
        return new SplittableRandom(seed).ints(0, size).distinct().limit(SAMPLES).sorted().toArray();
    }

    /**
     * How the numeric derivative is taken.
     *
     * @param eps        the step
     * @param absFloor   the floor of the error measure is at least this: for a tensor whose true
     *                   gradient is zero or tiny against the rest of a model (a bias right before
     *                   batch normalization), float32 noise is then measured against the model's
     *                   gradient scale rather than against the tensor's own
     * @param richardson combine the central differences of steps {@code eps} and {@code eps/2} as
     *                   {@code (4 D(eps/2) - D(eps)) / 3}, which cancels the {@code eps^2} error
     *                   term: for strongly curved losses (batch statistics), where a step short
     *                   enough for plain central differences drowns in float32 noise
     */
    public record Options(double eps, double absFloor, boolean richardson) {

        /** Plain central differences with step {@code eps}. */
        public static Options central(double eps) {
            return new Options(eps, 0, false);
        }
    }

    /**
     * Compares {@code analytic} with central differences of {@code loss} over the elements
     * {@code indices} of {@code target}, which {@code loss} must read. The target is restored.
     */
    public static Report compare(String what, Tensor target, Tensor analytic, DoubleSupplier loss, double eps,
                                 int[] indices) {
        return compare(what, target, analytic, loss, Options.central(eps), indices);
    }

    /**
     * Compares {@code analytic} with finite differences of {@code loss} over the elements
     * {@code indices} of {@code target}, which {@code loss} must read. The target is restored.
     * The step actually taken is {@code float(v + h) - float(v - h)}, not {@code 2 h}.
     *
     * <p>When {@code loss} throws {@link KinkCrossed}, the element's step is shortened by 4 (at
     * most {@link #MAX_STEP_REDUCTIONS} times) and its error floor raised by as much, since the
     * rounding noise of a difference grows as the step shrinks; an element that crosses a kink
     * even then is skipped and counted.
     */
    public static Report compare(String what, Tensor target, Tensor analytic, DoubleSupplier loss, Options options,
                                 int[] indices) {
        if (!target.shape().equals(analytic.shape())) {
            throw new AssertionError(what + ": gradient shape " + analytic.shape() + " differs from "
                    + target.shape());
        }
        float[] v = target.data();
        float[] a = analytic.data();
        double maxAbs = 0;
        for (float g : a) {
            if (!Float.isFinite(g)) {
                throw new AssertionError(what + ": analytic gradient is not finite: " + g);
            }
            maxAbs = Math.max(maxAbs, Math.abs(g));
        }
        double eps = options.eps();
        double floor = Math.max(Math.max(FLOOR * maxAbs, options.absFloor()), 1e-9);
        double worst = -1;
        int worstAt = -1;
        double worstA = 0;
        double worstN = 0;
        int shortened = 0;
        int skipped = 0;
        for (int i : indices) {
            double numeric = Double.NaN;
            double step = eps;
            for (int attempt = 0; attempt <= MAX_STEP_REDUCTIONS; attempt++, step /= 4) {
                try {
                    double d = centralDifference(v, i, step, loss);
                    numeric = options.richardson() ? (4 * centralDifference(v, i, step / 2, loss) - d) / 3 : d;
                    shortened += attempt > 0 ? 1 : 0;
                    break;
                } catch (KinkCrossed e) {
                    // try a shorter step
                }
            }
            if (Double.isNaN(numeric)) {
                skipped++;
                continue;
            }
            double noiseFloor = floor * (eps / step);
            double err = Math.abs(a[i] - numeric) / Math.max(Math.max(Math.abs(a[i]), Math.abs(numeric)), noiseFloor);
            if (err > worst) {
                worst = err;
                worstAt = i;
                worstA = a[i];
                worstN = numeric;
            }
        }
        if (skipped > MAX_SKIPPED_FRACTION * indices.length) {
            throw new AssertionError(what + ": " + skipped + " of " + indices.length + " elements sit within "
                    + eps / Math.pow(4, MAX_STEP_REDUCTIONS) + " of a kink; choose inputs further from kinks");
        }
        return new Report(what, indices.length, worst, worstAt, worstA, worstN, maxAbs, shortened, skipped);
    }

    /** {@code (L(v + h) - L(v - h)) / (float(v + h) - float(v - h))} at element {@code i}; restores it. */
    private static double centralDifference(float[] v, int i, double h, DoubleSupplier loss) {
        float orig = v[i];
        float plus = (float) (orig + h);
        float minus = (float) (orig - h);
        try {
            v[i] = plus;
            double lp = loss.getAsDouble();
            v[i] = minus;
            double lm = loss.getAsDouble();
            return (lp - lm) / ((double) plus - (double) minus);
        } finally {
            v[i] = orig;
        }
    }

    /**
     * Checks a built-or-not layer on concrete inputs: builds it for their shapes, runs forward
     * once with a fresh {@link Context}, backpropagates a seeded random {@code r}, and compares
     * every input gradient and every trainable weight's gradient with central differences (each
     * loss evaluation a fresh forward with a fresh context).
     *
     * @param signature when not null, a function of the output that must not change under any
     *                  perturbation (e.g. the ReLU mask): a change means a step crossed a kink,
     *                  and the step is shortened (see {@link #compare})
     */
    public static List<Report> checkLayer(Layer layer, List<Tensor> inputs, boolean training, double eps,
                                          long seed, Function<Tensor, Object> signature) {
        List<Shape> shapes = new ArrayList<>();
        for (Tensor t : inputs) {
            shapes.add(t.shape());
        }
        Shape out = layer.outputShapeFor(shapes);
        layer.ensureBuilt(shapes);
        Context ctx = new Context();
        Tensor y = layer.forward(inputs, ctx, training);
        if (!out.equals(y.shape())) {
            throw new AssertionError(layer + ": forward gave " + y.shape() + ", outputShapeFor said " + out);
        }
        Object baseSignature = signature == null ? null : signature.apply(y);
        SplittableRandom rnd = new SplittableRandom(seed);
        Tensor r = uniform(y.shape(), rnd, -1, 1);
        for (Parameter p : layer.weights()) {
            p.zeroGrad();
        }
        List<Tensor> dx = layer.backwardAll(r.copy(), ctx);
        if (dx.size() != inputs.size()) {
            throw new AssertionError(layer + ": backward gave " + dx.size() + " gradients for " + inputs.size()
                    + " inputs");
        }
        // Copies: a gradient may share storage with what the numeric loop perturbs or reuses.
        List<Tensor> inputGrads = new ArrayList<>();
        for (Tensor g : dx) {
            inputGrads.add(g.copy());
        }
        List<Parameter> params = new ArrayList<>();
        List<Tensor> paramGrads = new ArrayList<>();
        for (Parameter p : layer.weights()) {
            if (p.isTrainable()) {
                params.add(p);
                paramGrads.add(p.grad().copy());
            }
        }
        DoubleSupplier loss = () -> {
            Tensor yy = layer.forward(inputs, new Context(), training);
            if (baseSignature != null && !Objects.deepEquals(baseSignature, signature.apply(yy))) {
                throw new KinkCrossed(layer + ": the output signature changed");
            }
            return loss(yy, r);
        };
        List<Report> reports = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            reports.add(compare(layer.name() + " input " + i, inputs.get(i), inputGrads.get(i), loss, eps,
                    indices(inputs.get(i).size(), seed + 1 + i)));
        }
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            reports.add(compare(p.path(), p.value(), paramGrads.get(i), loss, eps,
                    indices(p.value().size(), seed + 101 + i)));
        }
        return reports;
    }

    /** The ReLU mask of an output, a {@code signature} for {@link #checkLayer}. */
    public static Object positiveMask(Tensor y) {
        float[] d = y.data();
        boolean[] mask = new boolean[d.length];
        for (int i = 0; i < d.length; i++) {
            mask[i] = d[i] > 0f;
        }
        return mask;
    }

    /** The worst of several reports. */
    public static Report worst(List<Report> reports) {
        Report w = null;
        for (Report r : reports) {
            if (w == null || r.worstError() > w.worstError()) {
                w = r;
            }
        }
        return w;
    }

    /** Fails, naming the case and every report, when any tensor's worst error exceeds {@code threshold}. */
    public static void assertWithin(String testCase, List<Report> reports, double threshold) {
        StringBuilder sb = new StringBuilder();
        boolean failed = false;
        for (Report r : reports) {
            if (!(r.worstError() <= threshold)) {
                failed = true;
            }
            sb.append("\n  ").append(r);
        }
        if (Boolean.getBoolean("resnet4j.gradcheck.verbose")) {
            System.out.println("[gradient check] " + testCase + sb);
        }
        if (failed) {
            throw new AssertionError("Gradient check '" + testCase + "' exceeds relative error " + threshold + ":" + sb);
        }
    }
}
