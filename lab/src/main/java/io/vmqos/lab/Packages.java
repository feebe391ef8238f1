package io.vmqos.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks and (as root) installs the Debian packages the lab needs. {@link #missing} only reads dpkg's database;
 * {@link #ensure} runs {@code apt-get update} then {@code apt-get install -y} for what is missing. Both are
 * idempotent and may be called from any thread (apt's own lock serialises concurrent installs).
 */
public final class Packages {
    private Packages() {}

    /** Host packages to build the guest image: apt-get/apt-cache, dpkg-deb, gcc with a static libc. */
    public static final List<String> IMAGE_BUILD = List.of("apt", "dpkg", "gcc", "libc6-dev");
    /** Host packages to run the lab VM and network. */
    public static final List<String> LAB_RUN = List.of("qemu-system-x86", "iproute2", "ethtool", "iputils-ping");
    /** Everything the lab needs (the CI script installs these). */
    public static final List<String> LAB = concat(IMAGE_BUILD, LAB_RUN);

    /** The packages of {@code debs} that dpkg does not report as installed, in the given order. */
    public static List<String> missing(List<String> debs) {
        List<String> out = new ArrayList<>();
        for (String deb : debs) {
            Commands.Result r = Commands.run(List.of("dpkg-query", "-W", "-f=${db:Status-Status}", deb), Duration.ofSeconds(30));
            if (!r.ok() || !r.stdout().strip().equals("installed")) out.add(deb);
        }
        return out;
    }

    /** The install line a human should run for {@code debs}. */
    public static String installLine(List<String> debs) {
        return "apt-get update && apt-get install -y " + String.join(" ", debs);
    }

    /**
     * Makes sure {@code debs} are installed. As root, installs the missing ones with apt-get (update first);
     * otherwise throws a {@link LabSetupException} naming them and the install line.
     */
    public static void ensure(List<String> debs) {
        List<String> missing = missing(debs);
        if (missing.isEmpty()) return;
        if (!isRoot()) {
            throw new LabSetupException("missing Debian packages " + missing, "as root run: " + installLine(missing));
        }
        Duration t = Duration.ofMinutes(15);
        // Lock timeout: other processes on a shared host may be running apt at the same time.
        Commands.check(List.of("apt-get", "-o", "DPkg::Lock::Timeout=600", "update"), t);
        List<String> install = new ArrayList<>(List.of("apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "--no-install-recommends"));
        install.addAll(missing);
        Commands.check(install, t);
        List<String> still = missing(missing);
        if (!still.isEmpty()) {
            throw new LabSetupException("apt-get did not install " + still, "as root run: " + installLine(still));
        }
    }

    /** Throws a {@link LabSetupException} naming {@code deb} when {@code tool} is not on PATH. */
    public static void requireTool(String tool, String deb) {
        if (onPath(tool) == null) {
            throw new LabSetupException("host tool '" + tool + "' not found on PATH", "as root run: " + installLine(List.of(deb)));
        }
    }

    /** The first executable named {@code tool} on PATH (plus /usr/sbin and /sbin), or null. */
    public static Path onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** Whether this process runs with effective uid 0. */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return line.split("\\s+")[2].equals("0");
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return List.copyOf(out);
    }
}
