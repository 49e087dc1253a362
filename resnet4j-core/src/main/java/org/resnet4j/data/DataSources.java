package org.resnet4j.data;

import java.nio.file.Files;
import java.nio.file.Path;

/** Opens training or evaluation data by what the path is: a SIGNS-layout HDF5 file or a class folder. */
public final class DataSources {

    private DataSources() {
    }

    /** Loads {@code path}, resizing folder images to {@code size x size}. */
    public static Dataset load(Path path, int size) {
        if (Files.isDirectory(path)) {
            return ImageFolderDataset.load(path, size, size);
        }
        if (!Files.exists(path)) {
            throw new DataException(path + ": no such file or folder");
        }
        String name = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".h5") || name.endsWith(".hdf5")) {
            Dataset d = SignsDataset.load(path);
            if (d.imageShape().dim(0) != size || d.imageShape().dim(1) != size) {
                throw new DataException(path + ": images are " + d.imageShape().dim(0) + "x" + d.imageShape().dim(1)
                        + " but the model takes " + size + "x" + size + " (use --image-size "
                        + d.imageShape().dim(0) + ")");
            }
            return d;
        }
        throw new DataException(path + ": expected a SIGNS-layout .h5 file or a folder with one sub-folder per class");
    }

    /**
     * For a SIGNS training file ({@code train_*.h5}), its test split beside it
     * ({@code test_*.h5}), if there is one.
     */
    public static Path companionTestFile(Path trainFile) {
        String name = trainFile.getFileName().toString();
        if (Files.isRegularFile(trainFile) && name.startsWith("train")) {
            Path test = trainFile.resolveSibling("test" + name.substring("train".length()));
            if (Files.isRegularFile(test)) {
                return test;
            }
        }
        return null;
    }
}
