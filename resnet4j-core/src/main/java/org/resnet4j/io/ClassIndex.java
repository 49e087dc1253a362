package org.resnet4j.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A class index in the layout of Keras's {@code imagenet_class_index.json}
 * ({@code {"0": ["n01440764", "tench"], ...}}), and Keras's {@code decode_predictions}.
 */
public final class ClassIndex {

    /** One decoded prediction: the class's identifier, its name and its probability. */
    public record Entry(int index, String id, String name, double probability) {
    }

    private final List<String> ids;
    private final List<String> names;

    private ClassIndex(List<String> ids, List<String> names) {
        this.ids = ids;
        this.names = names;
    }

    /** Reads a class-index file; errors name the file and the entry that is wrong. */
    public static ClassIndex read(Path file) {
        String json;
        try {
            if (!Files.isRegularFile(file)) {
                throw new ModelFileException(file + ": no such file");
            }
            json = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
        Map<String, Object> m = Json.readObject(json, file.toString());
        List<String> ids = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < m.size(); i++) {
            if (!(m.get(Integer.toString(i)) instanceof List<?> pair) || pair.size() != 2) {
                throw new ModelFileException(file + ": entry \"" + i + "\" must be [id, name]; the indices must run 0.."
                        + (m.size() - 1));
            }
            ids.add(String.valueOf(pair.get(0)));
            names.add(String.valueOf(pair.get(1)));
        }
        return new ClassIndex(ids, names);
    }

    public int size() {
        return names.size();
    }

    /** The class names in index order. */
    public List<String> names() {
        return names;
    }

    /** Keras's {@code decode_predictions(preds, top)} for one probability vector: the {@code top} most likely. */
    public List<Entry> decode(float[] probabilities, int top) {
        if (probabilities.length != names.size()) {
            throw new IllegalArgumentException("decode_predictions: " + probabilities.length + " probabilities for a class "
                    + "index of " + names.size() + " classes");
        }
        List<Entry> all = new ArrayList<>();
        for (int i = 0; i < probabilities.length; i++) {
            all.add(new Entry(i, ids.get(i), names.get(i), probabilities[i]));
        }
        all.sort(Comparator.comparingDouble(Entry::probability).reversed());
        return all.subList(0, Math.min(top, all.size()));
    }
}
