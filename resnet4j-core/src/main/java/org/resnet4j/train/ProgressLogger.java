package org.resnet4j.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * Keras's progress display. On a terminal, one line per epoch redrawn after every batch
 * ({@code 12/34 [=======>......] - ETA: 8s - loss: 0.5123 - accuracy: 0.8120}); otherwise (a
 * file, a pipe, CI) a plain line per epoch, so logs stay readable.
 */
public final class ProgressLogger implements Callback {

    private static final int BAR = 30;

    private final PrintStream out;
    private final boolean interactive;
    private long epochStart;

    /** A display on {@code out}, animated when the program runs on a terminal. */
    public ProgressLogger(PrintStream out) {
        this(out, System.console() != null && out == System.out);
    }

    public ProgressLogger(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    @Override
    public void onEpochBegin(int epoch, Trainer trainer) {
        this.epochStart = System.nanoTime();
        out.println("Epoch " + (epoch + 1) + "/" + trainer.epochs());
    }

    @Override
    public void onBatchEnd(int batch, Map<String, Double> logs, Trainer trainer) {
        if (!interactive) {
            return;
        }
        int steps = trainer.stepsPerEpoch();
        int done = batch + 1;
        double elapsed = (System.nanoTime() - epochStart) / 1e9;
        double eta = elapsed / done * (steps - done);
        int filled = (int) ((long) BAR * done / steps);
        StringBuilder bar = new StringBuilder();
        for (int i = 0; i < BAR; i++) {
            bar.append(i < filled - 1 || (i == filled - 1 && done == steps) ? '=' : i == filled - 1 ? '>' : '.');
        }
        out.print("\r" + done + "/" + steps + " [" + bar + "] - "
                + (done < steps ? "ETA: " + Math.round(eta) + "s" : Math.round(elapsed) + "s")
                + metrics(logs, false));
        out.flush();
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs, Trainer trainer) {
        double elapsed = (System.nanoTime() - epochStart) / 1e9;
        int steps = trainer.stepsPerEpoch();
        String head = steps + "/" + steps + " - " + Math.round(elapsed) + "s "
                + Math.round(elapsed * 1000 / steps) + "ms/step";
        if (interactive) {
            out.print("\r" + " ".repeat(120) + "\r");
        }
        out.println(head + metrics(logs, true));
    }

    private static String metrics(Map<String, Double> logs, boolean all) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Double> e : logs.entrySet()) {
            if (e.getKey().equals("batch_loss") || (!all && e.getKey().startsWith("val_"))) {
                continue;
            }
            sb.append(" - ").append(e.getKey()).append(": ").append(String.format(Locale.ROOT, "%.4f", e.getValue()));
        }
        return sb.toString();
    }
}
