package org.resnet4j.train;

import java.util.function.BiFunction;

/**
 * Sets the learning rate at the start of each epoch to {@code schedule(epoch, currentRate)},
 * Keras's {@code LearningRateScheduler}.
 */
public final class LearningRateScheduler implements Callback {

    private final BiFunction<Integer, Double, Double> schedule;

    public LearningRateScheduler(BiFunction<Integer, Double, Double> schedule) {
        this.schedule = schedule;
    }

    @Override
    public void onEpochBegin(int epoch, Trainer trainer) {
        Double lr = schedule.apply(epoch, trainer.optimizer().learningRate());
        if (lr == null || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("LearningRateScheduler: the schedule returned " + lr + " for epoch " + epoch);
        }
        trainer.optimizer().setLearningRate(lr);
    }
}
