package org.resnet4j.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes one CSV row per epoch ({@code epoch} and every logged value, columns sorted by name),
 * Keras's {@code CSVLogger}. Each row is written whole and flushed, so the file is complete up
 * to the last finished epoch even if training is interrupted.
 */
public final class CSVLogger implements Callback {

    private final Path file;
    private final boolean append;
    private List<String> columns;

    public CSVLogger(Path file) {
        this(file, false);
    }

    public CSVLogger(Path file, boolean append) {
        this.file = file;
        this.append = append;
    }

    @Override
    public void onTrainBegin(Trainer trainer) {
        columns = null;
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            if (!append) {
                Files.deleteIfExists(file);
            } else if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                if (!lines.isEmpty()) {
                    columns = List.of(lines.get(0).split(",", -1)).subList(1, lines.get(0).split(",", -1).length);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("CSVLogger: cannot prepare " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs, Trainer trainer) {
        StringBuilder sb = new StringBuilder();
        if (columns == null) {
            columns = new ArrayList<>(logs.keySet());
            columns.sort(null);
            sb.append("epoch,").append(String.join(",", columns)).append('\n');
        }
        sb.append(epoch);
        for (String c : columns) {
            Double v = logs.get(c);
            sb.append(',').append(v == null ? "" : Double.toString(v));
        }
        sb.append('\n');
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            w.write(sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("CSVLogger: cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
