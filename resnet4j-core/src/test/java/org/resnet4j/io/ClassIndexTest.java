package org.resnet4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.testing.SharedFiles;

/** decode_predictions against the ImageNet class index. */
class ClassIndexTest {

    @Test
    void decodesTheTopClassesOfImageNet() {
        ClassIndex index = ClassIndex.read(SharedFiles.path("reference/imagenet_class_index.json"));
        assertEquals(1000, index.size());
        float[] p = new float[1000];
        p[1] = 0.7f;
        p[2] = 0.2f;
        p[999] = 0.1f;
        List<ClassIndex.Entry> top = index.decode(p, 3);
        assertEquals(new ClassIndex.Entry(1, "n01443537", "goldfish", 0.7f), top.get(0));
        assertEquals("great_white_shark", top.get(1).name());
        assertEquals(999, top.get(2).index());
    }

    @Test
    void aMalformedIndexIsNamed(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, "{\"0\": [\"a\", \"zero\"], \"2\": [\"b\", \"two\"]}");
        var e = assertThrows(ModelFileException.class, () -> ClassIndex.read(f));
        assertTrue(e.getMessage().startsWith(f + ": entry \"1\" must be [id, name]"), e.getMessage());
    }
}
