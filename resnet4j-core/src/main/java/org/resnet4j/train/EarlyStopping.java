package org.resnet4j.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.resnet4j.layers.Parameter;

/**
 * Stops training when the monitored quantity has not improved for {@code patience} epochs,
 * Keras's {@code EarlyStopping} (defaults: {@code val_loss}, min_delta 0, patience 0, auto
 * mode). With {@code restoreBestWeights}, the model ends with the weights of its best epoch
 * (moving statistics included), also when training runs to its last epoch.
 */
public final class EarlyStopping implements Callback {

    private final Monitor monitor;
    private final int patience;
    private final boolean restoreBestWeights;
    private double best;
    private int wait;
    private int bestEpoch;
    private int stoppedEpoch;
    private List<float[]> bestWeights;

    public EarlyStopping() {
        this("val_loss", Monitor.Mode.AUTO, 0, 0, false);
    }

    public EarlyStopping(String monitor, Monitor.Mode mode, double minDelta, int patience, boolean restoreBestWeights) {
        if (patience < 0) {
            throw new IllegalArgumentException("EarlyStopping: patience must be >= 0; received " + patience);
        }
        this.monitor = Monitor.of(monitor, mode, minDelta);
        this.patience = patience;
        this.restoreBestWeights = restoreBestWeights;
    }

    @Override
    public void onTrainBegin(Trainer trainer) {
        best = monitor.worst();
        wait = 0;
        bestEpoch = -1;
        stoppedEpoch = -1;
        bestWeights = null;
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs, Trainer trainer) {
        Double value = monitor.read(logs);
        if (value == null) {
            throw new IllegalArgumentException("EarlyStopping monitors '" + monitor.name()
                    + "', which is not logged; available: " + logs.keySet());
        }
        if (restoreBestWeights && bestWeights == null) {
            bestWeights = snapshot(trainer);
        }
        wait++;
        if (monitor.improves(value, best)) {
            best = value;
            bestEpoch = epoch;
            wait = 0;
            if (restoreBestWeights) {
                bestWeights = snapshot(trainer);
            }
            return;
        }
        // Keras's rule: stop once `patience` epochs in a row have not improved.
        if (wait >= patience && epoch > 0) {
            stoppedEpoch = epoch;
            trainer.stopTraining();
        }
    }

    @Override
    public void onTrainEnd(Map<String, Double> logs, Trainer trainer) {
        if (restoreBestWeights && bestWeights != null) {
            List<Parameter> ps = trainer.model().weights();
            for (int i = 0; i < ps.size(); i++) {
                System.arraycopy(bestWeights.get(i), 0, ps.get(i).value().data(), 0, bestWeights.get(i).length);
            }
        }
    }

    /** The epoch training stopped at, or -1 when it ran to the end. */
    public int stoppedEpoch() {
        return stoppedEpoch;
    }

    /** The epoch of the best monitored value. */
    public int bestEpoch() {
        return bestEpoch;
    }

    private static List<float[]> snapshot(Trainer trainer) {
        List<float[]> out = new ArrayList<>();
        for (Parameter p : trainer.model().weights()) {
            out.add(p.value().data().clone());
        }
        return out;
    }
}
