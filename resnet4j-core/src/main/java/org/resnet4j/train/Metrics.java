package org.resnet4j.train;

import org.resnet4j.tensor.Tensor;

/** Keras's accuracy metrics. */
public final class Metrics {

    private Metrics() {
    }

    /**
     * Keras's {@code 'accuracy'}: the fraction of samples whose highest-scoring class is the true
     * one. Labels may be one-hot (categorical) or class indices (sparse); it tells them apart by
     * shape, as Keras does.
     */
    public static Metric accuracy() {
        return new TopK(1, "accuracy");
    }

    /** Keras's {@code TopKCategoricalAccuracy}: the true class is among the {@code k} highest scores. */
    public static Metric topK(int k) {
        return new TopK(k, "top_" + k + "_accuracy");
    }

    /** The metric called {@code name} in Keras ({@code accuracy}, {@code acc}, {@code top_k_categorical_accuracy}). */
    public static Metric byName(String name) {
        return switch (name) {
            case "accuracy", "acc", "categorical_accuracy", "sparse_categorical_accuracy" -> accuracy();
            case "top_k_categorical_accuracy" -> topK(5);
            default -> throw new IllegalArgumentException("Unknown metric '" + name
                    + "'. Expected one of: accuracy, top_k_categorical_accuracy");
        };
    }

    /** The true class of each sample, from one-hot rows or from indices. */
    public static int[] trueClasses(Tensor yTrue, int n, int classes) {
        int[] out = new int[n];
        if (yTrue.size() == n * classes && !(classes == 1)) {
            for (int r = 0; r < n; r++) {
                out[r] = argmax(yTrue.data(), r * classes, classes);
            }
        } else if (yTrue.size() == n) {
            for (int r = 0; r < n; r++) {
                out[r] = (int) yTrue.data()[r];
            }
        } else {
            throw new IllegalArgumentException("labels of shape " + yTrue.shape() + " do not fit " + n
                    + " predictions of " + classes + " classes");
        }
        return out;
    }

    /**
     * The predicted class of one row of {@code classes} scores: the argmax, or for a single
     * sigmoid output, 1 when the probability is at least 0.5 (Keras's {@code binary_accuracy}).
     */
    public static int predictedClass(float[] p, int off, int classes) {
        return classes == 1 ? (p[off] >= 0.5f ? 1 : 0) : argmax(p, off, classes);
    }

    /** The index of the largest of {@code n} values from {@code off} (the first on ties). */
    public static int argmax(float[] v, int off, int n) {
        int best = 0;
        for (int j = 1; j < n; j++) {
            if (v[off + j] > v[off + best]) {
                best = j;
            }
        }
        return best;
    }

    private static final class TopK implements Metric {
        private final int k;
        private final String name;
        private long correct;
        private long total;

        TopK(int k, String name) {
            if (k < 1) {
                throw new IllegalArgumentException("top-k accuracy needs k >= 1; received " + k);
            }
            this.k = k;
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void update(Tensor yPred, Tensor yTrue) {
            int n = yPred.shape().dim(0);
            int classes = yPred.size() / n;
            int[] truth = trueClasses(yTrue, n, classes);
            float[] p = yPred.data();
            for (int r = 0; r < n; r++) {
                if (k == 1 || classes == 1) {
                    // Keras's accuracy: argmax equality (the first maximum winning ties), or a 0.5
                    // threshold for a single sigmoid output.
                    correct += predictedClass(p, r * classes, classes) == truth[r] ? 1 : 0;
                    continue;
                }
                float target = p[r * classes + truth[r]];
                int higher = 0;
                for (int j = 0; j < classes; j++) {
                    if (p[r * classes + j] > target) {
                        higher++;
                    }
                }
                if (higher < k) {
                    correct++;
                }
            }
            total += n;
        }

        @Override
        public double result() {
            return total == 0 ? 0 : (double) correct / total;
        }

        @Override
        public void reset() {
            correct = 0;
            total = 0;
        }

        @Override
        public Metric copy() {
            return new TopK(k, name);
        }
    }
}
