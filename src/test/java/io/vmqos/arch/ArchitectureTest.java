package io.vmqos.arch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dependencies point down only: core ← analysis ← linux/qemu ← host ← lab ← agent/cli. Checked on the sources'
 * imports (and fully qualified references) so that a wrong-way dependency fails the build.
 */
class ArchitectureTest {
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "core", Set.of("core"),
            "analysis", Set.of("core", "analysis"),
            "linux", Set.of("core", "analysis", "linux"),
            "qemu", Set.of("core", "analysis", "linux", "qemu"),
            "host", Set.of("core", "analysis", "linux", "qemu", "host"),
            "lab", Set.of("core", "analysis", "linux", "qemu", "host", "lab"),
            "agent", Set.of("core", "analysis", "linux", "qemu", "host", "lab", "agent"),
            "cli", Set.of("core", "analysis", "linux", "qemu", "host", "lab", "agent", "cli"));
    private static final Pattern REF = Pattern.compile("\\bio\\.vmqos\\.([a-z]+)\\b");

    @Test
    void dependenciesPointDown() throws IOException {
        Path root = Path.of("src/main/java/io/vmqos");
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String layer = root.relativize(f).getName(0).toString();
                Set<String> allowed = ALLOWED.get(layer);
                assertThat(allowed).as("unknown layer %s for %s", layer, f).isNotNull();
                Matcher m = REF.matcher(Files.readString(f));
                while (m.find()) {
                    if (!allowed.contains(m.group(1))) violations.add(f + " uses io.vmqos." + m.group(1));
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void coreAndAnalysisDoNoIo() throws IOException {
        List<String> violations = new ArrayList<>();
        for (String layer : List.of("core", "analysis")) {
            Path dir = Path.of("src/main/java/io/vmqos", layer);
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String s = Files.readString(f);
                    for (String bad : List.of("java.nio.file", "java.io.File", "java.net.", "ProcessBuilder", "java.lang.foreign")) {
                        if (s.contains(bad)) violations.add(f + " uses " + bad);
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }
}
