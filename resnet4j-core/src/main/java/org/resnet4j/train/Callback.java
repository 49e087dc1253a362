package org.resnet4j.train;

import java.util.Map;

/**
 * Hooks into {@link Trainer#fit}, like Keras's callbacks. Epochs count from 0; {@code logs}
 * maps names such as {@code loss}, {@code accuracy}, {@code val_loss} to values.
 */
public interface Callback {

    default void onTrainBegin(Trainer trainer) {
    }

    default void onEpochBegin(int epoch, Trainer trainer) {
    }

    /** After each training batch; {@code logs} holds the running means of the epoch so far. */
    default void onBatchEnd(int batch, Map<String, Double> logs, Trainer trainer) {
    }

    /**
     * After an epoch's training batches, before its validation (a hook Keras does not have:
     * {@link PreciseBatchNorm} uses it so that validation sees the statistics it computes).
     */
    default void onTrainBatchesEnd(int epoch, Trainer trainer) {
    }

    /** After each epoch, validation included. */
    default void onEpochEnd(int epoch, Map<String, Double> logs, Trainer trainer) {
    }

    default void onTrainEnd(Map<String, Double> logs, Trainer trainer) {
    }
}
