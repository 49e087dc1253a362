package org.resnet4j.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.resnet4j.data.Augmentation;
import org.resnet4j.data.DataSources;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.data.SyntheticSigns;
import org.resnet4j.graph.Model;
import org.resnet4j.io.Json;
import org.resnet4j.io.ModelCheckpoint;
import org.resnet4j.io.ModelFiles;
import org.resnet4j.io.ModelMetadata;
import org.resnet4j.io.WeightsReport;
import org.resnet4j.kernels.KernelRegistry;
import org.resnet4j.layers.initializers.RandomSeeds;
import org.resnet4j.models.Architectures;
import org.resnet4j.train.Adam;
import org.resnet4j.train.Callback;
import org.resnet4j.train.Evaluation;
import org.resnet4j.train.FitOptions;
import org.resnet4j.train.History;
import org.resnet4j.train.Losses;
import org.resnet4j.train.Metrics;
import org.resnet4j.train.Monitor;
import org.resnet4j.train.Optimizer;
import org.resnet4j.train.PreciseBatchNorm;
import org.resnet4j.train.ProgressLogger;
import org.resnet4j.train.RMSprop;
import org.resnet4j.train.SGD;
import org.resnet4j.train.TargetAccuracy;
import org.resnet4j.train.TerminateOnNaN;
import org.resnet4j.train.Trainer;
import org.resnet4j.tensor.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code resnet4j train}: the notebook's second half. Loads data (the built-in synthetic signs
 * when none is given), builds the network, trains it with Keras's loop, evaluates it on the
 * test or validation set, saves it as a {@code .keras} file and writes a report.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a residual network on images and save it as a Keras .keras file.",
                "Without --data it trains on the built-in synthetic hand signs (1080 training and 120 test "
                        + "images, 6 classes) and reports the test accuracy."})
final class TrainCommand implements Callable<Integer> {

    /** Exit code when --target-accuracy was not reached. */
    static final int TARGET_MISSED = 3;

    /** Optimizers by name. */
    enum OptimizerName { adam, sgd, rmsprop }

    @Option(names = "--data", paramLabel = "PATH",
            description = "A SIGNS-layout .h5 file (train_set_x/train_set_y) or a folder with one sub-folder of images per class.")
    Path data;

    @Option(names = "--arch", defaultValue = "resnet50", description = "Architecture: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.",
            completionCandidates = SummaryCommand.ArchNames.class)
    String arch;

