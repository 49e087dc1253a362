package org.resnet4j.graph;

import java.text.NumberFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.Layer;
import org.resnet4j.tensor.Shape;

/**
 * A model's layer-by-layer summary: Keras's {@code model.summary()} table, and a
 * machine-readable form equal to the notebook's {@code test_utils.summary} (type, output shape,
 * parameter count, and per type: Conv2D padding, activation and initializer; ZeroPadding2D
 * padding; MaxPooling2D pool, strides and padding; Dropout rate; Dense activation).
 */
public final class ModelSummary {

    /** The column names of {@link #toTsv()}. */
    public static final String TSV_HEADER = "index\ttype\toutput_shape\tparams\textra";

    /** One layer of the summary. */
    public record Row(int index, String name, String type, Shape outputShape, long params,
                      List<String> connectedTo, String extra) {

        /** The comparable part: everything but the layer name and its connections. */
        public String toTsv() {
            return index + "\t" + type + "\t" + outputShape.toCompactString() + "\t" + params + "\t" + extra;
        }
    }

    private final String modelName;
    private final List<Row> rows;
    private final long total;
    private final long trainable;

    private ModelSummary(String modelName, List<Row> rows, long total, long trainable) {
        this.modelName = modelName;
        this.rows = List.copyOf(rows);
        this.total = total;
        this.trainable = trainable;
    }

    static ModelSummary of(Model model) {
        Map<Layer, List<String>> inbound = model.inboundNames();
        List<Row> rows = new ArrayList<>();
        int i = 0;
        for (Layer l : model.layers()) {
            Shape shape = outputShapeOf(model, l);
            rows.add(new Row(i++, l.name(), l.className(), shape, l.countParams(),
                    inbound.getOrDefault(l, List.of()), String.join(" ", l.summaryExtras())));
        }
        return new ModelSummary(model.name(), rows, model.countParams(), model.countTrainableParams());
    }

    private static Shape outputShapeOf(Model model, Layer layer) {
        for (var node : model.nodes()) {
            if (node.layer() == layer) {
                return node.output().shape();
            }
        }
        throw new IllegalStateException("layer " + layer.name() + " has no node");
    }

    public List<Row> rows() {
        return rows;
    }

    public long totalParams() {
        return total;
    }

    public long trainableParams() {
        return trainable;
    }

    public long nonTrainableParams() {
        return total - trainable;
    }

    /** The rows in the layout of the reference summaries, header line first. */
    public String toTsv() {
        StringBuilder sb = new StringBuilder(TSV_HEADER).append('\n');
        for (Row r : rows) {
            sb.append(r.toTsv()).append('\n');
        }
        return sb.toString();
    }

    /**
     * Reads rows in {@link #toTsv()}'s layout; lines starting with {@code #} and the header are
     * skipped.
     */
    public static List<String> readTsvRows(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("#") || line.isBlank() || line.equals(TSV_HEADER)) {
                continue;
            }
            out.add(stripTrailingTabs(line));
        }
        return out;
    }

    /**
     * The first row where this summary and {@code expectedRows} (in {@link #toTsv()}'s layout)
     * differ, described for a person; empty when they are equal.
     */
    public Optional<String> firstDifference(List<String> expectedRows) {
        int n = Math.max(expectedRows.size(), rows.size());
        for (int i = 0; i < n; i++) {
            String want = i < expectedRows.size() ? stripTrailingTabs(expectedRows.get(i)) : "<no row>";
            String got = i < rows.size() ? stripTrailingTabs(rows.get(i).toTsv()) : "<no row>";
            if (!want.equals(got)) {
                String layer = i < rows.size() ? " (layer '" + rows.get(i).name() + "')" : "";
                return Optional.of("Row " + i + layer + " differs. Expected [" + want.replace('\t', '|')
                        + "], received [" + got.replace('\t', '|') + "].");
            }
        }
        return Optional.empty();
    }

    private static String stripTrailingTabs(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\t' || s.charAt(end - 1) == ' ')) {
            end--;
        }
        return s.substring(0, end);
    }

    /** Keras's {@code model.summary()} table. */
    public String toTable() {
        List<String[]> cells = new ArrayList<>();
        for (Row r : rows) {
            String shape = r.outputShape().toString();
            if (r.type().equals(InputLayer.class.getSimpleName())) {
                shape = "[" + shape + "]";
            }
            cells.add(new String[] {r.name() + " (" + r.type() + ")", shape, String.format(Locale.ROOT, "%d", r.params()),
                    r.connectedTo().isEmpty() ? "[]" : "['" + String.join("', '", r.connectedTo()) + "']"});
        }
        String[] head = {"Layer (type)", "Output Shape", "Param #", "Connected to"};
        int[] width = {head[0].length(), head[1].length(), head[2].length(), head[3].length()};
        for (String[] c : cells) {
            for (int k = 0; k < 4; k++) {
                width[k] = Math.max(width[k], c[k].length());
            }
        }
        int lineLength = 1 + width[0] + 2 + width[1] + 2 + width[2] + 2 + width[3];
        StringBuilder sb = new StringBuilder();
        sb.append("Model: \"").append(modelName).append("\"\n");
        sb.append("_".repeat(lineLength)).append('\n');
        appendRow(sb, head, width);
        sb.append("=".repeat(lineLength)).append('\n');
        for (int i = 0; i < cells.size(); i++) {
            appendRow(sb, cells.get(i), width);
        }
        sb.append("=".repeat(lineLength)).append('\n');
        NumberFormat f = NumberFormat.getIntegerInstance(Locale.US);
        sb.append("Total params: ").append(f.format(total)).append('\n');
        sb.append("Trainable params: ").append(f.format(trainable)).append('\n');
        sb.append("Non-trainable params: ").append(f.format(total - trainable)).append('\n');
        sb.append("_".repeat(lineLength)).append('\n');
        return sb.toString();
    }

    private static void appendRow(StringBuilder sb, String[] c, int[] width) {
        String line = " " + pad(c[0], width[0]) + "  " + pad(c[1], width[1]) + "  " + pad(c[2], width[2]) + "  " + c[3];
        sb.append(line.stripTrailing()).append('\n');
    }

    private static String pad(String s, int w) {
        return s.length() >= w ? s : s + " ".repeat(w - s.length());
    }
}
