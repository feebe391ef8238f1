package io.vmqos.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Builds a {@link GuestImage} once per distinct input set into a cache directory and reuses it afterwards.
 *
 * <p>Steps: resolve the kernel package that {@code linux-image-amd64} depends on (apt-cache), fetch it and
 * busybox-static with {@code apt-get download} into a temporary directory, unpack with {@code dpkg-deb -x},
 * compile {@code guest/udp_echo.c} with {@code gcc -O2 -static}, and write a gzip'd newc cpio holding busybox,
 * /init, the echo responder and the virtio-net-pci modules. The host packages are only downloaded, never
 * installed. The finished directory appears atomically (rename), so concurrent builders are safe; the loser's
 * work is discarded. Cache root: {@code $VMQOS_CACHE/guest}, else {@code ~/.cache/vmqos/guest}.
 *
 * <p>Blocking; call from any thread. The first build downloads about 70 MB.
 */
public final class GuestImageBuilder {
    /** Bump when the image layout changes so old cache entries are not reused. */
    static final String FORMAT = "1";
    private static final Duration APT_TIMEOUT = Duration.ofMinutes(10);
    private static final String PROPERTIES = "image.properties";

    private Path cacheRoot = defaultCacheRoot();
    private String kernelMetaPackage = "linux-image-amd64";
    private String busyboxPackage = "busybox-static";
    private List<String> moduleRoots = KernelModules.VIRTIO_NET_PCI;
    private boolean installMissing;

    public GuestImageBuilder cacheRoot(Path p) { this.cacheRoot = p; return this; }
    public GuestImageBuilder kernelMetaPackage(String p) { this.kernelMetaPackage = p; return this; }
    public GuestImageBuilder moduleRoots(List<String> m) { this.moduleRoots = List.copyOf(m); return this; }
    /** When true and running as root, missing host packages ({@link Packages#IMAGE_BUILD}) are apt-installed. */
    public GuestImageBuilder installMissing(boolean b) { this.installMissing = b; return this; }

