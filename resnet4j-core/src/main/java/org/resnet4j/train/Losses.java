package org.resnet4j.train;

import org.resnet4j.tensor.Tensor;

/**
 * Keras's cross-entropy losses on probabilities. Probabilities are clipped to
 * {@code [1e-7, 1 - 1e-7]} (Keras's {@code epsilon()}) before the logarithm; categorical
 * predictions are first rescaled to sum to one per sample, as Keras does.
 */
public final class Losses {

    /** Keras's fuzz factor. */
    public static final double EPSILON = 1e-7;

    private Losses() {
    }

    /** {@code -sum(y * log(p))} per sample, one-hot {@code y} of the prediction's shape. */
    public static final Loss CATEGORICAL_CROSSENTROPY = new CategoricalCrossentropy();

    /** Like categorical cross-entropy, with integer class labels {@code (N)} or {@code (N, 1)}. */
    public static final Loss SPARSE_CATEGORICAL_CROSSENTROPY = new SparseCategoricalCrossentropy();

    /** {@code -mean(y * log(p) + (1 - y) * log(1 - p))} over the last axis. */
    public static final Loss BINARY_CROSSENTROPY = new BinaryCrossentropy();

    /** The loss called {@code name} in Keras. */
    public static Loss byName(String name) {
        return switch (name) {
            case "categorical_crossentropy" -> CATEGORICAL_CROSSENTROPY;
            case "sparse_categorical_crossentropy" -> SPARSE_CATEGORICAL_CROSSENTROPY;
            case "binary_crossentropy" -> BINARY_CROSSENTROPY;
            default -> throw new IllegalArgumentException("Unknown loss '" + name + "'. Expected one of: "
                    + "categorical_crossentropy, sparse_categorical_crossentropy, binary_crossentropy");
        };
    }

    static int rows(Tensor yPred) {
        return yPred.shape().dim(0);
    }

    static double clip(double p) {
        return Math.min(Math.max(p, EPSILON), 1 - EPSILON);
    }

    static void requireSameShape(String loss, Tensor yPred, Tensor yTrue) {
        if (!yPred.shape().equals(yTrue.shape())) {
            throw new IllegalArgumentException(loss + ": labels and predictions differ in shape. Expected "
                    + yPred.shape() + ", received " + yTrue.shape()
                    + (yTrue.shape().rank() == 1 ? " (integer labels need sparse_categorical_crossentropy)" : ""));
        }
    }

    /** Integer labels from a {@code (N)} or {@code (N, 1)} tensor, checked against the class count. */
    static int[] labels(String loss, Tensor yTrue, int n, int classes) {
        if (yTrue.size() != n || (yTrue.shape().rank() == 2 && yTrue.shape().dim(1) != 1) || yTrue.shape().rank() > 2) {
            throw new IllegalArgumentException(loss + ": integer labels must have shape (" + n + ") or (" + n
                    + ", 1); received " + yTrue.shape());
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            float v = yTrue.data()[i];
            int c = (int) v;
            if (c != v || c < 0 || c >= classes) {
                throw new IllegalArgumentException(loss + ": label " + v + " of sample " + i
                        + " is not a class index in [0, " + classes + ")");
            }
            out[i] = c;
        }
        return out;
    }

    private static final class CategoricalCrossentropy implements Loss {
        @Override
        public String name() {
            return "categorical_crossentropy";
        }

        @Override
        public double value(Tensor yPred, Tensor yTrue) {
            requireSameShape(name(), yPred, yTrue);
            int n = rows(yPred);
            int k = yPred.size() / n;
            double total = 0;
            for (int r = 0; r < n; r++) {
                double sum = 0;
                for (int j = 0; j < k; j++) {
                    sum += yPred.data()[r * k + j];
                }
                for (int j = 0; j < k; j++) {
                    double t = yTrue.data()[r * k + j];
                    if (t != 0) {
                        total -= t * Math.log(clip(yPred.data()[r * k + j] / sum));
                    }
                }
            }
            return total / n;
        }

