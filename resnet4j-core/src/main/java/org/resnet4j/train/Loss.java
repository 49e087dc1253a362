package org.resnet4j.train;

import org.resnet4j.tensor.Tensor;

/**
 * A training objective, averaged over the batch as Keras's losses are by default
 * ({@code sum_over_batch_size}).
 */
public interface Loss {

    /** Keras's name, e.g. {@code categorical_crossentropy}. */
    String name();

    /** The mean loss of the batch. */
    double value(Tensor yPred, Tensor yTrue);

    /** {@code d(mean loss) / d(yPred)}. */
    Tensor gradient(Tensor yPred, Tensor yTrue);

    /**
     * When the predictions are a softmax, {@code d(mean loss) / d(logits)} in closed form, or
     * {@code null} when this loss has none. Keras uses the logits behind a final softmax in the
     * same way, which keeps the gradient alive where a probability underflows.
     */
    default Tensor softmaxLogitsGradient(Tensor probabilities, Tensor yTrue) {
        return null;
    }
}
