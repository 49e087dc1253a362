package org.resnet4j.train;

import java.util.Map;

/**
 * Multiplies the learning rate by {@code factor} when the monitored quantity has not improved
 * for {@code patience} epochs, Keras's {@code ReduceLROnPlateau} (defaults: {@code val_loss},
 * factor 0.1, patience 10, min_delta 1e-4, cooldown 0, min_lr 0).
 */
public final class ReduceLROnPlateau implements Callback {

    private final Monitor monitor;
    private final double factor;
    private final int patience;
    private final int cooldown;
    private final double minLr;
    private double best;
    private int wait;
    private int cooldownLeft;

    public ReduceLROnPlateau() {
        this("val_loss", Monitor.Mode.AUTO, 0.1, 10, 1e-4, 0, 0);
    }

    public ReduceLROnPlateau(String monitor, Monitor.Mode mode, double factor, int patience, double minDelta,
                             int cooldown, double minLr) {
        if (!(factor < 1 && factor >= 0)) {
            throw new IllegalArgumentException("ReduceLROnPlateau: factor must be in [0, 1); received " + factor);
        }
        this.monitor = Monitor.of(monitor, mode, minDelta);
        this.factor = factor;
        this.patience = patience;
        this.cooldown = cooldown;
        this.minLr = minLr;
    }

    @Override
    public void onTrainBegin(Trainer trainer) {
        best = monitor.worst();
        wait = 0;
        cooldownLeft = 0;
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs, Trainer trainer) {
        Double value = monitor.read(logs);
        if (value == null) {
            throw new IllegalArgumentException("ReduceLROnPlateau monitors '" + monitor.name()
                    + "', which is not logged; available: " + logs.keySet());
        }
        if (cooldownLeft > 0) {
            cooldownLeft--;
            wait = 0;
        }
        if (monitor.improves(value, best)) {
            best = value;
            wait = 0;
        } else if (cooldownLeft == 0) {
            wait++;
            if (wait >= patience) {
                double old = trainer.optimizer().learningRate();
                if (old > minLr) {
                    trainer.optimizer().setLearningRate(Math.max(old * factor, minLr));
                    cooldownLeft = cooldown;
                    wait = 0;
                }
            }
        }
    }
}
