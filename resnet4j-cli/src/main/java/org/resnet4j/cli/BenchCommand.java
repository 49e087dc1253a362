package org.resnet4j.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import org.resnet4j.bench.Benchmark;
import org.resnet4j.io.Json;
import org.resnet4j.kernels.KernelRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code resnet4j bench}: training and inference speed of the notebook's ResNet-50. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure the notebook's ResNet-50: training step (batch 32) and inference (batch 32 and 1).")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--threads", description = "Kernel threads. Default: all processors.")
    Integer threads;

    @Option(names = "--warmup", defaultValue = "3",
            description = "Untimed runs first, and on for at least 2 s (0: none). Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--runs", defaultValue = "7", description = "Timed runs of each figure. Default: ${DEFAULT-VALUE}.")
    int runs;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--max-rss-mb", paramLabel = "MB",
            description = "Exit with status 3 when the peak resident memory exceeds this.")
    Double maxRssMb;

    @Option(names = "--min-train-images-per-second", paramLabel = "N",
            description = "Exit with status 3 when the training step is slower than this.")
    Double minTrainImagesPerSecond;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (threads != null) {
            KernelRegistry.setThreads(threads);
        }
        if (warmup < 0 || runs < 1) {
            throw new UserException("--warmup must be >= 0 and --runs >= 1");
        }
        Map<String, Object> r = new Benchmark(warmup, runs).run();
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            w.println(Json.write(r));
        } else {
            Benchmark.describe(r).forEach(w::println);
        }
        w.flush();
        StringBuilder missed = new StringBuilder();
        double rss = ((Number) r.get("peak_rss_mb")).doubleValue();
        if (maxRssMb != null && rss > maxRssMb) {
            missed.append(String.format(java.util.Locale.ROOT, " peak RSS %.0f MB > %.0f MB;", rss, maxRssMb));
        }
        double train = ((Number) r.get("train_images_per_second")).doubleValue();
        if (minTrainImagesPerSecond != null && train < minTrainImagesPerSecond) {
            missed.append(String.format(java.util.Locale.ROOT, " training %.1f images/s < %.1f;", train,
                    minTrainImagesPerSecond));
        }
        if (missed.length() > 0) {
            spec.commandLine().getErr().println("resnet4j bench: target missed:" + missed);
            spec.commandLine().getErr().flush();
            return 3;
        }
        return 0;
    }
}