        @Override
        public Tensor gradient(Tensor yPred, Tensor yTrue) {
            requireSameShape(name(), yPred, yTrue);
            int n = rows(yPred);
            int k = yPred.size() / n;
            Tensor g = Tensor.zeros(yPred.shape());
            for (int r = 0; r < n; r++) {
                double sum = 0;
                for (int j = 0; j < k; j++) {
                    sum += yPred.data()[r * k + j];
                }
                // With q = p / sum(p) and a_j = dL/dq_j = -t_j / q_j (0 where the clip holds q_j),
                // dL/dp_j = (a_j - sum_i a_i q_i) / sum(p).
                double[] a = new double[k];
                double dot = 0;
                for (int j = 0; j < k; j++) {
                    double q = yPred.data()[r * k + j] / sum;
                    double t = yTrue.data()[r * k + j];
                    boolean inside = q > EPSILON && q < 1 - EPSILON;
                    a[j] = (t != 0 && inside) ? -t / q : 0; // dL/dq_j
                    dot += a[j] * q;
                }
                for (int j = 0; j < k; j++) {
                    g.data()[r * k + j] = (float) ((a[j] - dot) / sum / n);
                }
            }
            return g;
        }

        @Override
        public Tensor softmaxLogitsGradient(Tensor p, Tensor yTrue) {
            requireSameShape(name(), p, yTrue);
            int n = rows(p);
            int k = p.size() / n;
            Tensor g = Tensor.zeros(p.shape());
            for (int r = 0; r < n; r++) {
                double tSum = 0;
                for (int j = 0; j < k; j++) {
                    tSum += yTrue.data()[r * k + j];
                }
                for (int j = 0; j < k; j++) {
                    g.data()[r * k + j] = (float) ((p.data()[r * k + j] * tSum - yTrue.data()[r * k + j]) / n);
                }
            }
            return g;
        }
    }

    private static final class SparseCategoricalCrossentropy implements Loss {
        @Override
        public String name() {
            return "sparse_categorical_crossentropy";
        }

        @Override
        public double value(Tensor yPred, Tensor yTrue) {
            return CATEGORICAL_CROSSENTROPY.value(yPred, oneHot(yPred, yTrue));
        }

        @Override
        public Tensor gradient(Tensor yPred, Tensor yTrue) {
            return CATEGORICAL_CROSSENTROPY.gradient(yPred, oneHot(yPred, yTrue));
        }

        @Override
        public Tensor softmaxLogitsGradient(Tensor p, Tensor yTrue) {
            return CATEGORICAL_CROSSENTROPY.softmaxLogitsGradient(p, oneHot(p, yTrue));
        }

        private Tensor oneHot(Tensor yPred, Tensor yTrue) {
            int n = rows(yPred);
            int k = yPred.size() / n;
            int[] y = labels(name(), yTrue, n, k);
            Tensor t = Tensor.zeros(yPred.shape());
            for (int r = 0; r < n; r++) {
                t.data()[r * k + y[r]] = 1f;
            }
            return t;
        }
    }

    private static final class BinaryCrossentropy implements Loss {
        @Override
        public String name() {
            return "binary_crossentropy";
        }

        @Override
        public double value(Tensor yPred, Tensor yTrue) {
            requireSameShape(name(), yPred, yTrue);
            int n = rows(yPred);
            int k = yPred.size() / n;
            double total = 0;
            for (int i = 0; i < yPred.size(); i++) {
                double p = clip(yPred.data()[i]);
                double t = yTrue.data()[i];
                total -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
            }
            return total / k / n;
        }

        @Override
        public Tensor gradient(Tensor yPred, Tensor yTrue) {
            requireSameShape(name(), yPred, yTrue);
            int n = rows(yPred);
            int k = yPred.size() / n;
            Tensor g = Tensor.zeros(yPred.shape());
            for (int i = 0; i < yPred.size(); i++) {
                double raw = yPred.data()[i];
                double p = clip(raw);
                double t = yTrue.data()[i];
                boolean inside = raw > EPSILON && raw < 1 - EPSILON;
                g.data()[i] = inside ? (float) ((-t / p + (1 - t) / (1 - p)) / k / n) : 0f;
            }
            return g;
        }
    }
}
