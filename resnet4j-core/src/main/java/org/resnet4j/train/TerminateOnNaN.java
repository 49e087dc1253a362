package org.resnet4j.train;

import java.io.PrintStream;
import java.util.Map;

/**
 * Stops training at the first batch whose loss is NaN or infinite, Keras's
 * {@code TerminateOnNaN}, and says which batch it was.
 */
public final class TerminateOnNaN implements Callback {

    private final PrintStream out;
    private String reason;

    public TerminateOnNaN() {
        this(System.err);
    }

    public TerminateOnNaN(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onTrainBegin(Trainer trainer) {
        reason = null;
    }

    @Override
    public void onBatchEnd(int batch, Map<String, Double> logs, Trainer trainer) {
        Double loss = logs.get("batch_loss");
        if (loss != null && !Double.isFinite(loss)) {
            reason = "Batch " + batch + ": invalid loss " + loss + ", terminating training"
                    + " (a learning rate too high, or inputs with NaN or infinite values, are the usual causes)";
            out.println(reason);
            trainer.stopTraining();
        }
    }

    /** Why training was stopped, or {@code null} when it was not. */
    public String reason() {
        return reason;
    }
}
