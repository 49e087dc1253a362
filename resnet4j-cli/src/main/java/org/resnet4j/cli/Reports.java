package org.resnet4j.cli;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.resnet4j.io.AtomicFiles;
import org.resnet4j.train.Evaluation;
import org.resnet4j.train.History;

/**
 * The training report: {@code history.csv} (every logged value per epoch), {@code curves.png}
 * (loss and accuracy, training and validation) and {@code confusion.png}. Each file is
 * written under a temporary name and renamed when complete.
 */
final class Reports {

    private Reports() {
    }

    /** Writes the three files into {@code dir}; returns their paths. */
    static List<Path> write(Path dir, History history, Evaluation evaluation, List<String> classNames, String title) {
        try {
            Files.createDirectories(dir);
            List<Path> out = new ArrayList<>();
            out.add(writeAtomically(dir.resolve("history.csv"), p -> Files.writeString(p, csv(history), StandardCharsets.UTF_8)));
            out.add(writeAtomically(dir.resolve("curves.png"), p -> savePng(curves(history, title), p)));
            if (evaluation != null && evaluation.confusion().length > 0) {
                out.add(writeAtomically(dir.resolve("confusion.png"),
                        p -> savePng(confusion(evaluation, classNames, title), p)));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the report: " + e.getMessage(), e);
        }
    }

    /** {@code epoch} (from 1) and the logged values, one row per epoch. */
    static String csv(History history) {
        Map<String, List<Double>> h = history.history();
        List<String> keys = new ArrayList<>(h.keySet());
        StringBuilder sb = new StringBuilder("epoch");
        for (String k : keys) {
            sb.append(',').append(k);
        }
        sb.append('\n');
        for (int i = 0; i < history.epochs().size(); i++) {
            sb.append(history.epochs().get(i) + 1);
            for (String k : keys) {
                sb.append(',').append(h.get(k).get(i));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static XYChart curves(History history, String title) {
        XYChart chart = new XYChartBuilder().width(900).height(520).title(title).xAxisTitle("epoch")
                .yAxisTitle("loss / accuracy").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        chart.getStyler().setXAxisDecimalPattern("0");
        List<Integer> epochs = history.epochs().stream().map(e -> e + 1).toList();
        for (Map.Entry<String, List<Double>> e : history.history().entrySet()) {
            XYSeries s = chart.addSeries(e.getKey(), epochs, e.getValue());
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        return chart;
    }

    private static HeatMapChart confusion(Evaluation evaluation, List<String> classNames, String title) {
        int k = evaluation.confusion().length;
        HeatMapChart chart = new HeatMapChartBuilder().width(140 + 60 * k).height(120 + 60 * k)
                .title("Confusion (" + title + ")").xAxisTitle("predicted").yAxisTitle("true").build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setRangeColors(new Color[] {new Color(247, 251, 255), new Color(8, 48, 107)});
        List<String> names = classNames.size() == k ? classNames : null;
        List<Object> x = new ArrayList<>();
        List<Object> y = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            x.add(names == null ? Integer.toString(i) : names.get(i));
            y.add(names == null ? Integer.toString(i) : names.get(i));
        }
        List<Number[]> cells = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                // Rows top to bottom in class order: the heat map's y axis grows upwards.
                cells.add(new Number[] {p, k - 1 - t, evaluation.confusion()[t][p]});
            }
        }
        List<Object> yTopDown = new ArrayList<>(y);
        java.util.Collections.reverse(yTopDown);
        chart.addSeries("count", x, yTopDown, cells);
        return chart;
    }

    private static void savePng(Chart<?, ?> chart, Path p) throws IOException {
        BitmapEncoder.saveBitmap(chart, p.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** What writes a file's content at a given path. */
    @FunctionalInterface
    interface Writer {
        void write(Path path) throws IOException;
    }

    static Path writeAtomically(Path target, Writer writer) throws IOException {
        String name = target.getFileName().toString();
        int dot = name.lastIndexOf('.');
        // Keep the extension last: the PNG encoder appends ".png" when it is missing.
        Path tmp = target.resolveSibling("." + name.substring(0, dot) + ".tmp" + name.substring(dot));
        try {
            writer.write(tmp);
            AtomicFiles.moveIntoPlace(tmp, target);
            return target;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
