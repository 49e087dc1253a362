package org.resnet4j.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.resnet4j.data.Batches;
import org.resnet4j.data.Dataset;
import org.resnet4j.graph.ForwardPass;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.ActivatedLayer;
import org.resnet4j.layers.ActivationFunction;
import org.resnet4j.layers.Layer;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * A model compiled with an optimizer, a loss and metrics: Keras's {@code model.compile} followed
 * by {@code fit}, {@code evaluate} and {@code predict}.
 *
 * <p>Reproducibility: with the same seed for
 * {@link org.resnet4j.layers.initializers.RandomSeeds#setSeed} before the model is
 * built, the same {@link FitOptions#seed}, the same data and the same kernel implementation,
 * training gives bit-identical weights, whatever the thread count (kernels split work by output
 * rows, so each value is summed in one fixed order). Different kernel implementations or CPUs
 * with different floating-point contraction may differ in the last bits.
 *
 * @see org.resnet4j.layers.initializers.RandomSeeds
 */
public final class Trainer {

    private final Model model;
    private final Optimizer optimizer;
    private final Loss loss;
    private final List<Metric> metrics;
    private final boolean softmaxShortcut;
    private volatile boolean stopTraining;
    private int epochs;
    private int stepsPerEpoch;

    /** Keras's {@code model.compile(optimizer, loss, metrics)}. */
    public Trainer(Model model, Optimizer optimizer, Loss loss, Metric... metrics) {
        this.model = model;
        this.optimizer = optimizer;
        this.loss = loss;
        this.metrics = List.of(metrics);
        // As Keras does: behind a final softmax, cross-entropy differentiates w.r.t. the logits.
        this.softmaxShortcut = model.outputs().size() == 1
                && model.outputs().get(0).node().layer() instanceof ActivatedLayer a
                && a.activation() == ActivationFunction.SOFTMAX;
    }

    public Model model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public Loss loss() {
        return loss;
    }

    /** Asks {@link #fit} to stop after the current batch (callbacks use this). */
    public void stopTraining() {
        this.stopTraining = true;
    }

    public boolean isStopping() {
        return stopTraining;
    }

    /** The epochs of the running fit. */
    public int epochs() {
        return epochs;
    }

    /** Batches per epoch of the running fit. */
    public int stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /** Labels in the form the loss takes: class indices for the sparse loss, else one-hot. */
    public Tensor targets(Dataset d) {
        return loss == Losses.SPARSE_CATEGORICAL_CROSSENTROPY
                ? Tensor.fromFunction(Shape.of(d.size()), i -> d.labels()[i]) : d.oneHot();
    }

    /** Trains on {@code train}, validating on {@code validation} (may be null) after each epoch. */
    public History fit(Dataset train, Dataset validation, FitOptions options) {
        if (validation != null) {
            options.validationData(validation.x(), targets(validation));
        }
        return fit(train.x(), targets(train), options);
    }

    /** Keras's {@code model.fit(x, y, ...)}. */
    public History fit(Tensor x, Tensor y, FitOptions o) {
        int n = x.shape().dim(0);
        if (y.shape().dim(0) != n) {
            throw new IllegalArgumentException("fit: " + n + " inputs but " + y.shape().dim(0) + " labels; the counts must match");
        }
        Tensor valX = o.validationX;
        Tensor valY = o.validationY;
        if (o.validationSplit > 0) {
            if (valX != null) {
                throw new IllegalArgumentException("fit: give validation data or a validation split, not both");
            }
            int nVal = (int) Math.floor(n * o.validationSplit);
            if (nVal == 0 || nVal == n) {
                throw new IllegalArgumentException("fit: validation split " + o.validationSplit + " of " + n
                        + " samples leaves an empty training or validation set");
            }
            valX = x.slice(n - nVal, n);
            valY = y.slice(n - nVal, n);
            x = x.slice(0, n - nVal);
            y = y.slice(0, n - nVal);
            n -= nVal;
        }
        List<Callback> callbacks = new ArrayList<>(o.callbacks);
        if (o.verbose) {
            callbacks.add(0, new ProgressLogger(System.out));
        }
        epochs = o.epochs;
        stepsPerEpoch = (n + o.batchSize - 1) / o.batchSize;
        stopTraining = false;
        History history = new History();
        Map<String, Double> logs = new LinkedHashMap<>();
        for (Callback c : callbacks) {
            c.onTrainBegin(this);
        }
        for (int epoch = o.initialEpoch; epoch < o.epochs && !stopTraining; epoch++) {
            for (Callback c : callbacks) {
                c.onEpochBegin(epoch, this);
            }
            List<int[]> batches = Batches.indices(n, o.batchSize, o.shuffle, o.seed * 1_000_003L + epoch);
            double lossSum = 0;
            long seen = 0;
            List<Metric> running = freshMetrics();
            for (int b = 0; b < batches.size() && !stopTraining; b++) {
                int[] idx = batches.get(b);
                Tensor bx = gather(x, idx);
                if (o.augmentation != null) {
                    bx = o.augmentation.apply(bx, (o.seed * 1_000_003L + epoch) * 100_003L + b);
                }
                Tensor by = gather(y, idx);
                double batchLoss = trainStep(bx, by, running);
                lossSum += batchLoss * idx.length;
                seen += idx.length;
                logs = new LinkedHashMap<>();
                logs.put("loss", lossSum / seen);
                for (Metric m : running) {
                    logs.put(m.name(), m.result());
                }
                logs.put("batch_loss", batchLoss);
                for (Callback c : callbacks) {
                    c.onBatchEnd(b, logs, this);
                }
                logs.remove("batch_loss");
            }
            for (Callback c : callbacks) {
                c.onTrainBatchesEnd(epoch, this);
            }
            if (valX != null) {
                Evaluation ev = evaluate(valX, valY, o.batchSize);
                logs.put("val_loss", ev.loss());
                for (Map.Entry<String, Double> e : ev.metrics().entrySet()) {
                    logs.put("val_" + e.getKey(), e.getValue());
                }
            }
            history.record(epoch, logs);
            for (Callback c : callbacks) {
                c.onEpochEnd(epoch, logs, this);
            }
        }
        for (Callback c : callbacks) {
            c.onTrainEnd(logs, this);
        }
        return history;
    }

    /**
     * One step of gradient descent on a batch, in training mode; updates {@code metrics} and
     * returns the batch loss.
     */
    public double trainStep(Tensor x, Tensor y, List<Metric> metrics) {
        ForwardPass pass = model.forward(x, true);
        Tensor p = pass.output();
        double value = loss.value(p, y) + regularizationLoss();
        Tensor dz = softmaxShortcut ? loss.softmaxLogitsGradient(p, y) : null;
        // Each layer is updated as soon as backward has finished with it, and its gradients are
        // let go: the model's gradients are never all held at once. The updates are those of
        // backward-then-apply, bit for bit (each reads only its own weight's gradient). So a
        // step that fails in backward (say, out of memory) has already updated the layers above.
        optimizer.beginStep();
        // Backward reports every layer of the model once (an untrained one updates nothing).
        Consumer<Layer> update = l -> {
            l.addRegularizationGradients();
            optimizer.update(l.weights());
        };
        try {
            if (dz != null) {
                pass.backwardFromPreActivationToWeights(dz, update);
            } else {
                pass.backwardToWeights(loss.gradient(p, y), update);
            }
        } finally {
            optimizer.endStep();
        }
        for (Metric m : metrics) {
            m.update(p, y);
        }
        return value;
    }

    /** The weight penalties of every layer (Keras adds {@code model.losses} to the loss it reports). */
    private double regularizationLoss() {
        double total = 0;
        for (Layer l : model.layers()) {
            total += l.regularizationLoss();
        }
        return total;
    }

    /** Keras's {@code model.evaluate}: inference-mode loss, metrics and the confusion matrix. */
    public Evaluation evaluate(Tensor x, Tensor y, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("evaluate: batch size must be at least 1; received " + batchSize);
        }
        int n = x.shape().dim(0);
        if (y.shape().dim(0) != n) {
            throw new IllegalArgumentException("evaluate: " + n + " inputs but " + y.shape().dim(0) + " labels");
        }
        List<Metric> ms = freshMetrics();
        double lossSum = 0;
        int[][] confusion = null;
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            Tensor bx = x.slice(start, end);
            Tensor by = y.slice(start, end);
            Tensor p = model.predict(bx);
            lossSum += loss.value(p, by) * (end - start);
            for (Metric m : ms) {
                m.update(p, by);
            }
            int classes = p.shape().sampleSize();
            if (confusion == null) {
                // A single sigmoid output still has two classes.
                confusion = new int[Math.max(classes, 2)][Math.max(classes, 2)];
            }
            int[] truth = Metrics.trueClasses(by, end - start, classes);
            for (int r = 0; r < end - start; r++) {
                confusion[truth[r]][Metrics.predictedClass(p.data(), r * classes, classes)]++;
            }
        }
        Map<String, Double> values = new LinkedHashMap<>();
        for (Metric m : ms) {
            values.put(m.name(), m.result());
        }
        return new Evaluation(n == 0 ? Double.NaN : lossSum / n + regularizationLoss(), values, confusion == null ? new int[0][0] : confusion);
    }

    /** {@link #evaluate(Tensor, Tensor, int)} on a dataset. */
    public Evaluation evaluate(Dataset d, int batchSize) {
        return evaluate(d.x(), targets(d), batchSize);
    }

    /** Keras's {@code model.predict}, in batches. */
    public Tensor predict(Tensor x, int batchSize) {
        return model.predict(x, batchSize);
    }

    private List<Metric> freshMetrics() {
        List<Metric> out = new ArrayList<>();
        for (Metric m : metrics) {
            Metric c = m.copy();
            c.reset();
            out.add(c);
        }
        return out;
    }

    /** Rows {@code idx} of {@code t}, copied. */
    static Tensor gather(Tensor t, int[] idx) {
        int per = t.shape().sampleSize();
        float[] out = new float[idx.length * per];
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(t.data(), idx[i] * per, out, i * per, per);
        }
        return new Tensor(t.shape().withBatch(idx.length), out);
    }
}
