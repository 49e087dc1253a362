package org.resnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.resnet4j.data.Images;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.io.Json;
import org.resnet4j.io.SavedModel;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;
import org.resnet4j.train.Metrics;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code resnet4j predict}: the notebook's "test on your own image". Each image is loaded as
 * Keras's {@code load_img(path, target_size)} does (nearest-neighbour resize by default),
 * preprocessed as the model was trained, and its class probabilities printed.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict the class of images (JPEG, PNG, BMP, GIF; any size) with a saved model.")
final class PredictCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files.")
    List<Path> images;

    @Option(names = "--top", paramLabel = "K", description = "Also list the K most likely classes.")
    Integer top;

    @Option(names = "--interpolation", defaultValue = "nearest",
            description = "Resizing: nearest (Keras's load_img default), bilinear or area. Default: ${DEFAULT-VALUE}.")
    String interpolation;

    @Option(names = "--class-index", paramLabel = "FILE",
            description = "Class names from a file in the layout of Keras's imagenet_class_index.json.")
    Path classIndex;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Images.Interpolation mode;
        try {
            mode = Images.Interpolation.valueOf(interpolation.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserException("--interpolation must be nearest, bilinear or area; received " + interpolation);
        }
        if (top != null && top < 1) {
            throw new UserException("--top must be at least 1; received " + top);
        }
        SavedModel saved = modelOptions.load();
        Shape in = saved.model().inputShape();
        if (in.dim(3) != 3) {
            throw new UserException("the model takes " + in.dim(3) + "-channel images; predict reads RGB images");
        }
        Preprocessing prep = modelOptions.preprocessing(saved);
        List<String> names = saved.classNames();
        if (classIndex != null) {
            org.resnet4j.io.ClassIndex index = org.resnet4j.io.ClassIndex.read(classIndex);
            if (index.size() != names.size()) {
                throw new UserException(classIndex + " names " + index.size() + " classes; the model has " + names.size());
            }
            names = index.names();
        }
        PrintWriter w = spec.commandLine().getOut();
        List<Object> results = new ArrayList<>();
        for (Path image : images) {
            Tensor raw = Images.load(image, in.dim(1), in.dim(2), mode);
            float[] unit = raw.data().clone();
            for (int i = 0; i < unit.length; i++) {
                unit[i] /= 255f;
            }
            Tensor x = prep.apply(new Tensor(raw.shape(), unit));
            float[] p = saved.model().predict(x).data();
            int cls = Metrics.argmax(p, 0, p.length);
            Integer[] order = new Integer[p.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Float.compare(p[b], p[a]));
            int k = top == null ? 0 : Math.min(top, p.length);
            if (json) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("image", image.toString());
                List<Double> probs = new ArrayList<>();
                for (float v : p) {
                    probs.add((double) v);
                }
                r.put("probabilities", probs);
                r.put("class", cls);
                r.put("class_name", names.get(cls));
                if (k > 0) {
                    List<Object> topList = new ArrayList<>();
                    for (int i = 0; i < k; i++) {
                        topList.add(Map.of("class", order[i], "class_name", names.get(order[i]), "probability", (double) p[order[i]]));
                    }
                    r.put("top", topList);
                }
                results.add(r);
            } else {
                w.println(image);
                w.println("Input image shape: " + x.shape());
                StringBuilder labels = new StringBuilder();
                StringBuilder values = new StringBuilder();
                for (int i = 0; i < p.length; i++) {
                    labels.append(i > 0 ? ", " : "").append("p(").append(names.get(i)).append(")");
                    values.append(i > 0 ? " " : "").append(String.format(Locale.ROOT, "%.2e", p[i]));
                }
                w.println("Class prediction vector [" + labels + "] = [[" + values + "]]");
                w.println("Class: " + names.get(cls));
                for (int i = 0; i < k; i++) {
                    w.printf(Locale.ROOT, "  %d. %s  %.4f%n", i + 1, names.get(order[i]), p[order[i]]);
                }
            }
        }
        if (json) {
            w.println(Json.write(Map.of("predictions", results)));
        }
        w.flush();
        return 0;
    }
}
