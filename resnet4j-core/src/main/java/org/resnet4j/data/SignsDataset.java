package org.resnet4j.data;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Node;
import io.jhdf.object.datatype.FixedPoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * Reads the SIGNS hand-sign data in the assignment's HDF5 layout: {@code train_set_x} or
 * {@code test_set_x} uint8 {@code (m, 64, 64, 3)}, {@code train_set_y} or {@code test_set_y}
 * integers {@code (m)}, and {@code list_classes} {@code (6)}. Pixels are divided by 255 (the
 * notebook's normalisation); labels stay integers ({@link org.resnet4j.data.Dataset#oneHot()}
 * gives the notebook's one-hot matrix).
 */
public final class SignsDataset {

    private SignsDataset() {
    }

    /**
     * Reads one split from {@code file}: the split named by its {@code *_set_x} key, found
     * automatically ({@code train_set_x} or {@code test_set_x}).
     */
    public static org.resnet4j.data.Dataset load(Path file) {
        try (HdfFile h5 = open(file)) {
            String prefix = null;
            for (String key : h5.getChildren().keySet()) {
                if (key.endsWith("_set_x")) {
                    prefix = key.substring(0, key.length() - "_set_x".length());
                    break;
                }
            }
            if (prefix == null) {
                throw new DataException(file + ": no '*_set_x' dataset; expected train_set_x or test_set_x. "
                        + "The file holds " + h5.getChildren().keySet());
            }
            return read(h5, file, prefix);
        }
    }

    /** Reads the split {@code prefix} ({@code train} or {@code test}) from {@code file}. */
    public static org.resnet4j.data.Dataset load(Path file, String prefix) {
        try (HdfFile h5 = open(file)) {
            return read(h5, file, prefix);
        }
    }

    private static HdfFile open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new DataException(file + ": no such file");
        }
        try {
            return new HdfFile(file);
        } catch (RuntimeException e) {
            throw new DataException(file + ": not a readable HDF5 file (" + e.getMessage() + ")", e);
        }
    }

    private static org.resnet4j.data.Dataset read(HdfFile h5, Path file, String prefix) {
        try {
            Dataset xs = dataset(h5, file, prefix + "_set_x");
            Dataset ys = dataset(h5, file, prefix + "_set_y");
            int[] dims = xs.getDimensions();
            if (dims.length != 4 || dims[3] != 3) {
                throw new DataException(file + ": '" + prefix + "_set_x' must be images (m, height, width, 3); received "
                        + Shape.of(dims));
            }
            int m = dims[0];
            int[] ydims = ys.getDimensions();
            long labelCount = ys.getSize();
            if (labelCount != m || !(ydims.length == 1 || (ydims.length == 2 && (ydims[0] == 1 || ydims[1] == 1)))) {
                throw new DataException(file + ": " + m + " images in '" + prefix + "_set_x' but '" + prefix
                        + "_set_y' has shape " + Shape.of(ydims) + "; expected (" + m + ")");
            }
            if (!(xs.getDataType() instanceof FixedPoint fx) || fx.getSize() != 1 || fx.isSigned()) {
                throw new DataException(file + ": '" + prefix + "_set_x' must be uint8 pixels; received "
                        + xs.getDataType().getClass().getSimpleName() + " of " + xs.getDataType().getSize() + " byte(s)");
            }
            if (!(ys.getDataType() instanceof FixedPoint)) {
                throw new DataException(file + ": '" + prefix + "_set_y' must hold integer labels; received "
                        + ys.getDataType().getClass().getSimpleName());
            }
            int[] pixels = (int[]) xs.getDataFlat();
            float[] x = new float[pixels.length];
            for (int i = 0; i < pixels.length; i++) {
                x[i] = pixels[i] / 255f;
            }
            int[] labels = toInts(ys.getDataFlat(), file, prefix + "_set_y");
            List<String> classes = classNames(h5, labels);
            for (int i = 0; i < m; i++) {
                if (labels[i] < 0 || labels[i] >= classes.size()) {
                    throw new DataException(file + ": label " + labels[i] + " of image " + i + " is outside the "
                            + classes.size() + " classes");
                }
            }
            return new org.resnet4j.data.Dataset(new Tensor(Shape.of(dims), x), labels, classes);
        } catch (DataException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new DataException(file + ": cannot read '" + prefix + "' data (" + e.getMessage() + ")", e);
        }
    }

    private static Dataset dataset(HdfFile h5, Path file, String key) {
        Node node = h5.getChildren().get(key);
        if (node == null) {
            throw new DataException(file + ": missing dataset '" + key + "'; the file holds " + h5.getChildren().keySet());
        }
        if (!(node instanceof Dataset d)) {
            throw new DataException(file + ": '" + key + "' is a " + node.getType() + ", not a dataset");
        }
        return d;
    }

    private static int[] toInts(Object flat, Path file, String key) {
        if (flat instanceof long[] l) {
            int[] out = new int[l.length];
            for (int i = 0; i < l.length; i++) {
                out[i] = Math.toIntExact(l[i]);
            }
            return out;
        }
        if (flat instanceof int[] i) {
            return i;
        }
        if (flat instanceof short[] s) {
            int[] out = new int[s.length];
            for (int i = 0; i < s.length; i++) {
                out[i] = s[i];
            }
            return out;
        }
        if (flat instanceof byte[] b) {
            int[] out = new int[b.length];
            for (int i = 0; i < b.length; i++) {
                out[i] = b[i];
            }
            return out;
        }
        throw new DataException(file + ": '" + key + "' must hold integers; received " + flat.getClass().getSimpleName());
    }

    /** Class names from {@code list_classes} when present, else "0".."k-1" from the labels. */
    private static List<String> classNames(HdfFile h5, int[] labels) {
        List<String> names = new ArrayList<>();
        Node node = h5.getChildren().get("list_classes");
        if (node instanceof Dataset d && d.getDataType() instanceof FixedPoint) {
            for (int c : toInts(d.getDataFlat(), h5.getFileAsPath(), "list_classes")) {
                names.add(Integer.toString(c));
            }
            return names;
        }
        int max = -1;
        for (int l : labels) {
            max = Math.max(max, l);
        }
        for (int c = 0; c <= max; c++) {
            names.add(Integer.toString(c));
        }
        return names;
    }
}
