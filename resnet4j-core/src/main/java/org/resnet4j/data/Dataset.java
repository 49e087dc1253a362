package org.resnet4j.data;

import java.util.List;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * Images and their integer class labels: {@code x} is {@code (N, H, W, C)} float32, usually
 * scaled to [0, 1]; {@code labels[i]} is in {@code [0, classNames.size())}.
 */
public record Dataset(Tensor x, int[] labels, List<String> classNames) {

    public Dataset {
        if (x.shape().dim(0) != labels.length) {
            throw new IllegalArgumentException("Dataset: " + x.shape().dim(0) + " images but " + labels.length
                    + " labels; the counts must match");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException("Dataset: label " + labels[i] + " of sample " + i
                        + " is outside the " + classNames.size() + " classes");
            }
        }
        classNames = List.copyOf(classNames);
    }

    public int size() {
        return labels.length;
    }

    public int numClasses() {
        return classNames.size();
    }

    /** The shape of one image, {@code (H, W, C)}. */
    public Shape imageShape() {
        return x.shape().dropBatch();
    }

    /** The labels one-hot, {@code (N, classes)}: the notebook's {@code convert_to_one_hot(Y, 6).T}. */
    public Tensor oneHot() {
        return oneHot(labels, numClasses());
    }

    /** One-hot rows for {@code labels}. */
    public static Tensor oneHot(int[] labels, int classes) {
        Tensor t = Tensor.zeros(labels.length, classes);
        for (int i = 0; i < labels.length; i++) {
            t.data()[i * classes + labels[i]] = 1f;
        }
        return t;
    }

    /** The samples at {@code indices}, in that order. */
    public Dataset subset(int[] indices) {
        int per = x.shape().sampleSize();
        float[] data = new float[indices.length * per];
        int[] ls = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(x.data(), indices[i] * per, data, i * per, per);
            ls[i] = labels[indices[i]];
        }
        return new Dataset(new Tensor(x.shape().withBatch(indices.length), data), ls, classNames);
    }

    /** Samples {@code [from, to)}. */
    public Dataset slice(int from, int to) {
        int[] idx = new int[to - from];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = from + i;
        }
        return subset(idx);
    }

    /** Only the samples whose class is in {@code [0, keep)}, for training on a subset of classes. */
    public Dataset firstClasses(int keep) {
        int count = 0;
        for (int l : labels) {
            count += l < keep ? 1 : 0;
        }
        int[] idx = new int[count];
        int j = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < keep) {
                idx[j++] = i;
            }
        }
        Dataset s = subset(idx);
        return new Dataset(s.x(), s.labels(), classNames.subList(0, keep));
    }

    /** Samples per class. */
    public int[] classCounts() {
        int[] c = new int[numClasses()];
        for (int l : labels) {
            c[l]++;
        }
        return c;
    }

    /**
     * A deterministic stratified split: within each class, a seeded shuffle, then the first
     * {@code round(count * validationFraction)} samples go to validation. Returns
     * {@code [train, validation]}, each in original order.
     */
    public Dataset[] stratifiedSplit(double validationFraction, long seed) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in (0, 1); received " + validationFraction);
        }
        boolean[] toValidation = new boolean[labels.length];
        for (int c = 0; c < numClasses(); c++) {
            int[] members = new int[classCounts()[c]];
            int j = 0;
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] == c) {
                    members[j++] = i;
                }
            }
            Batches.shuffle(members, seed * 31 + c);
            int nVal = (int) Math.round(members.length * validationFraction);
            for (int k = 0; k < nVal; k++) {
                toValidation[members[k]] = true;
            }
        }
        int nVal = 0;
        for (boolean b : toValidation) {
            nVal += b ? 1 : 0;
        }
        int[] tr = new int[labels.length - nVal];
        int[] va = new int[nVal];
        int a = 0, b = 0;
        for (int i = 0; i < labels.length; i++) {
            if (toValidation[i]) {
                va[b++] = i;
            } else {
                tr[a++] = i;
            }
        }
        return new Dataset[] {subset(tr), subset(va)};
    }
}
