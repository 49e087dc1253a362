package org.resnet4j.train;

import java.util.ArrayList;
import java.util.List;
import org.resnet4j.data.BatchTransform;
import org.resnet4j.tensor.Tensor;

/**
 * The arguments of {@link Trainer#fit}, with Keras's defaults: 1 epoch, batch 32, shuffle
 * each epoch, no validation, a progress display.
 */
public final class FitOptions {

    int epochs = 1;
    int batchSize = 32;
    boolean shuffle = true;
    long seed = 0;
    double validationSplit = 0;
    Tensor validationX;
    Tensor validationY;
    final List<Callback> callbacks = new ArrayList<>();
    boolean verbose = true;
    int initialEpoch = 0;
    BatchTransform augmentation;

    public static FitOptions defaults() {
        return new FitOptions();
    }

    public FitOptions epochs(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("epochs must be >= 1; received " + n);
        }
        this.epochs = n;
        return this;
    }

    public FitOptions batchSize(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("batch size must be >= 1; received " + n);
        }
        this.batchSize = n;
        return this;
    }

    public FitOptions shuffle(boolean s) {
        this.shuffle = s;
        return this;
    }

    /** The seed of the shuffles and augmentation: the same seed gives the same run. */
    public FitOptions seed(long s) {
        this.seed = s;
        return this;
    }

    /** Keras's {@code validation_split}: the last fraction of the samples, before shuffling. */
    public FitOptions validationSplit(double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("validation split must be in [0, 1); received " + fraction);
        }
        this.validationSplit = fraction;
        return this;
    }

    /** Keras's {@code validation_data}. */
    public FitOptions validationData(Tensor x, Tensor y) {
        this.validationX = x;
        this.validationY = y;
        return this;
    }

    public FitOptions callbacks(Callback... cs) {
        this.callbacks.addAll(List.of(cs));
        return this;
    }

    public FitOptions callbacks(List<Callback> cs) {
        this.callbacks.addAll(cs);
        return this;
    }

    /** Whether to print Keras's progress display. */
    public FitOptions verbose(boolean v) {
        this.verbose = v;
        return this;
    }

    /** The epoch to start from when resuming (epochs still counts to the same last epoch). */
    public FitOptions initialEpoch(int e) {
        this.initialEpoch = e;
        return this;
    }

    /** A transform of every training batch, such as random augmentation. */
    public FitOptions augmentation(BatchTransform t) {
        this.augmentation = t;
        return this;
    }
}
