package org.resnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.resnet4j.data.DataSources;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.io.Json;
import org.resnet4j.io.SavedModel;
import org.resnet4j.tensor.Shape;
import org.resnet4j.train.Adam;
import org.resnet4j.train.Evaluation;
import org.resnet4j.train.Losses;
import org.resnet4j.train.Metrics;
import org.resnet4j.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code resnet4j evaluate}: loss, accuracy, per-class accuracy and the confusion matrix of a saved model. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a saved model on labelled images: loss, accuracy, per-class accuracy, confusion matrix.")
final class EvaluateCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "A SIGNS-layout .h5 file or a folder with one sub-folder of images per class.")
    Path data;

    @Option(names = "--classes", paramLabel = "K", description = "Use the first K classes of the data only.")
    Integer keepClasses;

    @Option(names = "--batch-size", defaultValue = "32", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (batchSize < 1) {
            throw new UserException("--batch-size must be at least 1; received " + batchSize);
        }
        SavedModel saved = modelOptions.load();
        Shape in = saved.model().inputShape();
        if (in.dim(1) != in.dim(2)) {
            throw new UserException("the model takes " + in.dim(1) + "x" + in.dim(2) + " images; only square inputs are supported here");
        }
        Dataset d = DataSources.load(data, in.dim(1));
        if (keepClasses != null) {
            if (keepClasses < 1 || keepClasses > d.numClasses()) {
                throw new UserException("--classes must be between 1 and " + d.numClasses() + "; received " + keepClasses);
            }
            d = d.firstClasses(keepClasses);
        }
        int classes = saved.classNames().size();
        if (d.numClasses() != classes) {
            throw new UserException("the model has " + classes + " classes but " + data + " has " + d.numClasses()
                    + (d.numClasses() > classes ? " (use --classes " + classes + ")" : ""));
        }
        Preprocessing prep = modelOptions.preprocessing(saved);
        Dataset p = new Dataset(prep.apply(d.x()), d.labels(), d.classNames());
        Trainer t = new Trainer(saved.model(), new Adam(), Losses.CATEGORICAL_CROSSENTROPY, Metrics.accuracy());
        Evaluation ev = t.evaluate(p, batchSize);
        double[] perClass = ev.perClassAccuracy();
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("loss", ev.loss());
            o.put("accuracy", ev.accuracy());
            Map<String, Object> pc = new LinkedHashMap<>();
            for (int c = 0; c < perClass.length; c++) {
                pc.put(saved.classNames().get(c), Double.isNaN(perClass[c]) ? null : perClass[c]);
            }
            o.put("per_class", pc);
            List<List<Integer>> conf = new ArrayList<>();
            for (int[] row : ev.confusion()) {
                conf.add(java.util.Arrays.stream(row).boxed().toList());
            }
            o.put("confusion", conf);
            o.put("images", d.size());
            w.println(Json.write(o));
        } else {
            w.printf(Locale.ROOT, "%d images, %d classes, preprocessing %s%n", d.size(), classes, prep.id());
            w.printf(Locale.ROOT, "loss: %.4f - accuracy: %.4f%n", ev.loss(), ev.accuracy());
            w.println("Per class:");
            for (int c = 0; c < perClass.length; c++) {
                w.printf(Locale.ROOT, "  %-10s %s%n", saved.classNames().get(c),
                        Double.isNaN(perClass[c]) ? "no images" : String.format(Locale.ROOT, "%.4f", perClass[c]));
            }
            w.println("Confusion matrix (rows: true class, columns: predicted):");
            StringBuilder head = new StringBuilder("          ");
            for (String n : saved.classNames()) {
                head.append(String.format(Locale.ROOT, "%6s", n));
            }
            w.println(head);
            for (int r = 0; r < ev.confusion().length; r++) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-8s", saved.classNames().get(r)));
                for (int v : ev.confusion()[r]) {
                    line.append(String.format(Locale.ROOT, "%6d", v));
                }
                w.println(line);
            }
        }
        w.flush();
        return 0;
    }
}
