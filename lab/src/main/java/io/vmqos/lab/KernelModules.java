package io.vmqos.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The loadable modules of one unpacked kernel tree ({@code lib/modules/RELEASE}). Dependencies come from each
 * module's own {@code .modinfo} "depends=" string, because Debian's package ships no modules.dep (depmod runs
 * at install time). Compressed modules (.ko.xz, .ko.zst) are decompressed with xz/zstd. Immutable after
 * construction; thread-safe.
 */
public final class KernelModules {
    /** Modules a guest needs for a virtio-net-pci NIC; their dependencies are added by {@link #loadOrder}. */
    public static final List<String> VIRTIO_NET_PCI = List.of("virtio_pci", "virtio_net");

    private final Map<String, Path> files = new HashMap<>();
    private final Set<String> builtin = new HashSet<>();

    public KernelModules(Path moduleTree) {
        try (Stream<Path> s = Files.walk(moduleTree.resolve("kernel"))) {
            s.filter(Files::isRegularFile).forEach(p -> {
                String n = nameOf(p.getFileName().toString());
                if (n != null) files.put(n, p);
            });
            Path b = moduleTree.resolve("modules.builtin");
            if (Files.exists(b)) {
                for (String line : Files.readAllLines(b)) {
                    String n = nameOf(Path.of(line.strip()).getFileName().toString());
                    if (n != null) builtin.add(n);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel modules under " + moduleTree, e);
        }
    }

    /** Module name of a file name ("virtio-rng.ko.xz" -> "virtio_rng"), or null when not a module. */
    static String nameOf(String fileName) {
        for (String ext : List.of(".ko", ".ko.xz", ".ko.zst", ".ko.gz")) {
            if (fileName.endsWith(ext)) return fileName.substring(0, fileName.length() - ext.length()).replace('-', '_');
        }
        return null;
    }

    public boolean isBuiltin(String module) { return builtin.contains(module.replace('-', '_')); }

    /**
     * The modules to insmod, dependencies first, for {@code roots}. Built-in modules are left out.
     * @throws LabSetupException when a module is neither a file nor built in
     */
    public List<String> loadOrder(List<String> roots) {
        LinkedHashSet<String> order = new LinkedHashSet<>();
        for (String r : roots) visit(r.replace('-', '_'), order, new HashSet<>());
        return List.copyOf(order);
    }

    private void visit(String m, LinkedHashSet<String> order, Set<String> path) {
        if (order.contains(m) || builtin.contains(m)) return;
        if (!path.add(m)) return; // cycle guard: modules cannot really depend in cycles
        if (!files.containsKey(m)) {
            throw new LabSetupException("kernel module '" + m + "' is neither built in nor present in the kernel package",
                    "use a kernel that has CONFIG_" + m.toUpperCase() + " as =y or =m");
        }
        for (String d : dependencies(m)) visit(d, order, path);
        order.add(m);
    }

    /** The "depends=" list of {@code module} as written in its .modinfo section. */
    public List<String> dependencies(String module) {
        byte[] b = uncompressed(module);
        byte[] key = "\0depends=".getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + key.length <= b.length; i++) {
            for (int k = 0; k < key.length; k++) if (b[i + k] != key[k]) continue outer;
            int start = i + key.length, end = start;
            while (end < b.length && b[end] != 0) end++;
            String list = new String(b, start, end - start, StandardCharsets.US_ASCII);
            List<String> out = new ArrayList<>();
            for (String d : list.split(",")) if (!d.isBlank()) out.add(d.strip().replace('-', '_'));
            return out;
        }
        return List.of();
    }

    /** The module's ELF bytes, decompressed when needed. */
    public byte[] uncompressed(String module) {
        Path p = files.get(module);
        if (p == null) throw new IllegalArgumentException("unknown module " + module);
        String f = p.getFileName().toString();
        try {
            if (f.endsWith(".ko")) return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String tool = f.endsWith(".xz") ? "xz" : f.endsWith(".zst") ? "zstd" : "gzip";
        String deb = f.endsWith(".xz") ? "xz-utils" : f.endsWith(".zst") ? "zstd" : "gzip";
        Packages.requireTool(tool, deb);
        try {
            Process proc = new ProcessBuilder(tool, "-dc", p.toString()).redirectErrorStream(false).start();
            byte[] data = proc.getInputStream().readAllBytes();
            if (!proc.waitFor(Duration.ofMinutes(1).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS) || proc.exitValue() != 0) {
                throw new LabSetupException("cannot decompress " + p + " with " + tool, "check that " + deb + " works");
            }
            return data;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabSetupException("interrupted while decompressing " + p, "retry");
        }
    }
}
