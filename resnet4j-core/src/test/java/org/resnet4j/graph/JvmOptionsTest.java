package org.resnet4j.graph;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The launchers' JVM options name methods of this project for the JIT compiler
 * (scripts/jvm-options.sh); a renamed class or method would make them silently do nothing.
 */
class JvmOptionsTest {

    private static final Pattern COMPILE_COMMAND = Pattern.compile("-XX:CompileCommand=\\w+,([\\w.$]+)::([\\w*]+)");

    @Test
    void everyMethodACompileCommandNamesExists() throws IOException {
        String root = System.getProperty("resnet4j.root", Paths.get("").toAbsolutePath().getParent().toString());
        Path options = Paths.get(root, "scripts", "jvm-options.sh");
        List<String> named = new ArrayList<>();
        for (String line : Files.readAllLines(options)) {
            if (line.stripLeading().startsWith("#")) {
                continue;
            }
            Matcher m = COMPILE_COMMAND.matcher(line);
            while (m.find()) {
                String className = m.group(1);
                String method = m.group(2);
                Class<?> c = assertDoesNotThrow(() -> Class.forName(className), options + " names " + className);
                if (!method.equals("*")) {
                    assertTrue(Arrays.stream(c.getDeclaredMethods()).anyMatch(x -> x.getName().equals(method)),
                            options + " names " + className + "::" + method + ", which does not exist");
                }
                named.add(className + "::" + method);
            }
        }
        assertFalse(named.isEmpty(), "no CompileCommand found in " + options);
    }
}
