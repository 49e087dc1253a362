package org.resnet4j.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * A dataset from a folder with one sub-folder per class, like Keras's
 * {@code image_dataset_from_directory}: classes are the sub-folder names in sorted order, each
 * image is resized to the model's input size (bilinear by default) and scaled to [0, 1].
 *
 * <p>Hidden files are skipped. Any other file that is not a readable JPEG, PNG, BMP or GIF, and
 * any class folder without images, is an error that names it: a stray file in a class folder is
 * more often a mistake than intent.
 */
public final class ImageFolderDataset {

    private ImageFolderDataset() {
    }

    /** Loads every image under {@code root}, resized to {@code height x width}. */
    public static Dataset load(Path root, int height, int width) {
        return load(root, height, width, Images.Interpolation.BILINEAR);
    }

    /** Loads every image under {@code root}, resized with {@code interpolation}. */
    public static Dataset load(Path root, int height, int width, Images.Interpolation interpolation) {
        if (!Files.isDirectory(root)) {
            throw new DataException(root + ": no such folder (expected one sub-folder of images per class)");
        }
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(root + ": cannot list the folder: " + e.getMessage(), e);
        }
        if (classDirs.size() < 2) {
            throw new DataException(root + ": found " + classDirs.size()
                    + " class folder(s); expected one sub-folder of images per class, at least two");
        }
        List<String> classNames = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path dir : classDirs) {
            List<Path> images;
            try (Stream<Path> s = Files.list(dir)) {
                images = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException(dir + ": cannot list the folder: " + e.getMessage(), e);
            }
            for (Path p : images) {
                if (Files.isDirectory(p) || !Images.isImageName(p.getFileName().toString())) {
                    throw new DataException(p + ": not an image (expected .jpg, .jpeg, .png, .bmp or .gif files "
                            + "in class folder '" + dir.getFileName() + "')");
                }
            }
            if (images.isEmpty()) {
                throw new DataException(dir + ": class folder '" + dir.getFileName() + "' has no images");
            }
            int label = classNames.size();
            classNames.add(dir.getFileName().toString());
            for (Path p : images) {
                files.add(p);
                labels.add(label);
            }
        }
        int per = height * width * 3;
        long total = (long) files.size() * per;
        if (total > Integer.MAX_VALUE - 8) {
            throw new DataException(root + ": " + files.size() + " images of " + height + "x" + width
                    + " do not fit in one tensor (2^31 values); use fewer images or a smaller --image-size");
        }
        float[] data = new float[(int) total];
        // Decoding dominates; images are independent, so decode them in parallel.
        java.util.stream.IntStream.range(0, files.size()).parallel().forEach(i -> {
            Tensor img = Images.load(files.get(i), height, width, interpolation);
            float[] src = img.data();
            for (int k = 0; k < per; k++) {
                data[i * per + k] = src[k] / 255f;
            }
        });
        int[] ls = labels.stream().mapToInt(Integer::intValue).toArray();
        return new Dataset(new Tensor(Shape.of(files.size(), height, width, 3), data), ls, classNames);
    }
}
