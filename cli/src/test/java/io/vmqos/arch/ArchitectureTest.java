package io.vmqos.arch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layers are Maven modules (core ← analysis ← linux ← qemu ← host ← agent ← cli, and the lab beside the product),
 * so a wrong-way dependency does not compile. What the module graph cannot say is checked here on the sources:
 * each module holds only its own layer's packages, and core and analysis do no I/O.
 */
class ArchitectureTest {
    /** The repository root: tests run in their module's directory. */
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final List<String> MODULES = List.of("core", "analysis", "linux", "qemu", "host", "placement", "agent", "cli", "lab");

    @Test
    void eachModuleHoldsOnlyItsOwnLayer() throws IOException {
        List<String> violations = new ArrayList<>();
        for (String module : MODULES) {
            Path src = REPO.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(src)) continue;
            for (Path f : javaFiles(src)) {
                String pkg = packageOf(f);
                if (!pkg.equals("io.vmqos." + module) && !pkg.startsWith("io.vmqos." + module + ".")) {
                    violations.add(REPO.relativize(f) + " is in package " + pkg + ", not io.vmqos." + module);
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void coreAndAnalysisDoNoIo() throws IOException {
        List<String> violations = new ArrayList<>();
        for (String layer : List.of("core", "analysis")) {
            for (Path f : javaFiles(REPO.resolve(layer).resolve("src/main/java"))) {
                String s = Files.readString(f);
                for (String bad : List.of("java.nio.file", "java.io.File", "java.net.", "ProcessBuilder", "java.lang.foreign", "System.getenv")) {
                    if (s.contains(bad)) violations.add(REPO.relativize(f) + " uses " + bad);
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void theProductDoesNotReferenceTheLab() throws IOException {
        List<String> violations = new ArrayList<>();
        for (String module : MODULES) {
            if (module.equals("lab")) continue;
            for (Path f : javaFiles(REPO.resolve(module).resolve("src/main/java"))) {
                if (Files.readString(f).contains("io.vmqos.lab")) violations.add(REPO.relativize(f) + " references io.vmqos.lab");
            }
        }
        assertThat(violations).isEmpty();
    }

    private static List<Path> javaFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    private static String packageOf(Path f) throws IOException {
        for (String line : Files.readAllLines(f)) {
            if (line.startsWith("package ")) return line.substring(8, line.indexOf(';')).strip();
        }
        return "";
    }
}
