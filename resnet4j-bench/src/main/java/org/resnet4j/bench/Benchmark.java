package org.resnet4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.resnet4j.graph.Model;
import org.resnet4j.kernels.KernelRegistry;
import org.resnet4j.layers.Conv2D;
import org.resnet4j.layers.Dense;
import org.resnet4j.layers.Node;
import org.resnet4j.layers.initializers.RandomSeeds;
import org.resnet4j.models.ResNet50;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;
import org.resnet4j.train.Adam;
import org.resnet4j.train.Losses;
import org.resnet4j.train.Trainer;

/**
 * Measures the notebook's ResNet-50 (64x64x3, 6 classes): a training step at batch 32
 * (forward, backward, Adam), inference at batch 32 and at batch 1. Each figure is the median
 * of several timed runs after warm-up runs, with the fastest and slowest beside it; the
 * achieved GFLOP/s count the multiply-adds of every convolution and dense layer (a training
 * step as three forward passes: forward, input gradients, weight gradients) as a direct
 * convolution does them; the kernels do fewer (Winograd's 3x3 convolutions, skipped padding
 * taps), so the figure is an effective rate, comparable across implementations.
 */
public final class Benchmark {

    /** One measured figure: median, fastest and slowest of the timed runs, in milliseconds. */
    public record Timing(double medianMs, double minMs, double maxMs, int runs) {
        /** The figure of these timed runs. */
        public static Timing of(double[] ms) {
            double[] s = ms.clone();
            Arrays.sort(s);
            double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
            return new Timing(median, s[0], s[s.length - 1], s.length);
        }
    }

    private final int warmup;
    private final int runs;

    public Benchmark(int warmup, int runs) {
        if (warmup < 0 || runs < 1) {
            throw new IllegalArgumentException("benchmark needs warmup >= 0 and runs >= 1");
        }
        this.warmup = warmup;
        this.runs = runs;
    }

    /** Runs the three measurements and returns them with the derived rates, keyed for JSON. */
    public Map<String, Object> run() {
        RandomSeeds.setSeed(1);
        Model model = ResNet50.build(new int[] {64, 64, 3}, 6);
        Trainer trainer = new Trainer(model, new Adam(1.5e-4), Losses.CATEGORICAL_CROSSENTROPY);
        Tensor x32 = images(32, 1);
        Tensor y32 = labels(32);
        Tensor x1 = images(1, 2);
        double forwardFlops = forwardFlopsPerImage(model);

        Timing train = time(() -> trainer.trainStep(x32, y32, List.of()));
        Timing infer32 = time(() -> model.predict(x32));
        Timing infer1 = time(() -> model.predict(x1));

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", "resnet50 (notebook) 64x64x3, 6 classes");
        out.put("threads", KernelRegistry.threads());
        out.put("kernels", KernelRegistry.current().name());
        out.put("train_images_per_second", 32 / (train.medianMs() / 1000));
        out.put("train_step_ms", timing(train));
        out.put("train_gflops", 3 * forwardFlops * 32 / 1e9 / (train.medianMs() / 1000));
        out.put("infer_b32_images_per_second", 32 / (infer32.medianMs() / 1000));
        out.put("infer_b32_ms", timing(infer32));
        out.put("infer_b32_gflops", forwardFlops * 32 / 1e9 / (infer32.medianMs() / 1000));
        out.put("infer_b1_ms", infer1.medianMs());
        out.put("infer_b1_timing_ms", timing(infer1));
        out.put("forward_gflop_per_image", forwardFlops / 1e9);
        out.put("peak_rss_mb", peakRssMb());
        return out;
    }

    /** Warm-up lasts at least this long, so that the compiler has done its work on every path. */
    public static final long MIN_WARMUP_NANOS = 2_000_000_000L;

    /**
     * Runs {@code r} {@code times} times, and on until {@link #MIN_WARMUP_NANOS} have passed: a
     * few runs of a fast figure (batch 1) would leave code it alone uses half compiled.
     */
    public static void warmUp(Runnable r, int times) {
        long start = System.nanoTime();
        for (int i = 0; i < times || (times > 0 && System.nanoTime() - start < MIN_WARMUP_NANOS); i++) {
            r.run();
        }
    }

    private Timing time(Runnable r) {
        warmUp(r, warmup);
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            r.run();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        return Timing.of(ms);
    }

    private static Map<String, Object> timing(Timing t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median", t.medianMs());
        m.put("min", t.minMs());
        m.put("max", t.maxMs());
        m.put("runs", t.runs());
        return m;
    }

    /** Floating-point operations (a multiply-add counts two) of one image through every Conv2D and Dense. */
    public static double forwardFlopsPerImage(Model model) {
        double flops = 0;
        for (Node n : model.nodes()) {
            Shape out = n.output().shape();
            if (n.layer() instanceof Conv2D c) {
                Shape k = c.kernel().value().shape();
                flops += 2.0 * out.dim(1) * out.dim(2) * out.dim(3) * k.dim(0) * k.dim(1) * k.dim(2);
            } else if (n.layer() instanceof Dense d) {
                flops += 2.0 * d.kernel().value().shape().dim(0) * d.units();
            }
        }
        return flops;
    }

    /** The process's peak resident memory in MiB (Linux's VmHWM), or -1 where it is not known. */
    public static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.trim().split("\\s+");
                    return Long.parseLong(parts[1]) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static Tensor images(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return Tensor.fromFunction(Shape.of(n, 64, 64, 3), i -> r.nextDouble());
    }

    /** One-hot labels for {@code n} images, cycling through the 6 classes. */
    public static Tensor labels(int n) {
        Tensor y = Tensor.zeros(n, 6);
        for (int i = 0; i < n; i++) {
            y.data()[i * 6 + i % 6] = 1f;
        }
        return y;
    }

    /** The measured figures as a list of readable lines. */
    public static List<String> describe(Map<String, Object> r) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(java.util.Locale.ROOT, "%s, %d threads, kernels %s", r.get("model"), r.get("threads"),
                r.get("kernels")));
        lines.add(line("training step, batch 32", r.get("train_step_ms"), (double) r.get("train_images_per_second"),
                (double) r.get("train_gflops")));
        lines.add(line("inference, batch 32", r.get("infer_b32_ms"), (double) r.get("infer_b32_images_per_second"),
                (double) r.get("infer_b32_gflops")));
        lines.add(line("inference, batch 1", r.get("infer_b1_timing_ms"), 1000 / (double) r.get("infer_b1_ms"), Double.NaN));
        lines.add(String.format(java.util.Locale.ROOT, "peak RSS: %.0f MiB", (double) r.get("peak_rss_mb")));
        return lines;
    }

    private static String line(String what, Object timing, double imagesPerSecond, double gflops) {
        Map<?, ?> t = (Map<?, ?>) timing;
        return String.format(java.util.Locale.ROOT, "%-24s median %8.1f ms (min %.1f, max %.1f, %d runs)  %7.1f images/s%s",
                what, (double) t.get("median"), (double) t.get("min"), (double) t.get("max"), (int) t.get("runs"),
                imagesPerSecond, Double.isNaN(gflops) ? "" : String.format(java.util.Locale.ROOT, "  %6.1f GFLOP/s", gflops));
    }
}