    /** {@code $VMQOS_CACHE/guest} when VMQOS_CACHE is set, else {@code ~/.cache/vmqos/guest}. */
    public static Path defaultCacheRoot() {
        String env = System.getenv("VMQOS_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env, "guest");
        return Path.of(System.getProperty("user.home"), ".cache", "vmqos", "guest");
    }

    /** Returns the cached image for the current inputs, building it first when absent. */
    public GuestImage build() {
        checkHostTools();
        String kernelPackage = resolveKernelPackage();
        Map<String, String> in = new LinkedHashMap<>();
        in.put("format", FORMAT);
        in.put("kernel.package", kernelPackage);
        in.put("kernel.version", packageVersion(kernelPackage));
        in.put("busybox.package", busyboxPackage);
        in.put("busybox.version", packageVersion(busyboxPackage));
        in.put("udp_echo.c.sha256", GuestImageKey.sha256(resource("udp_echo.c")));
        in.put("init.sha256", GuestImageKey.sha256(resource("init")));
        in.put("modules.roots", String.join(",", moduleRoots));
        in.put("gcc", Commands.check(List.of("gcc", "--version"), Duration.ofSeconds(30)).lines().findFirst().orElse("?"));
        GuestImageKey key = GuestImageKey.of(in);
        Path dir = cacheRoot.resolve(key.hash());
        if (Files.isRegularFile(dir.resolve(PROPERTIES))) return load(dir, key);
        try {
            Files.createDirectories(cacheRoot);
            Path work = Files.createTempDirectory(cacheRoot, ".build-");
            try {
                Path out = Files.createDirectory(work.resolve("image"));
                buildInto(work, out, kernelPackage, key);
                try {
                    Files.move(out, dir, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
                    if (!Files.isRegularFile(dir.resolve(PROPERTIES))) throw e; // someone else finished first: fine
                }
            } finally {
                deleteTree(work);
            }
        } catch (IOException e) {
            throw new LabSetupException("cannot build the guest image in " + cacheRoot + ": " + e,
                    "check free space and permissions there, or set VMQOS_CACHE to another directory", e);
        }
        return load(dir, key);
    }

    private void checkHostTools() {
        if (installMissing && Packages.isRoot()) Packages.ensure(Packages.IMAGE_BUILD);
        Packages.requireTool("apt-get", "apt");
        Packages.requireTool("apt-cache", "apt");
        Packages.requireTool("dpkg-deb", "dpkg");
        Packages.requireTool("gcc", "gcc");
        if (!Packages.missing(List.of("libc6-dev")).isEmpty()) {
            throw new LabSetupException("static C library (libc.a) missing for gcc -static",
                    "as root run: " + Packages.installLine(List.of("libc6-dev")));
        }
    }

    private String resolveKernelPackage() {
        Commands.Result r = Commands.run(List.of("apt-cache", "depends", kernelMetaPackage), Duration.ofMinutes(1));
        if (r.ok()) {
            for (String line : r.stdout().lines().toList()) {
                String t = line.strip();
                if (t.startsWith("Depends:")) {
                    String dep = t.substring("Depends:".length()).strip();
                    if (dep.startsWith("linux-image-")) return dep;
                }
            }
        }
        throw new LabSetupException("cannot find the kernel package that " + kernelMetaPackage + " depends on"
                + (r.stderr().isBlank() ? "" : ": " + r.stderr().strip()), "as root run: apt-get update");
    }

    private static String packageVersion(String pkg) {
        Commands.Result r = Commands.run(List.of("apt-cache", "show", "--no-all-versions", pkg), Duration.ofMinutes(1));
        if (r.ok()) {
            for (String line : r.stdout().lines().toList()) {
                if (line.startsWith("Version:")) return line.substring("Version:".length()).strip();
            }
        }
        throw new LabSetupException("apt does not know package " + pkg, "as root run: apt-get update");
    }

    private void buildInto(Path work, Path out, String kernelPackage, GuestImageKey key) throws IOException {
        Path debs = Files.createDirectory(work.resolve("debs"));
        download(debs, kernelPackage);
        download(debs, busyboxPackage);
        Path kx = work.resolve("kernel"), bx = work.resolve("busybox");
        Commands.check(List.of("dpkg-deb", "-x", single(debs, kernelPackage + "_").toString(), kx.toString()), APT_TIMEOUT);
        Commands.check(List.of("dpkg-deb", "-x", single(debs, busyboxPackage + "_").toString(), bx.toString()), APT_TIMEOUT);

        Path vmlinuz = single(kx.resolve("boot"), "vmlinuz-");
        String release = vmlinuz.getFileName().toString().substring("vmlinuz-".length());
        KernelModules modules = new KernelModules(kx.resolve("lib/modules").resolve(release));
        List<String> order = modules.loadOrder(moduleRoots);

        Path src = work.resolve("udp_echo.c");
        Files.write(src, resource("udp_echo.c"));
        Path echo = work.resolve("udp_echo");
        Commands.check(List.of("gcc", "-O2", "-static", "-s", "-o", echo.toString(), src.toString()), Duration.ofMinutes(2));

        Path busybox = bx.resolve("bin/busybox");
        if (!Files.isRegularFile(busybox)) {
            throw new LabSetupException(busyboxPackage + " has no /bin/busybox", "check the package contents");
        }
        ByteArrayOutputStream cpio = new ByteArrayOutputStream(8 << 20);
        try (OutputStream gz = new GZIPOutputStream(cpio, 1 << 16)) {
            CpioNewcWriter w = new CpioNewcWriter(gz);
            for (String d : List.of("bin", "dev", "etc", "lib", "lib/modules", "proc", "sys", "tmp")) w.directory(d, 0755);
            w.charDevice("dev/console", 0600, 5, 1);
            w.charDevice("dev/null", 0666, 1, 3);
            w.file("bin/busybox", 0755, Files.readAllBytes(busybox));
            w.symlink("bin/sh", "busybox");
            w.file("bin/udp_echo", 0755, Files.readAllBytes(echo));
            w.file("init", 0755, resource("init"));
            for (String m : order) w.file("lib/modules/" + m + ".ko", 0644, modules.uncompressed(m));
            w.file("etc/vmqos-modules", 0644, (String.join("\n", order) + "\n").getBytes(StandardCharsets.US_ASCII));
            w.finish();
        }
        Files.write(out.resolve("initrd.gz"), cpio.toByteArray());
        Files.copy(vmlinuz, out.resolve("vmlinuz"));
        Properties p = new Properties();
        p.setProperty("kernel.release", release);
        p.setProperty("modules", String.join(",", order));
        p.setProperty("key", key.hash());
        Files.writeString(out.resolve("inputs.txt"), key.text());
        try (OutputStream o = Files.newOutputStream(out.resolve(PROPERTIES))) {
            p.store(o, "vmqos guest image");
        }
    }

    private static void download(Path dir, String pkg) {
        Commands.Result r = runIn(dir, List.of("apt-get", "-o", "APT::Sandbox::User=root", "download", pkg));
        if (!r.ok()) {
            throw new LabSetupException("apt-get download " + pkg + " failed: " + r.stderr().strip(),
                    "check network access to the Debian mirror and run apt-get update");
        }
    }

    private static Commands.Result runIn(Path dir, List<String> cmd) {
        // apt-get download writes into the working directory.
        List<String> sh = new ArrayList<>(List.of("sh", "-c", "cd \"$0\" && exec \"$@\"", dir.toString()));
        sh.addAll(cmd);
        return Commands.run(sh, APT_TIMEOUT);
    }

    private static Path single(Path dir, String prefix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> hits = s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
            if (hits.size() != 1) {
                throw new LabSetupException("expected one file " + prefix + "* in " + dir + ", found " + hits,
                        "clear " + dir.getParent() + " and retry");
            }
            return hits.getFirst();
        }
    }

    private static GuestImage load(Path dir, GuestImageKey key) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve(PROPERTIES))) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String mods = p.getProperty("modules", "");
        return new GuestImage(dir, dir.resolve("vmlinuz"), dir.resolve("initrd.gz"), p.getProperty("kernel.release"),
                mods.isEmpty() ? List.of() : List.of(mods.split(",")), key);
    }

    static byte[] resource(String name) {
        try (InputStream in = GuestImageBuilder.class.getResourceAsStream("/guest/" + name)) {
            if (in == null) throw new IllegalStateException("resource /guest/" + name + " missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
