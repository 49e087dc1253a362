package org.resnet4j.train;

import org.resnet4j.tensor.Tensor;

/** A quantity averaged over the samples of an epoch, like Keras's stateful metrics. */
public interface Metric {

    /** Keras's name, e.g. {@code accuracy}; it keys the history. */
    String name();

    /** Adds a batch. */
    void update(Tensor yPred, Tensor yTrue);

    /** The value over everything added since the last reset. */
    double result();

    /** Forgets everything added. */
    void reset();

    /** A fresh metric of the same kind. */
    Metric copy();
}
