package org.resnet4j.io;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.resnet4j.train.Callback;
import org.resnet4j.train.Monitor;
import org.resnet4j.train.Trainer;

/**
 * Saves the model after every epoch, or only when the monitored quantity improves, Keras's
 * {@code ModelCheckpoint}. The path may hold Keras's placeholders: {@code {epoch}},
 * {@code {epoch:02d}} (counted from 1), and a logged value such as {@code {val_loss:.2f}}.
 * Each save is atomic, and keeps the optimizer state so training can resume from it.
 */
public final class ModelCheckpoint implements Callback {

    private static final Pattern FIELD = Pattern.compile("\\{([a-z_0-9]+)(?::([^}]*))?}");

    private final String pathTemplate;
    private final Monitor monitor;
    private final boolean saveBestOnly;
    private final Supplier<ModelMetadata> metadata;
    private double best;
    private Path lastSaved;

    /** Keras's defaults: every epoch, monitoring {@code val_loss}. */
    public ModelCheckpoint(String pathTemplate) {
        this(pathTemplate, "val_loss", Monitor.Mode.AUTO, false, ModelMetadata::new);
    }

    public ModelCheckpoint(String pathTemplate, String monitor, Monitor.Mode mode, boolean saveBestOnly,
                           Supplier<ModelMetadata> metadata) {
        if (ModelFiles.extension(Path.of(pathTemplate)) == null) {
            throw new IllegalArgumentException("ModelCheckpoint: the path must end in .keras or .h5; received "
                    + pathTemplate);
        }
        this.pathTemplate = pathTemplate;
        this.monitor = Monitor.of(monitor, mode, 0);
        this.saveBestOnly = saveBestOnly;
        this.metadata = metadata;
    }

    @Override
    public void onTrainBegin(Trainer trainer) {
        best = monitor.worst();
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs, Trainer trainer) {
        if (saveBestOnly) {
            Double v = monitor.read(logs);
            if (v == null) {
                throw new IllegalArgumentException("ModelCheckpoint monitors '" + monitor.name()
                        + "', which is not logged; available: " + logs.keySet());
            }
            if (!monitor.improves(v, best)) {
                return;
            }
            best = v;
        }
        Path target = Path.of(format(pathTemplate, epoch, logs));
        ModelFiles.save(target, trainer.model(), trainer.optimizer(), trainer.loss().name(),
                List.of("accuracy"), metadata.get().put("epoch", epoch + 1));
        lastSaved = target;
    }

    /** The file written last, or null. */
    public Path lastSaved() {
        return lastSaved;
    }

    /** Fills Keras's placeholders; an unknown name is an error that lists the known ones. */
    static String format(String template, int epoch, Map<String, Double> logs) {
        Matcher m = FIELD.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String key = m.group(1);
            String spec = m.group(2);
            String value;
            if (key.equals("epoch")) {
                value = spec == null ? Integer.toString(epoch + 1) : String.format(Locale.ROOT, "%" + spec, epoch + 1);
            } else {
                Double v = logs.get(key);
                if (v == null) {
                    throw new IllegalArgumentException("ModelCheckpoint: '{" + key + "}' in " + template
                            + " is not logged; available: epoch, " + String.join(", ", logs.keySet()));
                }
                value = spec == null ? Double.toString(v) : String.format(Locale.ROOT, "%" + spec, v);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