    @Option(names = "--image-size", defaultValue = "64", description = "Input height and width. Default: ${DEFAULT-VALUE}.")
    int imageSize;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "32", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--optimizer", defaultValue = "adam", description = "${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    OptimizerName optimizer;

    @Option(names = "--lr", defaultValue = "1.5e-4", description = "Learning rate. Default: ${DEFAULT-VALUE} (the notebook's).")
    double lr;

    @Option(names = "--validation-split", defaultValue = "0.2",
            description = "Fraction held out (stratified, seeded) when the data has no test split. Default: ${DEFAULT-VALUE}.")
    double validationSplit;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of weights, shuffles, split and augmentation. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--threads", description = "Kernel threads. Default: all processors.")
    Integer threads;

    @Option(names = "--augment", description = "Random flips, rotations, shifts, zooms, brightness and contrast during training.")
    boolean augment;

    @Option(names = "--preprocess", defaultValue = "unit", description = "none, unit (divide by 255), caffe, tf or torch. Default: ${DEFAULT-VALUE}.")
    String preprocess;

    @Option(names = "--classes", paramLabel = "K", description = "Train on the first K classes only (e.g. 6 of the 10 digit folders).")
    Integer keepClasses;

    @Option(names = "--out", defaultValue = "model.keras", description = "Where to save the model. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--report", paramLabel = "DIR", description = "Where to write history.csv, curves.png and confusion.png. Default: a folder beside the model.")
    Path report;

    @Option(names = "--checkpoint", description = "Also save the best model (by validation accuracy) after each epoch that improves it.")
    boolean checkpoint;

    @Option(names = "--target-accuracy", paramLabel = "A",
            description = "Stop once validation accuracy reaches A; exit with code 3 if it never does.")
    Double targetAccuracy;

    @Option(names = "--weights", paramLabel = "FILE",
            description = "Start from the weights of this .keras or .h5 model file, matched by layer name; layers "
                    + "the file lacks (or whose shape differs, like a new classifier) keep their fresh values.")
    Path weights;

    @Option(names = "--freeze-base", description = "Train only the classifier ('predictions'); freeze every other layer "
            + "(its BatchNormalization then runs in inference mode, as in Keras).")
    boolean freezeBase;

    @Option(names = "--precise-bn", defaultValue = "20", paramLabel = "BATCHES",
            description = "After each epoch, set BatchNormalization's moving statistics to the population statistics "
                    + "of this many training batches (0: keep Keras's moving averages only). Default: ${DEFAULT-VALUE}.")
    int preciseBn;

    @Option(names = "--json", description = "Print one JSON object with the results (progress goes to standard error).")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        if (threads != null) {
            KernelRegistry.setThreads(threads);
        }
        if (epochs < 1 || batchSize < 1 || imageSize < 1) {
            throw new UserException("--epochs, --batch-size and --image-size must be positive");
        }
        if (!(lr > 0)) {
            throw new UserException("--lr must be positive; received " + lr);
        }
        if (ModelFiles.extension(out) == null) {
            throw new UserException("--out must name a .keras (or legacy .h5) file; received " + out);
        }
        Preprocessing prep = Preprocessing.of(preprocess);
        PrintStream progress = json ? System.err : System.out;

        // Data: a training set, and a test set (given) or a validation set (split off).
        Dataset train;
        Dataset heldOut;
        String heldOutName;
        String dataName;
        if (data == null) {
            train = SyntheticSigns.trainSet(seed);
            heldOut = SyntheticSigns.testSet(seed);
            heldOutName = "test";
            dataName = "synthetic-signs(seed=" + seed + ")";
        } else {
            Dataset all = DataSources.load(data, imageSize);
            if (keepClasses != null) {
                if (keepClasses < 2 || keepClasses > all.numClasses()) {
                    throw new UserException("--classes must be between 2 and " + all.numClasses() + "; received " + keepClasses);
                }
                all = all.firstClasses(keepClasses);
            }
            Path testFile = DataSources.companionTestFile(data);
            if (testFile != null) {
                train = all;
                heldOut = DataSources.load(testFile, imageSize);
                if (keepClasses != null) {
                    heldOut = heldOut.firstClasses(keepClasses);
                }
                heldOutName = "test";
            } else {
                Dataset[] split = all.stratifiedSplit(validationSplit, seed);
                train = split[0];
                heldOut = split[1];
                heldOutName = "validation";
            }
            dataName = data.toString();
        }
        if (train.imageShape().dim(0) != imageSize || train.imageShape().dim(1) != imageSize) {
            throw new UserException("the data's images are " + train.imageShape() + "; use --image-size "
                    + train.imageShape().dim(0));
        }
        Dataset trainP = new Dataset(prep.apply(train.x()), train.labels(), train.classNames());
        Dataset heldOutP = new Dataset(prep.apply(heldOut.x()), heldOut.labels(), heldOut.classNames());

        RandomSeeds.setSeed(seed);
        Model model = Architectures.build(arch, new int[] {imageSize, imageSize, 3}, train.numClasses());
        if (weights != null) {
            WeightsReport r = ModelFiles.loadWeightsMatching(model, weights);
            progress.println("Weights from " + weights + ": " + r);
        }
        if (freezeBase) {
            for (org.resnet4j.layers.Layer l : model.layers()) {
                l.setTrainable(l.name().equals("predictions"));
            }
        }
        Optimizer opt = switch (optimizer) {
            case adam -> new Adam(lr);
            case sgd -> new SGD(lr, 0.9, false);
            case rmsprop -> new RMSprop(lr);
        };
        Trainer trainer = new Trainer(model, opt, Losses.CATEGORICAL_CROSSENTROPY, Metrics.accuracy());
        progress.printf(Locale.ROOT, "Training %s (%,d parameters) on %s: %d training and %d %s images, %d classes, "
                        + "%d threads, kernels %s%n", arch, model.countParams(), dataName, train.size(), heldOut.size(),
                heldOutName, train.numClasses(), KernelRegistry.threads(), KernelRegistry.current().name());

        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("arch", arch);
        provenance.put("seed", seed);
        provenance.put("data", dataName);
        provenance.put("epochs", epochs);
        provenance.put("batch_size", batchSize);
        provenance.put("optimizer", opt.getConfig());
        provenance.put("augment", augment);
        List<Callback> callbacks = new ArrayList<>();
        callbacks.add(new ProgressLogger(progress, !json && System.console() != null));
        callbacks.add(new TerminateOnNaN(System.err));
        if (preciseBn < 0) {
            throw new UserException("--precise-bn must be 0 or more; received " + preciseBn);
        }
        if (preciseBn > 0) {
            callbacks.add(new PreciseBatchNorm(trainP.x(), batchSize, preciseBn, seed));
        }
        provenance.put("precise_bn_batches", preciseBn);
        TargetAccuracy target = targetAccuracy == null ? null : new TargetAccuracy(targetAccuracy);
        if (target != null) {
            callbacks.add(target);
        }
        Path best = null;
        if (checkpoint) {
            String name = out.getFileName().toString();
            String ext = ModelFiles.extension(out);
            best = out.resolveSibling(name.substring(0, name.length() - ext.length()) + ".best" + ext);
            callbacks.add(new ModelCheckpoint(best.toString(), "val_accuracy", Monitor.Mode.MAX, true,
                    () -> metadata(train, prep, provenance)));
        }
        FitOptions fo = FitOptions.defaults().epochs(epochs).batchSize(batchSize).seed(seed).verbose(false)
                .validationData(heldOutP.x(), trainer.targets(heldOutP)).callbacks(callbacks);
        Tensor fitX = trainP.x();
        if (augment) {
            // Augmentation works on [0, 1] pixels; the preprocessing comes after it, per batch.
            Augmentation aug = Augmentation.defaults();
            fitX = train.x();
            fo.augmentation((batch, s) -> prep.apply(aug.apply(batch, s)));
        }
        History history = trainer.fit(fitX, trainer.targets(trainP), fo);
        Evaluation ev = trainer.evaluate(heldOutP, batchSize);
        double seconds = (System.nanoTime() - start) / 1e9;

        Map<String, Object> finalMetrics = new LinkedHashMap<>();
        for (Map.Entry<String, List<Double>> e : history.history().entrySet()) {
            finalMetrics.put(e.getKey(), e.getValue().get(e.getValue().size() - 1));
        }
        // Keras's prefixes: val_ for a split-off validation set, test_ for a given test set.
        String key = heldOutName.equals("test") ? "test" : "val";
        finalMetrics.put(key + "_loss", ev.loss());
        finalMetrics.put(key + "_accuracy", ev.accuracy());
        provenance.put("epochs_run", history.epochs().size());
        provenance.put("final_metrics", finalMetrics);
        provenance.put("seconds", seconds);
        ModelFiles.save(out, model, opt, Losses.CATEGORICAL_CROSSENTROPY.name(), List.of("accuracy"),
                metadata(train, prep, provenance));
        Path reportDir = report != null ? report : defaultReportDir(out);
        List<Path> written = Reports.write(reportDir, history, ev, train.classNames(),
                arch + " on " + (data == null ? "synthetic signs" : data.getFileName()));

        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", out.toString());
            o.put("epochs", history.epochs().size());
            o.put("history", history.history());
            o.put(key + "_accuracy", ev.accuracy());
            o.put(key + "_loss", ev.loss());
            o.put("seconds", seconds);
            o.put("report", reportDir.toString());
            if (target != null) {
                o.put("target_accuracy", target.target());
                o.put("target_reached", target.reached());
            }
            w.println(Json.write(o));
        } else {
            w.printf(Locale.ROOT, "%s accuracy: %.4f (loss %.4f) on %d images%n",
                    heldOutName.substring(0, 1).toUpperCase(Locale.ROOT) + heldOutName.substring(1), ev.accuracy(),
                    ev.loss(), heldOut.size());
            w.printf(Locale.ROOT, "Trained %d epoch(s) in %.0f s%n", history.epochs().size(), seconds);
            w.println("Model saved to " + out + (best != null ? " (best epoch: " + best + ")" : ""));
            w.println("Report: " + written.stream().map(Path::toString).reduce((a, b) -> a + ", " + b).orElse(""));
            if (target != null) {
                w.printf(Locale.ROOT, "Target %s accuracy %.2f: %s%n", heldOutName, target.target(),
                        target.reached() ? "reached at epoch " + (target.reachedAt() + 1)
                                : String.format(Locale.ROOT, "NOT reached (best %.4f)", target.best()));
            }
        }
        w.flush();
        return target != null && !target.reached() ? TARGET_MISSED : 0;
    }

    private ModelMetadata metadata(Dataset train, Preprocessing prep, Map<String, Object> provenance) {
        ModelMetadata m = new ModelMetadata().classNames(train.classNames()).preprocessing(prep)
                .put("date", java.time.OffsetDateTime.now().toString());
        provenance.forEach(m::put);
        return m;
    }

    static Path defaultReportDir(Path model) {
        String name = model.getFileName().toString();
        String ext = ModelFiles.extension(model);
        return model.resolveSibling((ext == null ? name : name.substring(0, name.length() - ext.length())) + "-report");
    }
}
