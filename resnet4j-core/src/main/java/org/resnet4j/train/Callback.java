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

    /** After each epoch, validation included. */
    default void onEpochEnd(int epoch, Map<String, Double> logs, Trainer trainer) {
    }

    default void onTrainEnd(Map<String, Double> logs, Trainer trainer) {
    }
}
