package org.resnet4j.train;

import java.util.Map;

/**
 * What {@link Trainer#evaluate} returns: the mean loss, each metric, and the confusion matrix
 * ({@code confusion[true][predicted]}, counts).
 */
public record Evaluation(double loss, Map<String, Double> metrics, int[][] confusion) {

    /** The fraction of samples whose predicted class is the true one. */
    public double accuracy() {
        long right = 0, all = 0;
        for (int t = 0; t < confusion.length; t++) {
            for (int p = 0; p < confusion[t].length; p++) {
                all += confusion[t][p];
                right += t == p ? confusion[t][p] : 0;
            }
        }
        return all == 0 ? 0 : (double) right / all;
    }

    /** Per true class, the fraction predicted right ({@code NaN} for a class with no samples). */
    public double[] perClassAccuracy() {
        double[] out = new double[confusion.length];
        for (int t = 0; t < confusion.length; t++) {
            long n = 0;
            for (int v : confusion[t]) {
                n += v;
            }
            out[t] = n == 0 ? Double.NaN : (double) confusion[t][t] / n;
        }
        return out;
    }
}
